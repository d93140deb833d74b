//! The keepalive ping: an `OPTIONS` request to the PBX over the line's connection. Any answer
//! (even an error status) shows the PBX alive and the path through; [`Line`](crate::Line)
//! decides what silence means. A WebSocket-level ping would keep NAT bindings too, but its
//! answer never reaches us through the stack, so it could not tell a live PBX from a dead one.

use crate::Account;
use rsipstack::sip::SipMessage;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::make_tag;
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::SipConnection;

/// How a ping went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pinged {
    /// The PBX answered.
    Answered,
    /// The request could not be sent: the connection is gone.
    SendFailed,
    /// No answer came (the transaction timed out).
    Unanswered,
}

/// Sends one `OPTIONS` to `account`'s domain over `connection` and waits for an answer.
pub(crate) async fn ping(endpoint: EndpointInnerRef, connection: SipConnection, account: &Account) -> Pinged {
    let Some(request) = options_request(&endpoint, &connection, account) else {
        return Pinged::SendFailed;
    };
    let Ok(key) = TransactionKey::from_request(&request, TransactionRole::Client) else {
        return Pinged::SendFailed;
    };
    let mut tx = Transaction::new_client(key, request, endpoint, Some(connection));
    if let Err(error) = tx.send().await {
        tracing::debug!(%error, "the keepalive ping could not be sent");
        return Pinged::SendFailed;
    }
    while let Some(message) = tx.receive().await {
        if let SipMessage::Response(_) = message {
            return Pinged::Answered;
        }
    }
    Pinged::Unanswered
}

fn options_request(
    endpoint: &EndpointInnerRef,
    connection: &SipConnection,
    account: &Account,
) -> Option<rsipstack::sip::Request> {
    let server = rsipstack::sip::Uri::try_from(format!("sip:{}", account.domain).as_str()).ok()?;
    let us = rsipstack::sip::Uri::try_from(format!("sip:{}@{}", account.username, account.domain).as_str())
        .ok()?;
    let via = endpoint.get_via(Some(connection.get_addr().clone()), None).ok()?;
    let from = rsipstack::sip::typed::From {
        display_name: None,
        uri: us.clone(),
        params: vec![],
    }
    .with_tag(make_tag());
    let to = rsipstack::sip::typed::To {
        display_name: None,
        uri: us,
        params: vec![],
    };
    Some(endpoint.make_request(rsipstack::sip::Method::Options, server, via, from, to, 1, None))
}
