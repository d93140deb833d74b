//! `agent_sip_credentials`, without the password: on the client the column holds `''` and

use super::Table;
use crate::SipAccount;
use rusqlite::Row;
use rusqlite::types::ToSql;

impl Table for SipAccount {
    const NAME: &'static str = "agent_sip_credentials";
    const ENTITY: &'static str = "SIP account";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "user_id",
        "sip_ws_url",
        "sip_username",
        "sip_domain",
        "display_name",
        "auto_register",
        "created_at",
        "updated_at",
    ];
    const WITHHELD: &'static [&'static str] = &["sip_password"];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(SipAccount {
            id: row.get(0)?,
            tenant_id: row.get(1)?,
            user_id: row.get(2)?,
            sip_ws_url: row.get(3)?,
            sip_username: row.get(4)?,
            sip_domain: row.get(5)?,
            display_name: row.get(6)?,
            auto_register: row.get(7)?,
            created_at: row.get(8)?,
            updated_at: row.get(9)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.tenant_id,
            &self.user_id,
            &self.sip_ws_url,
            &self.sip_username,
            &self.sip_domain,
            &self.display_name,
            &self.auto_register,
            &self.created_at,
            &self.updated_at,
        ]
    }
}
