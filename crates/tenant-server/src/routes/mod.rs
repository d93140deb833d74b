//! The API's routes under `/api/v1`. Unknown paths answer 404 with the API's error body.

mod auth;
mod calls;
mod changes;
mod me;
mod mutations;
mod tokens;

pub(crate) use auth::{__path_login, __path_logout};
pub(crate) use calls::__path_recording;
pub(crate) use changes::__path_changes;
pub(crate) use me::{__path_me, __path_sip_credentials};
pub(crate) use mutations::__path_push;
pub use mutations::{ANSWERS_KEPT_SECS, MAX_STORED_REFUSALS_PER_DAY, forget_old_answers};
pub(crate) use tokens::{__path_list_tokens, __path_revoke_token};

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::routing::{delete, get, post};

pub fn router() -> Router<AppState> {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(me::me))
        .route("/me/sip-credentials", get(me::sip_credentials))
        .route("/changes", get(changes::changes))
        .route("/mutations", post(mutations::push))
        .route("/calls/{id}/recording", get(calls::recording))
        .route("/tokens", get(tokens::list_tokens))
        .route("/tokens/{id}", delete(tokens::revoke_token));
    Router::new()
        .nest(leadline_api::PREFIX, api)
        .fallback(|| async { ApiError::not_found("route") })
}
