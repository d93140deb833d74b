//! `leads`, kept in step with the caller-lookup index (`lead_phones`).

use super::Table;
use crate::Lead;
use rusqlite::Row;
use rusqlite::types::ToSql;

impl Table for Lead {
    const NAME: &'static str = "leads";
    const ENTITY: &'static str = "lead";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "lead_status_id",
        "assigned_to_user_id",
        "created_by_user_id",
        "name",
        "company_name",
        "email",
        "phone",
        "source",
        "score",
        "estimated_value",
        "last_contacted_at",
        "next_followup_at",
        "created_at",
        "updated_at",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Lead {
            id: row.get(0)?,
            tenant_id: row.get(1)?,
            lead_status_id: row.get(2)?,
            assigned_to_user_id: row.get(3)?,
            created_by_user_id: row.get(4)?,
            name: row.get(5)?,
            company_name: row.get(6)?,
            email: row.get(7)?,
            phone: row.get(8)?,
            source: row.get(9)?,
            score: row.get(10)?,
            estimated_value: row.get(11)?,
            last_contacted_at: row.get(12)?,
            next_followup_at: row.get(13)?,
            created_at: row.get(14)?,
            updated_at: row.get(15)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.tenant_id,
            &self.lead_status_id,
            &self.assigned_to_user_id,
            &self.created_by_user_id,
            &self.name,
            &self.company_name,
            &self.email,
            &self.phone,
            &self.source,
            &self.score,
            &self.estimated_value,
            &self.last_contacted_at,
            &self.next_followup_at,
            &self.created_at,
            &self.updated_at,
        ]
    }
}
