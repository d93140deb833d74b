-- Seed table 1: tenants. See migrations/README.md for the type conventions.
CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL CHECK (length(name) <= 255),
    status     TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    timezone   TEXT    NOT NULL DEFAULT 'UTC' CHECK (length(timezone) <= 255),
    created_at TEXT    NULL DEFAULT NULL,
    updated_at TEXT    NULL DEFAULT NULL
);

-- Seed: INDEX idx_status (status)
CREATE INDEX tenants_idx_status ON tenants (status);
