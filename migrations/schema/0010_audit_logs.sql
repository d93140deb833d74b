-- Seed table 10: audit_logs. See migrations/README.md for the type conventions.
-- Immutable: no updated_at, and UPDATE is refused.
CREATE TABLE audit_logs (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     INTEGER NULL DEFAULT NULL REFERENCES users (id) ON DELETE SET NULL,
    action      TEXT    NOT NULL CHECK (length(action) <= 255),
    entity_type TEXT    NULL DEFAULT NULL CHECK (length(entity_type) <= 255),
    entity_id   INTEGER NULL DEFAULT NULL,
    ip_address  TEXT    NULL DEFAULT NULL CHECK (length(ip_address) <= 45),
    user_agent  TEXT    NULL DEFAULT NULL,
    created_at  TEXT    NULL DEFAULT NULL
);

-- Seed: INDEX idx_tenant_created (tenant_id, created_at)
CREATE INDEX audit_logs_idx_tenant_created ON audit_logs (tenant_id, created_at);
-- Seed: INDEX idx_tenant_entity (tenant_id, entity_type, entity_id)
CREATE INDEX audit_logs_idx_tenant_entity ON audit_logs (tenant_id, entity_type, entity_id);

CREATE TRIGGER audit_logs_immutable
BEFORE UPDATE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'leadline:immutable: audit log entries cannot be changed');
END;
