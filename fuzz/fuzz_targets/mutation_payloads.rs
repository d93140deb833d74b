//! A push to the tenant server from a signed-in agent, whatever its body: through the real
//! router and database. Nothing may answer 500 or panic.

#![no_main]

use axum::body::Body;
use axum::http::{Request, header};
use leadline_tenant_server::auth::token_hash;
use leadline_tenant_server::{ServerKey, TenantServer};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tower::ServiceExt;

const TOKEN: &str = "llt_fuzzing-token-fuzzing-token-fuzzing-token";

struct World {
    _dir: tempfile::TempDir,
    server: TenantServer,
    runtime: tokio::runtime::Runtime,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let server = TenantServer::open(
            &dir.path().join("t.sqlite3"),
            ServerKey::generate().expect("a key"),
        )
        .expect("a server");
        let tenant = server.seed_demo("Fuzz Co", "fuzz", 20, 1).expect("seeded");
        let email = tenant
            .users
            .iter()
            .find(|u| u.role.as_str() == "sales_agent")
            .expect("an agent")
            .email
            .clone();
        server.db().run_now(|conn| {
            conn.execute(
                "INSERT INTO api_tokens (tenant_id, user_id, token_hash, created_at) \
                 SELECT tenant_id, id, ?2, datetime('now') FROM users WHERE email = ?1",
                [email, token_hash(TOKEN)],
            )
            .expect("a token")
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        World {
            _dir: dir,
            server,
            runtime,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let world = world();
    let request = Request::post("/api/v1/mutations")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(data.to_vec()))
        .expect("a request");
    let router = world.server.router();
    let status = world
        .runtime
        .block_on(async move { router.oneshot(request).await })
        .expect("an answer")
        .status();
    assert!(status.as_u16() < 500, "a push answered {status}");
});
