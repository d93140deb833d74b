-- Seed table 3: permissions. See migrations/README.md for the type conventions.
CREATE TABLE permissions (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL
        CHECK (role IN ('tenant_admin', 'sales_agent', 'support_agent', 'supervisor', 'read_only')),
    permission TEXT    NOT NULL CHECK (length(permission) <= 255),
    created_at TEXT    NULL DEFAULT NULL,
    updated_at TEXT    NULL DEFAULT NULL
);

-- Seed: UNIQUE KEY unique_permission (tenant_id, role, permission)
CREATE UNIQUE INDEX permissions_unique_permission ON permissions (tenant_id, role, permission);
-- Seed: INDEX idx_tenant (tenant_id)
CREATE INDEX permissions_idx_tenant ON permissions (tenant_id);
