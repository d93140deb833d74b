//! A tenant server with two seeded tenants on a loopback port, and an HTTP client whose every
//! exchange is held to `docs/openapi.json` ([`crate::contract`]).

#![allow(dead_code)] // each test file uses its own part of the world

use crate::contract::contract;
use leadline_api::{ChangesPage, LoginResponse};
use leadline_tenant_server::seed::SeededTenant;
use leadline_tenant_server::{RunningServer, ServerKey, TenantServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub struct World {
    pub _dir: tempfile::TempDir,
    pub server: TenantServer,
    pub running: RunningServer,
    pub a: SeededTenant,
    pub b: SeededTenant,
    pub http: reqwest::Client,
}

pub async fn world() -> World {
    // reqwest is built with `rustls-no-provider` in this workspace: name the provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let server = TenantServer::open(
        &dir.path().join("tenants.sqlite3"),
        ServerKey::generate().unwrap(),
    )
    .unwrap();
    let a = server.seed_demo("Alpha Co", "alpha", 60, 1).unwrap();
    let b = server.seed_demo("Beta Ltd", "beta", 40, 2).unwrap();
    let running = server
        .clone()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .user_agent("leadline-test/1")
        .build()
        .unwrap();
    World {
        _dir: dir,
        server,
        running,
        a,
        b,
        http,
    }
}

pub fn email(t: &SeededTenant, role: &str) -> String {
    t.users
        .iter()
        .find(|u| u.role.as_str() == role)
        .unwrap()
        .email
        .clone()
}

impl World {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.running.url())
    }

    pub async fn login(&self, email: &str) -> LoginResponse {
        let res = self
            .http
            .post(self.url("/auth/login"))
            .json(&json!({"email": email, "password": "leadline-demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        let request = json!({"email": email, "password": "leadline-demo"});
        contract().check("POST", "/api/v1/auth/login", Some(&request), 200, &body);
        serde_json::from_value(body).unwrap()
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = res.json().await.unwrap_or(Value::Null);
        contract().check("GET", &format!("/api/v1{path}"), None, status.as_u16(), &body);
        (status, body)
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let answer = res.json().await.unwrap_or(Value::Null);
        contract().check(
            "POST",
            &format!("/api/v1{path}"),
            Some(body),
            status.as_u16(),
            &answer,
        );
        (status, answer)
    }

    pub async fn pull_all(&self, token: &str, limit: usize) -> Vec<leadline_api::Change> {
        let mut all = Vec::new();
        let mut cursor = String::new();
        loop {
            let (status, body) = self
                .get(token, &format!("/changes?cursor={cursor}&limit={limit}"))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let page: ChangesPage = serde_json::from_str(&body.to_string()).unwrap();
            assert_eq!(
                page.remaining == 0,
                !page.has_more,
                "remaining {} with has_more {}",
                page.remaining,
                page.has_more
            );
            all.extend(page.changes);
            cursor = page.next_cursor;
            if !page.has_more {
                return all;
            }
        }
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.server
            .db()
            .run_now(|conn| conn.query_row(sql, [], |r| r.get(0)).unwrap())
    }
}

pub fn mutation(kind: &str, entity_type: &str, entity_id: i64, payload: Value) -> Value {
    json!({
        "mutation_id": uuid_like(), "kind": kind, "entity_type": entity_type, "entity_id": entity_id,
        "payload": payload, "created_at": "2026-03-10T15:00:00Z",
    })
}

pub fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    format!(
        "00000000-0000-4000-8000-{:012x}",
        N.fetch_add(1, Ordering::Relaxed)
    )
}
