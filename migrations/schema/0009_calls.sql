-- Seed table 9: calls. See migrations/README.md for the type conventions.
-- A call is "closed" once it has a disposition (wrap-up done). An ended call without one is
-- waiting for wrap-up. duration_seconds is derived from started_at/ended_at by trigger.
CREATE TABLE calls (
    id               INTEGER PRIMARY KEY,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    related_type     TEXT    NULL DEFAULT NULL CHECK (length(related_type) <= 255),
    related_id       INTEGER NULL DEFAULT NULL,
    direction        TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    from_number      TEXT    NOT NULL CHECK (length(from_number) <= 255),
    to_number        TEXT    NOT NULL CHECK (length(to_number) <= 255),
    started_at       TEXT    NOT NULL,
    ended_at         TEXT    NULL DEFAULT NULL,
    duration_seconds INTEGER NULL DEFAULT NULL,
    pbx_call_id      TEXT    NULL DEFAULT NULL CHECK (length(pbx_call_id) <= 255),
    recording_url    TEXT    NULL DEFAULT NULL CHECK (length(recording_url) <= 255),
    disposition_id   INTEGER NULL DEFAULT NULL REFERENCES call_dispositions (id) ON DELETE SET NULL,
    wrapup_notes     TEXT    NULL DEFAULT NULL,
    created_at       TEXT    NULL DEFAULT NULL,
    updated_at       TEXT    NULL DEFAULT NULL,
    CONSTRAINT call_started_at_valid CHECK (unixepoch(started_at) IS NOT NULL),
    CONSTRAINT call_ended_at_valid CHECK (ended_at IS NULL OR unixepoch(ended_at) IS NOT NULL),
    CONSTRAINT call_ends_after_start CHECK (ended_at IS NULL OR unixepoch(ended_at) >= unixepoch(started_at)),
    -- A call is closed (given a disposition) only after it has ended.
    CONSTRAINT call_closed_after_end CHECK (disposition_id IS NULL OR ended_at IS NOT NULL)
);

-- Seed: INDEX idx_tenant_user_started (tenant_id, user_id, started_at)
CREATE INDEX calls_idx_tenant_user_started ON calls (tenant_id, user_id, started_at);
-- Seed: INDEX idx_tenant_related (tenant_id, related_type, related_id)
CREATE INDEX calls_idx_tenant_related ON calls (tenant_id, related_type, related_id);

-- duration_seconds is derived, whatever a writer put there.
CREATE TRIGGER calls_derive_duration_on_insert
AFTER INSERT ON calls
BEGIN
    UPDATE calls SET duration_seconds =
        CASE WHEN NEW.ended_at IS NULL THEN NULL
             ELSE unixepoch(NEW.ended_at) - unixepoch(NEW.started_at) END
     WHERE id = NEW.id;
END;

CREATE TRIGGER calls_derive_duration_on_update
AFTER UPDATE OF started_at, ended_at, duration_seconds ON calls
BEGIN
    UPDATE calls SET duration_seconds =
        CASE WHEN NEW.ended_at IS NULL THEN NULL
             ELSE unixepoch(NEW.ended_at) - unixepoch(NEW.started_at) END
     WHERE id = NEW.id;
END;

-- Seed rule: a disposition with requires_note needs wrap-up notes.
CREATE TRIGGER calls_disposition_note_on_insert
BEFORE INSERT ON calls
WHEN NEW.disposition_id IS NOT NULL
 AND (SELECT requires_note FROM call_dispositions WHERE id = NEW.disposition_id) = 1
 AND trim(coalesce(NEW.wrapup_notes, ''), ' ' || char(9, 10, 13)) = ''
BEGIN
    SELECT RAISE(ABORT, 'leadline:wrapup_note_required: this disposition requires wrap-up notes');
END;

CREATE TRIGGER calls_disposition_note_on_update
BEFORE UPDATE OF disposition_id, wrapup_notes ON calls
WHEN NEW.disposition_id IS NOT NULL
 AND (SELECT requires_note FROM call_dispositions WHERE id = NEW.disposition_id) = 1
 AND trim(coalesce(NEW.wrapup_notes, ''), ' ' || char(9, 10, 13)) = ''
BEGIN
    SELECT RAISE(ABORT, 'leadline:wrapup_note_required: this disposition requires wrap-up notes');
END;

-- Seed rule: a call is not closed without a disposition, so a closed call keeps it (unless
-- the disposition itself is deleted, when the FK sets it NULL).
CREATE TRIGGER calls_keep_disposition
BEFORE UPDATE OF disposition_id ON calls
WHEN OLD.disposition_id IS NOT NULL AND NEW.disposition_id IS NULL
 AND EXISTS (SELECT 1 FROM call_dispositions WHERE id = OLD.disposition_id)
BEGIN
    SELECT RAISE(ABORT, 'leadline:disposition_required: a closed call keeps its disposition');
END;

-- A call's disposition belongs to the call's tenant.
CREATE TRIGGER calls_disposition_same_tenant_insert
BEFORE INSERT ON calls
WHEN NEW.disposition_id IS NOT NULL
 AND (SELECT tenant_id FROM call_dispositions WHERE id = NEW.disposition_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the disposition belongs to another tenant');
END;

CREATE TRIGGER calls_disposition_same_tenant_update
BEFORE UPDATE OF disposition_id ON calls
WHEN NEW.disposition_id IS NOT NULL
 AND (SELECT tenant_id FROM call_dispositions WHERE id = NEW.disposition_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the disposition belongs to another tenant');
END;
