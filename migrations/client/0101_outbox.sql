-- Client only: mutations the server must learn of, written in the same transaction as the
-- local change they describe, pushed in seq order. mutation_id (a UUID) is the server's
-- idempotency key. Applied mutations are removed; rejected ones stay with the server's reason
-- until the agent dismisses them.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id  TEXT    NOT NULL UNIQUE CHECK (length(mutation_id) = 36),
    kind         TEXT    NOT NULL CHECK (kind IN (
                     'lead.create', 'lead.update', 'lead.move', 'lead.followup',
                     'activity.create', 'call.create', 'call.update', 'call.close')),
    entity_type  TEXT    NOT NULL CHECK (entity_type IN ('lead', 'lead_activity', 'call')),
    entity_id    INTEGER NOT NULL,
    -- The entity's updated_at the change was based on (optimistic concurrency), if any.
    base_version TEXT    NULL,
    payload_json TEXT    NOT NULL CHECK (json_valid(payload_json)),
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rejected')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   TEXT    NULL,
    created_at   TEXT    NOT NULL
);

CREATE INDEX outbox_state_seq ON outbox (state, seq);
CREATE INDEX outbox_entity ON outbox (entity_type, entity_id);
