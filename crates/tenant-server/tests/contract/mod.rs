//! Holds the test suite's real traffic to `docs/openapi.json`: every request the tests send
//! through [`Contract::check`] is matched to its documented operation, its body (when the
//! server accepted it) validated against the operation's request schema, its status required
//! to be documented, and the answer validated against that status's schema. So the document
//! and the server cannot drift apart without a test failing.

use serde_json::{Value, json};
use std::sync::OnceLock;

/// The OpenAPI document, loaded once.
pub struct Contract {
    doc: Value,
}

/// The contract of `docs/openapi.json`.
pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let text = std::fs::read_to_string(path).unwrap();
        Contract {
            doc: serde_json::from_str(&text).unwrap(),
        }
    })
}

/// Whether a concrete path (`/api/v1/calls/7/recording`) fits a template (`…/{id}/…`).
fn fits(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
}

impl Contract {
    fn operation(&self, method: &str, path: &str) -> &Value {
        let path = path.split('?').next().unwrap_or(path);
        let paths = self.doc["paths"].as_object().unwrap();
        let (_, item) = paths
            .iter()
            .find(|(template, _)| fits(template, path))
            .unwrap_or_else(|| panic!("{path} is not in docs/openapi.json"));
        let op = &item[method.to_lowercase()];
        assert!(op.is_object(), "{method} {path} is not in docs/openapi.json");
        op
    }

    /// Validates `value` against the schema at `schema` (often a `$ref` into the components).
    fn validate(&self, schema: &Value, value: &Value, what: &str) {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        let validator = jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("{what}: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what} breaks docs/openapi.json:\n{}\n{value:#}",
            errors.join("\n")
        );
    }

    /// Checks one exchange: `request` is the JSON body sent (if any), `status` and `answer`
    /// what came back (`Value::Null` for an empty body).
    pub fn check(&self, method: &str, path: &str, request: Option<&Value>, status: u16, answer: &Value) {
        let op = self.operation(method, path);
        if let Some(body) = request
            && (200..300).contains(&status)
        {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            if schema.is_object() {
                self.validate(schema, body, &format!("the request of {method} {path}"));
            } else {
                // The tests' helper sends `{}` where an operation takes no body.
                assert_eq!(body, &json!({}), "{method} {path} takes no documented body");
            }
        }
        let response = &op["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{method} {path} answered {status}, which docs/openapi.json does not list: {answer}"
        );
        let schema = &response["content"]["application/json"]["schema"];
        if schema.is_object() {
            self.validate(schema, answer, &format!("the {status} answer of {method} {path}"));
        } else {
            assert!(
                answer.is_null(),
                "{method} {path} {status} has an undocumented body: {answer}"
            );
        }
    }
}
