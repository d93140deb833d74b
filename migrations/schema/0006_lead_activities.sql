-- Seed table 6: lead_activities. See migrations/README.md for the type conventions.
-- Immutable: no updated_at, and UPDATE is refused.
CREATE TABLE lead_activities (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    lead_id      INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type         TEXT    NOT NULL CHECK (type IN ('call', 'note', 'status_change', 'followup')),
    payload_json TEXT    NULL DEFAULT NULL CHECK (payload_json IS NULL OR json_valid(payload_json)),
    created_at   TEXT    NULL DEFAULT NULL
);

-- Seed: INDEX idx_tenant_lead_created (tenant_id, lead_id, created_at)
CREATE INDEX lead_activities_idx_tenant_lead_created ON lead_activities (tenant_id, lead_id, created_at);

CREATE TRIGGER lead_activities_immutable
BEFORE UPDATE ON lead_activities
BEGIN
    SELECT RAISE(ABORT, 'leadline:immutable: lead activities cannot be changed');
END;
