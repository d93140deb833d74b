-- Client only: who this local database belongs to. One row at most.
-- server_url is NULL for the built-in demo tenant. No secret is ever stored here: the API
-- token and the SIP password live in the OS keychain.
CREATE TABLE client_profile (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    server_url     TEXT    NULL,
    -- ISO 3166 region used to read national-format phone numbers (e.g. 'US', 'GB').
    default_region TEXT    NOT NULL DEFAULT 'US' CHECK (length(default_region) = 2),
    created_at     TEXT    NOT NULL
);
