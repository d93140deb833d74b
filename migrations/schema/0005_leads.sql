-- Seed table 5: leads. See migrations/README.md for the type conventions.
-- estimated_value is DECIMAL(10,2) stored as integer cents.
CREATE TABLE leads (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    lead_status_id      INTEGER NOT NULL REFERENCES lead_statuses (id) ON DELETE RESTRICT,
    assigned_to_user_id INTEGER NULL DEFAULT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_by_user_id  INTEGER NULL DEFAULT NULL REFERENCES users (id) ON DELETE SET NULL,
    name                TEXT    NOT NULL CHECK (length(name) <= 255),
    company_name        TEXT    NULL DEFAULT NULL CHECK (length(company_name) <= 255),
    email               TEXT    NULL DEFAULT NULL CHECK (length(email) <= 255),
    phone               TEXT    NULL DEFAULT NULL CHECK (length(phone) <= 255),
    source              TEXT    NULL DEFAULT NULL CHECK (length(source) <= 255),
    score               TEXT    NOT NULL DEFAULT 'warm' CHECK (score IN ('hot', 'warm', 'cold')),
    estimated_value     INTEGER NULL DEFAULT NULL
        CHECK (estimated_value BETWEEN -9999999999 AND 9999999999),
    last_contacted_at   TEXT    NULL DEFAULT NULL,
    next_followup_at    TEXT    NULL DEFAULT NULL,
    created_at          TEXT    NULL DEFAULT NULL,
    updated_at          TEXT    NULL DEFAULT NULL
);

-- Seed: INDEX idx_tenant_status (tenant_id, lead_status_id)
CREATE INDEX leads_idx_tenant_status ON leads (tenant_id, lead_status_id);
-- Seed: INDEX idx_tenant_assigned (tenant_id, assigned_to_user_id)
CREATE INDEX leads_idx_tenant_assigned ON leads (tenant_id, assigned_to_user_id);
-- Seed: INDEX idx_tenant_followup (tenant_id, next_followup_at)
CREATE INDEX leads_idx_tenant_followup ON leads (tenant_id, next_followup_at);

-- Seed rule: a status with leads cannot be deleted (the FK's RESTRICT, with a clear message).
-- When the whole tenant is deleted its statuses and leads go together.
CREATE TRIGGER lead_statuses_in_use
BEFORE DELETE ON lead_statuses
WHEN EXISTS (SELECT 1 FROM leads WHERE lead_status_id = OLD.id)
 AND EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id)
BEGIN
    SELECT RAISE(ABORT, 'leadline:status_in_use: a lead status that has leads cannot be deleted');
END;

-- Seed rule: moving a lead into a status with requires_followup_date needs a follow-up date.
-- (requires_note needs a note, which is an activity: the store enforces that one.)
CREATE TRIGGER leads_move_requires_followup
BEFORE UPDATE OF lead_status_id ON leads
WHEN NEW.lead_status_id <> OLD.lead_status_id
 AND NEW.next_followup_at IS NULL
 AND (SELECT requires_followup_date FROM lead_statuses WHERE id = NEW.lead_status_id) = 1
BEGIN
    SELECT RAISE(ABORT, 'leadline:followup_required: this status requires a follow-up date');
END;

-- A lead's status belongs to the lead's tenant.
CREATE TRIGGER leads_status_same_tenant_insert
BEFORE INSERT ON leads
WHEN (SELECT tenant_id FROM lead_statuses WHERE id = NEW.lead_status_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the lead status belongs to another tenant');
END;

CREATE TRIGGER leads_status_same_tenant_update
BEFORE UPDATE OF lead_status_id, tenant_id ON leads
WHEN (SELECT tenant_id FROM lead_statuses WHERE id = NEW.lead_status_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the lead status belongs to another tenant');
END;
