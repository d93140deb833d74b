//! `calls`.

use super::Table;
use crate::Call;
use rusqlite::Row;
use rusqlite::types::ToSql;

impl Table for Call {
    const NAME: &'static str = "calls";
    const ENTITY: &'static str = "call";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "user_id",
        "related_type",
        "related_id",
        "direction",
        "from_number",
        "to_number",
        "started_at",
        "ended_at",
        "duration_seconds",
        "pbx_call_id",
        "recording_url",
        "disposition_id",
        "wrapup_notes",
        "created_at",
        "updated_at",
        "quality",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Call {
            id: row.get(0)?,
            tenant_id: row.get(1)?,
            user_id: row.get(2)?,
            related_type: row.get(3)?,
            related_id: row.get(4)?,
            direction: row.get(5)?,
            from_number: row.get(6)?,
            to_number: row.get(7)?,
            started_at: row.get(8)?,
            ended_at: row.get(9)?,
            duration_seconds: row.get(10)?,
            pbx_call_id: row.get(11)?,
            recording_url: row.get(12)?,
            disposition_id: row.get(13)?,
            wrapup_notes: row.get(14)?,
            created_at: row.get(15)?,
            updated_at: row.get(16)?,
            quality: row.get(17)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.tenant_id,
            &self.user_id,
            &self.related_type,
            &self.related_id,
            &self.direction,
            &self.from_number,
            &self.to_number,
            &self.started_at,
            &self.ended_at,
            &self.duration_seconds,
            &self.pbx_call_id,
            &self.recording_url,
            &self.disposition_id,
            &self.wrapup_notes,
            &self.created_at,
            &self.updated_at,
            &self.quality,
        ]
    }
}
