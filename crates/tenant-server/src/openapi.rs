//! The OpenAPI 3 document of the tenant sync API, generated from the routes and the wire
//! types. `docs/openapi.json` is this document; a test keeps them equal.

use crate::routes::{
    __path_changes, __path_list_tokens, __path_login, __path_logout, __path_me, __path_push,
    __path_recording, __path_revoke_token, __path_sip_credentials,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token from POST /auth/login, as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leadline tenant sync API",
        version = "1",
        description = include_str!("../../../docs/sync-api.md"),
    ),
    paths(login, logout, list_tokens, revoke_token, me, sip_credentials, changes, push, recording),
    components(schemas(
        leadline_model::Tenant, leadline_model::User, leadline_model::PermissionGrant, leadline_model::LeadStatus,
        leadline_model::Lead, leadline_model::LeadActivity, leadline_model::SipAccount,
        leadline_model::CallDisposition, leadline_model::Call,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Signing in and out; who the token belongs to"),
        (name = "sync", description = "The pull feed and the push of offline changes"),
        (name = "calling", description = "The agent's SIP account and call recordings"),
    )
)]
pub struct ApiDoc;

/// The document as pretty JSON (what `docs/openapi.json` holds).
pub fn document() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
