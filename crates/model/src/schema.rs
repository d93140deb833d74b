//! OpenAPI schemas of the types whose wire form is custom (see their serde impls).

use crate::{Cents, Json, Timestamp};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "A moment in UTC, RFC 3339, to the second (offsets are accepted and converted).",
            ))
            .examples(["2026-03-10T15:00:00Z"])
            .into()
    }
}

impl ToSchema for Timestamp {}

impl PartialSchema for Cents {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^-?\d{1,8}(\.\d{1,2})?$"))
            .description(Some(
                "An amount of DECIMAL(10,2) as a decimal string. A JSON number is accepted on input; \
                 more than two decimals is refused.",
            ))
            .examples(["1234.50"])
            .into()
    }
}

impl ToSchema for Cents {}

impl PartialSchema for Json {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A JSON object; for activities, shaped by the activity's type.",
            ))
            .into()
    }
}

impl ToSchema for Json {}
