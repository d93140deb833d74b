-- Seed table 2: users. See migrations/README.md for the type conventions.
CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    tenant_id         INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL CHECK (length(name) <= 255),
    email             TEXT    NOT NULL CHECK (length(email) <= 255),
    email_verified_at TEXT    NULL DEFAULT NULL,
    password          TEXT    NOT NULL CHECK (length(password) <= 255),
    role              TEXT    NOT NULL
        CHECK (role IN ('tenant_admin', 'sales_agent', 'support_agent', 'supervisor', 'read_only')),
    is_active         INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    remember_token    TEXT    NULL DEFAULT NULL CHECK (length(remember_token) <= 100),
    created_at        TEXT    NULL DEFAULT NULL,
    updated_at        TEXT    NULL DEFAULT NULL
);

-- Seed: UNIQUE KEY users_email_unique (email)
CREATE UNIQUE INDEX users_email_unique ON users (email);
-- Seed: INDEX idx_tenant_active (tenant_id, is_active)
CREATE INDEX users_idx_tenant_active ON users (tenant_id, is_active);
