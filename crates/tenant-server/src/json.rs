//! `ApiJson<T>`: a JSON body whose every rejection (malformed, wrong type, too large, wrong
//! content type) is an [`ApiError`] with the API's error body, not axum's plain text.

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// A JSON request body.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => ApiError::invalid(e.body_text()),
                JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(e.body_text()),
                JsonRejection::MissingJsonContentType(_) => {
                    ApiError::bad_request("send the body as JSON (Content-Type: application/json)")
                }
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(),
                other => ApiError::bad_request(other.body_text()),
            }),
        }
    }
}
