-- Server only: every mutation applied (or refused), by the client's UUID, with the answer
-- given, so a replay gets the same answer and is never applied twice.
CREATE TABLE applied_mutations (
    mutation_id TEXT    NOT NULL PRIMARY KEY CHECK (length(mutation_id) = 36),
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    result_json TEXT    NOT NULL CHECK (json_valid(result_json)),
    applied_at  TEXT    NOT NULL
);
