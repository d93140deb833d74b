// Shapes of what the core sends over the bridge (serde output of leadline-core/-store).

export type Role = "tenant_admin" | "sales_agent" | "support_agent" | "supervisor" | "read_only";
export type Score = "hot" | "warm" | "cold";
export type ActivityType = "call" | "note" | "status_change" | "followup";

export interface CoreError {
  kind: string;
  message: string;
}

export interface User {
  id: number;
  tenant_id: number;
  name: string;
  email: string;
  role: Role;
  is_active: boolean;
}

export interface Tenant {
  id: number;
  name: string;
  status: "active" | "suspended" | "closed";
  timezone: string;
}

export interface Session {
  user: User;
  tenant: Tenant;
  role: Role;
  permissions: string[];
  demo: boolean;
}

export interface LeadStatus {
  id: number;
  name: string;
  color: string;
  sort_order: number;
  is_default: boolean;
  is_closed: boolean;
  is_won: boolean;
  is_lost: boolean;
  requires_note: boolean;
  requires_followup_date: boolean;
}

export interface LeadCard {
  id: number;
  lead_status_id: number;
  assigned_to_user_id: number | null;
  name: string;
  company_name: string | null;
  email: string | null;
  phone: string | null;
  source: string | null;
  score: Score;
  estimated_value: number | null; // cents
  last_contacted_at: string | null;
  next_followup_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  status_name: string;
  status_color: string;
  assigned_to_name: string | null;
}

export interface BoardCursor {
  created_at: string | null;
  id: number;
}

export interface BoardColumn {
  status: LeadStatus;
  total: number;
  leads: LeadCard[];
  next: BoardCursor | null;
}

export interface Board {
  columns: BoardColumn[];
}

export interface ColumnPage {
  leads: LeadCard[];
  next: BoardCursor | null;
}

export interface TimelineEntry {
  id: number;
  lead_id: number;
  user_id: number;
  type: ActivityType;
  payload: Record<string, unknown> | null;
  created_at: string | null;
  user_name: string;
}

export interface LeadDetail {
  card: LeadCard;
  timeline: TimelineEntry[];
}
