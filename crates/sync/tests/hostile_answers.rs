//! The client against a server that misbehaves at the HTTP level: an endless body, a body
//! longer than any page, a 429 with `Retry-After`. A raw TCP server on loopback plays it.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

use leadline_api::MAX_ANSWER_BYTES;
use leadline_sync::{ApiClient, SyncError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves one request with `head` and then `body_len` bytes of `[` (never valid JSON).
async fn serve_once(head: String, body_len: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0; 8192];
        let _ = socket.read(&mut request).await;
        socket.write_all(head.as_bytes()).await.unwrap();
        let chunk = vec![b'['; 64 * 1024];
        let mut sent = 0;
        while sent < body_len {
            let n = chunk.len().min(body_len - sent);
            if socket.write_all(&chunk[..n]).await.is_err() {
                return; // the client stopped reading: what we want
            }
            sent += n;
        }
    });
    url
}

#[tokio::test]
async fn an_answer_longer_than_the_bound_is_refused_without_reading_it_all() {
    for declared in [true, false] {
        let len = MAX_ANSWER_BYTES + 1024 * 1024;
        let head = if declared {
            format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n")
        } else {
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_owned()
        };
        let url = serve_once(head, len).await;
        let client = ApiClient::new(&url).unwrap().with_token("t".into());
        let error = client.me().await.unwrap_err();
        assert!(
            matches!(&error, SyncError::BadAnswer(m) if m.contains("longer than 16 MiB")),
            "declared length {declared}: {error}"
        );
    }
}

#[tokio::test]
async fn a_429_says_the_servers_words_and_how_long_to_wait() {
    let body =
        r#"{"error":"too_many_requests","message":"too many failed sign-ins; try again in 15 minutes"}"#;
    let head = format!(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 900\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let url = serve_once(head, 0).await;
    let error = ApiClient::new(&url)
        .unwrap()
        .login("ana@example.com", "guess", "test")
        .await
        .unwrap_err();
    assert!(error.is_transient());
    assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(900)));
    assert_eq!(
        error.to_string(),
        "too many failed sign-ins; try again in 15 minutes"
    );
}
