-- Server only: bearer tokens. Only the SHA-256 of a token is stored; the token itself is shown
-- once, at login. A revoked token stays (revoked_at set) so its use can be told apart from a
-- token that never existed.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    name         TEXT    NULL CHECK (length(name) <= 255),
    created_at   TEXT    NOT NULL,
    last_used_at TEXT    NULL,
    revoked_at   TEXT    NULL
);

CREATE INDEX api_tokens_user ON api_tokens (tenant_id, user_id);
