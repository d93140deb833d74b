-- Seed table 7: agent_sip_credentials. See migrations/README.md for the type conventions.
-- On the client, sip_password is never written here: it holds the empty string and the
-- password lives in the OS keychain. The server stores it encrypted with its key.
CREATE TABLE agent_sip_credentials (
    id            INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sip_ws_url    TEXT    NOT NULL CHECK (length(sip_ws_url) <= 255),
    sip_username  TEXT    NOT NULL CHECK (length(sip_username) <= 255),
    sip_password  TEXT    NOT NULL,
    sip_domain    TEXT    NOT NULL CHECK (length(sip_domain) <= 255),
    display_name  TEXT    NULL DEFAULT NULL CHECK (length(display_name) <= 255),
    auto_register INTEGER NOT NULL DEFAULT 0 CHECK (auto_register IN (0, 1)),
    created_at    TEXT    NULL DEFAULT NULL,
    updated_at    TEXT    NULL DEFAULT NULL
);

-- Seed: UNIQUE KEY unique_user (tenant_id, user_id)
CREATE UNIQUE INDEX agent_sip_credentials_unique_user ON agent_sip_credentials (tenant_id, user_id);
-- Seed: INDEX idx_tenant (tenant_id)
CREATE INDEX agent_sip_credentials_idx_tenant ON agent_sip_credentials (tenant_id);
