-- Server only: the change sequence behind the pull feed. Every insert, update and delete of a
-- table the client holds appends (tenant, table, row, op); a pull reads a tenant's entries
-- after its cursor and sends each row as it is at that moment.
CREATE TABLE change_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  INTEGER NOT NULL,
    table_name TEXT    NOT NULL,
    row_id     INTEGER NOT NULL,
    op         TEXT    NOT NULL CHECK (op IN ('upsert', 'delete'))
);

CREATE INDEX change_log_tenant_seq ON change_log (tenant_id, seq);

CREATE TRIGGER tenants_log_insert AFTER INSERT ON tenants
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.id, 'tenants', NEW.id, 'upsert');
END;

CREATE TRIGGER tenants_log_update AFTER UPDATE ON tenants
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.id, 'tenants', NEW.id, 'upsert');
END;

CREATE TRIGGER tenants_log_delete AFTER DELETE ON tenants
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (OLD.id, 'tenants', OLD.id, 'delete');
END;

CREATE TRIGGER users_log_insert AFTER INSERT ON users
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'users', NEW.id, 'upsert');
END;

CREATE TRIGGER users_log_update AFTER UPDATE ON users
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'users', NEW.id, 'upsert');
END;

CREATE TRIGGER users_log_delete AFTER DELETE ON users
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (OLD.tenant_id, 'users', OLD.id, 'delete');
END;

CREATE TRIGGER permissions_log_insert AFTER INSERT ON permissions
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'permissions', NEW.id, 'upsert');
END;

CREATE TRIGGER permissions_log_update AFTER UPDATE ON permissions
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'permissions', NEW.id, 'upsert');
END;

CREATE TRIGGER permissions_log_delete AFTER DELETE ON permissions
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (OLD.tenant_id, 'permissions', OLD.id, 'delete');
END;

CREATE TRIGGER lead_statuses_log_insert AFTER INSERT ON lead_statuses
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'lead_statuses', NEW.id, 'upsert');
END;

CREATE TRIGGER lead_statuses_log_update AFTER UPDATE ON lead_statuses
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'lead_statuses', NEW.id, 'upsert');
END;

CREATE TRIGGER lead_statuses_log_delete AFTER DELETE ON lead_statuses
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (OLD.tenant_id, 'lead_statuses', OLD.id, 'delete');
END;

CREATE TRIGGER leads_log_insert AFTER INSERT ON leads
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'leads', NEW.id, 'upsert');
END;

CREATE TRIGGER leads_log_update AFTER UPDATE ON leads
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'leads', NEW.id, 'upsert');
END;

CREATE TRIGGER leads_log_delete AFTER DELETE ON leads
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (OLD.tenant_id, 'leads', OLD.id, 'delete');
END;

CREATE TRIGGER lead_activities_log_insert AFTER INSERT ON lead_activities
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'lead_activities', NEW.id, 'upsert');
END;

CREATE TRIGGER lead_activities_log_update AFTER UPDATE ON lead_activities
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'lead_activities', NEW.id, 'upsert');
END;

CREATE TRIGGER lead_activities_log_delete AFTER DELETE ON lead_activities
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (OLD.tenant_id, 'lead_activities', OLD.id, 'delete');
END;

CREATE TRIGGER agent_sip_credentials_log_insert AFTER INSERT ON agent_sip_credentials
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'agent_sip_credentials', NEW.id, 'upsert');
END;

CREATE TRIGGER agent_sip_credentials_log_update AFTER UPDATE ON agent_sip_credentials
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'agent_sip_credentials', NEW.id, 'upsert');
END;

CREATE TRIGGER agent_sip_credentials_log_delete AFTER DELETE ON agent_sip_credentials
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (OLD.tenant_id, 'agent_sip_credentials', OLD.id, 'delete');
END;

CREATE TRIGGER call_dispositions_log_insert AFTER INSERT ON call_dispositions
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'call_dispositions', NEW.id, 'upsert');
END;

CREATE TRIGGER call_dispositions_log_update AFTER UPDATE ON call_dispositions
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'call_dispositions', NEW.id, 'upsert');
END;

CREATE TRIGGER call_dispositions_log_delete AFTER DELETE ON call_dispositions
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (OLD.tenant_id, 'call_dispositions', OLD.id, 'delete');
END;

CREATE TRIGGER calls_log_insert AFTER INSERT ON calls
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'calls', NEW.id, 'upsert');
END;

CREATE TRIGGER calls_log_update AFTER UPDATE ON calls
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (NEW.tenant_id, 'calls', NEW.id, 'upsert');
END;

CREATE TRIGGER calls_log_delete AFTER DELETE ON calls
BEGIN
    INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (OLD.tenant_id, 'calls', OLD.id, 'delete');
END;
