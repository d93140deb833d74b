-- Client only: indexes for the screens the agent uses all day, beside the seed's own.
-- The Kanban column: a status's leads newest first, paged by (created_at, id).
CREATE INDEX leads_board_column ON leads (tenant_id, lead_status_id, created_at DESC, id DESC);
-- Today's calls across the tenant (the seed's index leads with user_id).
CREATE INDEX calls_tenant_started ON calls (tenant_id, started_at);
