//! Lead search and caller lookup.
//!
//! Search matches word prefixes in name, company, email and phone, case- and accent-
//! insensitively (FTS5 `unicode61 remove_diacritics 2`: "mül" and "mul" find "Müller"), every
//! word of the query having to match. A query that is mostly digits also matches phone numbers
//! by their national or international digits, whatever punctuation they were written with.

use super::board::{LeadCard, lead_card};
use crate::error::Result;
use crate::model::{LeadId, TenantId};
use crate::phone::{self, MatchKind, Region};
use rusqlite::{Connection, params};
use serde::Serialize;

/// Fewest digits a query needs before it is also read as a phone number.
const MIN_PHONE_DIGITS: usize = 3;

/// The FTS5 query for what the agent typed: each word a quoted prefix, all required.
/// Quoting makes every FTS5 operator character in the input plain text.
fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The digits of a query that reads as a phone number, if it does.
fn phone_digits(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(char::is_ascii_digit).collect();
    let phone_like = input.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    (phone_like && digits.len() >= MIN_PHONE_DIGITS).then_some(digits)
}

/// Up to `limit` leads matching `input`: phone matches first, then the newest leads whose
/// every word matches. (Newest-first instead of bm25 rank: ranking must score every match,
/// which for a two-letter prefix over 100,000 leads costs more than the 5 ms budget.)
pub fn search_leads(conn: &Connection, tenant: TenantId, input: &str, limit: usize) -> Result<Vec<LeadCard>> {
    let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut found: Vec<LeadCard> = Vec::new();
    if let Some(digits) = phone_digits(input) {
        for id in phone::with_digits(conn, tenant, &digits, limit_sql)? {
            found.push(lead_card(conn, tenant, id)?);
        }
    }
    if let Some(query) = fts_query(input) {
        let mut stmt = conn.prepare_cached(
            "SELECT rowid FROM leads_fts WHERE leads_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
        )?;
        let ranked: Vec<LeadId> = stmt
            .query_map(params![query, limit_sql], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in ranked {
            if found.iter().any(|c| c.lead.id == id) {
                continue;
            }
            match lead_card(conn, tenant, id) {
                Ok(card) => found.push(card),
                // Another tenant's lead: not ours to show.
                Err(crate::StoreError::NotFound { .. }) => {}
                Err(other) => return Err(other),
            }
        }
    }
    found.truncate(limit);
    Ok(found)
}

/// A lead that may be the caller.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CallerMatch {
    /// The lead.
    pub lead: LeadCard,
    /// How sure the match is.
    pub matched: MatchKind,
}

/// Leads whose phone is the incoming number (screen pop), exact matches first.
pub fn caller_lookup(
    conn: &Connection,
    tenant: TenantId,
    number: &str,
    region: Region,
) -> Result<Vec<CallerMatch>> {
    let ids: Vec<(LeadId, MatchKind)> = phone::lookup(conn, tenant, number, region)?;
    ids.into_iter()
        .map(|(id, matched)| {
            Ok(CallerMatch {
                lead: lead_card(conn, tenant, id)?,
                matched,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_operators_in_input_are_plain_text() {
        assert_eq!(fts_query("Mül").as_deref(), Some("\"mül\"*"));
        assert_eq!(
            fts_query("john.doe@ex").as_deref(),
            Some("\"john\"* \"doe\"* \"ex\"*")
        );
        assert_eq!(
            fts_query("NEAR( \"x\" OR y*"),
            Some("\"near\"* \"x\"* \"or\"* \"y\"*".to_owned())
        );
        assert_eq!(fts_query("  --  "), None);
    }

    #[test]
    fn phone_like_queries() {
        assert_eq!(phone_digits("(555) 010").as_deref(), Some("555010"));
        assert_eq!(phone_digits("+44 20"), Some("4420".to_owned()));
        assert_eq!(phone_digits("55"), None);
        assert_eq!(phone_digits("acme 555"), None);
    }
}
