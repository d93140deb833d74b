-- Every reference to a user or a lead stays inside its row's tenant, as the lead's status
-- already does (0005): a lead assigned to or created by another tenant's user, an activity,
-- call, SIP account or audit entry naming another tenant's user or lead, is refused. A
-- reference to a row this database does not hold (yet) is left to the foreign keys.
CREATE TRIGGER leads_people_same_tenant_insert
BEFORE INSERT ON leads
WHEN (SELECT tenant_id FROM users WHERE id = NEW.assigned_to_user_id) <> NEW.tenant_id
  OR (SELECT tenant_id FROM users WHERE id = NEW.created_by_user_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the lead names another tenant''s user');
END;

CREATE TRIGGER leads_people_same_tenant_update
BEFORE UPDATE OF assigned_to_user_id, created_by_user_id, tenant_id ON leads
WHEN (SELECT tenant_id FROM users WHERE id = NEW.assigned_to_user_id) <> NEW.tenant_id
  OR (SELECT tenant_id FROM users WHERE id = NEW.created_by_user_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the lead names another tenant''s user');
END;

CREATE TRIGGER lead_activities_same_tenant
BEFORE INSERT ON lead_activities
WHEN (SELECT tenant_id FROM users WHERE id = NEW.user_id) <> NEW.tenant_id
  OR (SELECT tenant_id FROM leads WHERE id = NEW.lead_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the activity names another tenant''s user or lead');
END;

CREATE TRIGGER calls_people_same_tenant_insert
BEFORE INSERT ON calls
WHEN (SELECT tenant_id FROM users WHERE id = NEW.user_id) <> NEW.tenant_id
  OR (NEW.related_type = 'lead' AND (SELECT tenant_id FROM leads WHERE id = NEW.related_id) <> NEW.tenant_id)
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the call names another tenant''s user or lead');
END;

CREATE TRIGGER calls_people_same_tenant_update
BEFORE UPDATE OF user_id, related_type, related_id, tenant_id ON calls
WHEN (SELECT tenant_id FROM users WHERE id = NEW.user_id) <> NEW.tenant_id
  OR (NEW.related_type = 'lead' AND (SELECT tenant_id FROM leads WHERE id = NEW.related_id) <> NEW.tenant_id)
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the call names another tenant''s user or lead');
END;

CREATE TRIGGER agent_sip_credentials_same_tenant_insert
BEFORE INSERT ON agent_sip_credentials
WHEN (SELECT tenant_id FROM users WHERE id = NEW.user_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the SIP account names another tenant''s user');
END;

CREATE TRIGGER agent_sip_credentials_same_tenant_update
BEFORE UPDATE OF user_id, tenant_id ON agent_sip_credentials
WHEN (SELECT tenant_id FROM users WHERE id = NEW.user_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the SIP account names another tenant''s user');
END;

CREATE TRIGGER audit_logs_same_tenant
BEFORE INSERT ON audit_logs
WHEN (SELECT tenant_id FROM users WHERE id = NEW.user_id) <> NEW.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'leadline:cross_tenant: the audit entry names another tenant''s user');
END;
