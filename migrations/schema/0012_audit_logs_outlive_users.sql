-- The audit log outlives the users it names: deleting a user sets its entries' user_id to NULL
-- (the foreign key's ON DELETE SET NULL, which is an UPDATE), and only that; every other change
-- to an entry stays refused, as is clearing the user of an entry whose user still exists.
DROP TRIGGER audit_logs_immutable;
CREATE TRIGGER audit_logs_immutable
BEFORE UPDATE ON audit_logs
WHEN NOT (
    OLD.user_id IS NOT NULL AND NEW.user_id IS NULL
    AND NEW.id IS OLD.id AND NEW.tenant_id IS OLD.tenant_id AND NEW.action IS OLD.action
    AND NEW.entity_type IS OLD.entity_type AND NEW.entity_id IS OLD.entity_id
    AND NEW.ip_address IS OLD.ip_address AND NEW.user_agent IS OLD.user_agent
    AND NEW.created_at IS OLD.created_at
    AND NOT EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
)
BEGIN
    SELECT RAISE(ABORT, 'leadline:immutable: audit log entries cannot be changed');
END;
