-- Seed table 8: call_dispositions. See migrations/README.md for the type conventions.
CREATE TABLE call_dispositions (
    id            INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL CHECK (length(name) <= 255),
    sort_order    INTEGER NOT NULL DEFAULT 0,
    is_default    INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    requires_note INTEGER NOT NULL DEFAULT 0 CHECK (requires_note IN (0, 1)),
    created_at    TEXT    NULL DEFAULT NULL,
    updated_at    TEXT    NULL DEFAULT NULL
);

-- Seed: INDEX idx_tenant_sort (tenant_id, sort_order)
CREATE INDEX call_dispositions_idx_tenant_sort ON call_dispositions (tenant_id, sort_order);
