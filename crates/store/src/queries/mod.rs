//! The seed's sample queries as product features: the Kanban board, the lead timeline,
//! today's calls in the tenant's timezone, the agent's upcoming follow-ups, tenant statistics;
//! plus lead search and caller lookup. Reads only; every query is scoped to one tenant.

mod board;
mod calls_today;
mod followups;
mod leads_list;
mod search;
mod stats;
mod timeline;

pub use board::{Board, BoardColumn, BoardCursor, LeadCard, board, board_column, lead_card};
pub use calls_today::{CallCursor, CallPage, CallRow, calls_before, calls_today, local_day_bounds};
pub use followups::upcoming_followups;
pub use leads_list::{LeadPage, LeadQuery, leads_list, leads_page};
pub use search::{CallerMatch, caller_lookup, search_leads};
pub use stats::{TenantStats, tenant_stats};
pub use timeline::{TimelineEntry, timeline};
