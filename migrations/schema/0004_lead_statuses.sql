-- Seed table 4: lead_statuses. See migrations/README.md for the type conventions.
CREATE TABLE lead_statuses (
    id                     INTEGER PRIMARY KEY,
    tenant_id              INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name                   TEXT    NOT NULL CHECK (length(name) <= 255),
    color                  TEXT    NOT NULL DEFAULT '#3B82F6' CHECK (length(color) <= 7),
    sort_order             INTEGER NOT NULL DEFAULT 0,
    is_default             INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    is_closed              INTEGER NOT NULL DEFAULT 0 CHECK (is_closed IN (0, 1)),
    is_won                 INTEGER NOT NULL DEFAULT 0 CHECK (is_won IN (0, 1)),
    is_lost                INTEGER NOT NULL DEFAULT 0 CHECK (is_lost IN (0, 1)),
    requires_note          INTEGER NOT NULL DEFAULT 0 CHECK (requires_note IN (0, 1)),
    requires_followup_date INTEGER NOT NULL DEFAULT 0 CHECK (requires_followup_date IN (0, 1)),
    created_at             TEXT    NULL DEFAULT NULL,
    updated_at             TEXT    NULL DEFAULT NULL,
    -- Seed rule: is_won and is_lost are mutually exclusive.
    CONSTRAINT won_lost_exclusive CHECK (NOT (is_won = 1 AND is_lost = 1))
);

-- Seed: INDEX idx_tenant_sort (tenant_id, sort_order)
CREATE INDEX lead_statuses_idx_tenant_sort ON lead_statuses (tenant_id, sort_order);

-- Seed rule: exactly one is_default = TRUE per tenant.
-- Making a status the default demotes the previous one (so the default can be switched in a
-- single statement, and a pulled change applies in any order); a tenant's first status must be
-- its default; the default cannot be demoted directly nor deleted while its tenant exists.
CREATE TRIGGER lead_statuses_first_is_default
BEFORE INSERT ON lead_statuses
WHEN NEW.is_default = 0
 AND NOT EXISTS (SELECT 1 FROM lead_statuses WHERE tenant_id = NEW.tenant_id AND is_default = 1)
BEGIN
    SELECT RAISE(ABORT, 'leadline:default_status_required: a tenant''s first lead status must be its default');
END;

CREATE TRIGGER lead_statuses_one_default_on_insert
AFTER INSERT ON lead_statuses
WHEN NEW.is_default = 1
BEGIN
    UPDATE lead_statuses SET is_default = 0
     WHERE tenant_id = NEW.tenant_id AND id <> NEW.id AND is_default = 1;
END;

CREATE TRIGGER lead_statuses_one_default_on_update
AFTER UPDATE OF is_default ON lead_statuses
WHEN NEW.is_default = 1 AND OLD.is_default = 0
BEGIN
    UPDATE lead_statuses SET is_default = 0
     WHERE tenant_id = NEW.tenant_id AND id <> NEW.id AND is_default = 1;
END;

CREATE TRIGGER lead_statuses_keep_default_on_update
BEFORE UPDATE OF is_default ON lead_statuses
WHEN OLD.is_default = 1 AND NEW.is_default = 0
 AND NOT EXISTS (SELECT 1 FROM lead_statuses
                  WHERE tenant_id = OLD.tenant_id AND is_default = 1 AND id <> OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'leadline:default_status_required: make another status the default instead');
END;

CREATE TRIGGER lead_statuses_keep_default_on_delete
BEFORE DELETE ON lead_statuses
WHEN OLD.is_default = 1
 AND EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id)
BEGIN
    SELECT RAISE(ABORT, 'leadline:default_status_required: the default lead status cannot be deleted');
END;
