//! Phone numbers: normalization for caller lookup and phone search.
//!
//! A number in any common written form — `+1 (555) 010-2030`, `0044 20 7946 0958`,
//! `(555) 010-2030` read with the tenant's default region — is normalized to E.164 and its
//! national significant digits. Each lead's phone is indexed in `lead_phones` in the same
//! transaction as the lead. Lookup prefers an exact E.164 match and falls back to the trailing
//! national digits (a number written without its country code, or one that does not parse).

use crate::error::Result;
use crate::model::{Lead, LeadId, TenantId};
use crate::repo::{self, Table};
use phonenumber::country;
use rusqlite::types::ToSql;
use rusqlite::{Connection, Row, params};
use serde::{Serialize, Serializer};

/// An ISO 3166 region, used to read national-format numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(country::Id);

impl Region {
    /// The United States (the demo tenant's region).
    pub const US: Region = Region(country::Id::US);

    /// From a two-letter code such as `GB`; case-insensitive.
    pub fn parse(code: &str) -> Option<Region> {
        code.trim().to_ascii_uppercase().parse().ok().map(Region)
    }

    /// The two-letter code.
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// A number as the index and the lookup see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedPhone {
    /// `+15550102030`, when the number could be read.
    pub e164: Option<String>,
    /// `5550102030`: the national significant number, when the number could be read.
    pub national_digits: Option<String>,
    /// Every digit written, in order.
    pub digits: String,
}

impl NormalizedPhone {
    /// The digits that identify the line: national if known, else all.
    fn significant(&self) -> &str {
        self.national_digits.as_deref().unwrap_or(&self.digits)
    }
}

/// Normalizes a written number. Never fails: what cannot be read keeps its digits.
pub fn normalize(raw: &str, region: Region) -> NormalizedPhone {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let trimmed = raw.trim();
    // "00" is the international call prefix almost everywhere; read it as "+" whatever the
    // region, so "0044 …" works for a US tenant too. NANP's own prefix is "011".
    let international = if let Some(rest) = trimmed.strip_prefix("00") {
        Some(format!("+{rest}"))
    } else if region.code() == "US" || region.code() == "CA" {
        trimmed.strip_prefix("011").map(|rest| format!("+{rest}"))
    } else {
        None
    };
    let text = international.as_deref().unwrap_or(trimmed);
    let parsed = if digits.len() >= 3 {
        phonenumber::parse(Some(region.0), text).ok()
    } else {
        None
    };
    match parsed {
        Some(number) => NormalizedPhone {
            e164: Some(number.format().mode(phonenumber::Mode::E164).to_string()),
            national_digits: Some(number.national().to_string()),
            digits,
        },
        None => NormalizedPhone {
            e164: None,
            national_digits: None,
            digits,
        },
    }
}

/// A row of `lead_phones`: one lead's number as caller lookup and phone search read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadPhone {
    /// The lead.
    pub lead_id: LeadId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// E.164 form, when the number could be read.
    pub e164: Option<String>,
    /// National significant digits, when the number could be read.
    pub national_digits: Option<String>,
    /// The significant digits reversed, for trailing-digit matches.
    pub reversed_digits: String,
}

impl LeadPhone {
    /// The entry for a lead, or `None` when it has no digits to index.
    pub fn of(lead: &Lead, region: Region) -> Option<LeadPhone> {
        let n = normalize(lead.phone.as_deref()?, region);
        if n.digits.is_empty() {
            return None;
        }
        let reversed_digits = n.significant().chars().rev().collect();
        Some(LeadPhone {
            lead_id: lead.id,
            tenant_id: lead.tenant_id,
            e164: n.e164,
            national_digits: n.national_digits,
            reversed_digits,
        })
    }
}

impl Table for LeadPhone {
    const NAME: &'static str = "lead_phones";
    const ENTITY: &'static str = "lead phone";
    const KEY: &'static str = "lead_id";
    const COLUMNS: &'static [&'static str] = &[
        "lead_id",
        "tenant_id",
        "e164",
        "national_digits",
        "reversed_digits",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(LeadPhone {
            lead_id: row.get(0)?,
            tenant_id: row.get(1)?,
            e164: row.get(2)?,
            national_digits: row.get(3)?,
            reversed_digits: row.get(4)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.lead_id,
            &self.tenant_id,
            &self.e164,
            &self.national_digits,
            &self.reversed_digits,
        ]
    }
}

/// Writes (or clears) the leads' entries in `lead_phones`, in the caller's transaction.
pub fn index_leads(conn: &Connection, leads: &[Lead], region: Region) -> Result<()> {
    let mut entries = Vec::with_capacity(leads.len());
    for lead in leads {
        match LeadPhone::of(lead, region) {
            Some(entry) => entries.push(entry),
            None => {
                repo::delete::<LeadPhone>(conn, lead.id.0)?;
            }
        }
    }
    Ok(repo::upsert_all(conn, &entries)?)
}

/// Writes (or clears) one lead's entry in `lead_phones`.
pub fn index_lead(conn: &Connection, lead: &Lead, region: Region) -> Result<()> {
    index_leads(conn, std::slice::from_ref(lead), region)
}

/// How a lead matched an incoming number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Same E.164 number.
    Exact,
    /// Same trailing national digits (at least [`MIN_SUFFIX`]).
    Suffix,
}

/// Fewest trailing digits that count as a match when the full number does not.
pub const MIN_SUFFIX: usize = 7;
/// Trailing digits compared by the fallback.
const SUFFIX_LEN: usize = 10;
/// Most matches returned (a screen pop shows a short list).
const MAX_MATCHES: i64 = 10;

/// Leads whose phone is the caller's number, best matches first.
pub fn lookup(
    conn: &Connection,
    tenant: TenantId,
    raw: &str,
    region: Region,
) -> Result<Vec<(LeadId, MatchKind)>> {
    let incoming = normalize(raw, region);
    if let Some(e164) = &incoming.e164 {
        let mut stmt = conn.prepare_cached(
            "SELECT lead_id FROM lead_phones WHERE tenant_id = ?1 AND e164 = ?2 ORDER BY lead_id LIMIT ?3",
        )?;
        let exact: Vec<LeadId> = stmt
            .query_map(params![tenant, e164, MAX_MATCHES], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !exact.is_empty() {
            return Ok(exact.into_iter().map(|id| (id, MatchKind::Exact)).collect());
        }
    }
    let significant = incoming.significant();
    if significant.len() < MIN_SUFFIX {
        return Ok(Vec::new());
    }
    let reversed: String = significant.chars().rev().take(SUFFIX_LEN).collect();
    let (low, high) = prefix_range(&reversed);
    let mut stmt = conn.prepare_cached(
        "SELECT lead_id FROM lead_phones WHERE tenant_id = ?1 AND reversed_digits >= ?2 AND reversed_digits < ?3 \
         ORDER BY lead_id LIMIT ?4",
    )?;
    let suffix = stmt
        .query_map(params![tenant, low, high, MAX_MATCHES], |row| row.get(0))?
        .map(|id| id.map(|id| (id, MatchKind::Suffix)))
        .collect::<rusqlite::Result<_>>()?;
    Ok(suffix)
}

/// Leads whose national or international number starts with `digits`, or whose number ends
/// with them (phone search: agents type the start of a number or its last digits). Each
/// range is read on its own index with its own limit, so a short common prefix stays cheap.
pub fn with_digits(conn: &Connection, tenant: TenantId, digits: &str, limit: i64) -> Result<Vec<LeadId>> {
    let reversed: String = digits.chars().rev().collect();
    let ranges = [
        ("national_digits", prefix_range(digits)),
        ("e164", prefix_range(&format!("+{digits}"))),
        ("reversed_digits", prefix_range(&reversed)),
    ];
    let mut ids: Vec<LeadId> = Vec::new();
    for (column, (low, high)) in ranges {
        let sql = format!(
            "SELECT lead_id FROM lead_phones WHERE tenant_id = ?1 AND {column} >= ?2 AND {column} < ?3 LIMIT ?4"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        for id in stmt.query_map(params![tenant, low, high, limit], |row| row.get(0))? {
            let id = id?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.len() as i64 >= limit {
            break;
        }
    }
    ids.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(ids)
}

/// `[prefix, prefix + 1)` in text order, for an index range scan over ASCII digits.
fn prefix_range(prefix: &str) -> (String, String) {
    (prefix.to_owned(), format!("{prefix}\u{7f}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(raw: &str, region: &str) -> Option<String> {
        normalize(raw, Region::parse(region).unwrap_or(Region::US)).e164
    }

    #[test]
    fn common_written_forms_normalize_to_e164() {
        assert_eq!(e164("+1 (555) 010-2030", "US").as_deref(), Some("+15550102030"));
        assert_eq!(e164("(555) 010-2030", "US").as_deref(), Some("+15550102030"));
        assert_eq!(e164("555.010.2030", "US").as_deref(), Some("+15550102030"));
        assert_eq!(e164("0044 20 7946 0958", "US").as_deref(), Some("+442079460958"));
        assert_eq!(
            e164("011 44 20 7946 0958", "US").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(e164("020 7946 0958", "GB").as_deref(), Some("+442079460958"));
        assert_eq!(e164("+49 30 901820", "US").as_deref(), Some("+4930901820"));
        assert_eq!(e164("030 901820", "DE").as_deref(), Some("+4930901820"));
    }

    #[test]
    fn garbage_keeps_its_digits_and_never_panics() {
        for raw in [
            "",
            "abc",
            "++++",
            "12",
            "☎️ call me",
            "+999 999",
            "0",
            "00",
            "011",
        ] {
            let n = normalize(raw, Region::US);
            assert_eq!(
                n.digits,
                raw.chars().filter(char::is_ascii_digit).collect::<String>()
            );
        }
        assert!(normalize("12", Region::US).e164.is_none());
    }

    #[test]
    fn regions_parse_case_insensitively() {
        assert_eq!(Region::parse("gb").as_ref().map(Region::code), Some("GB"));
        assert!(Region::parse("XX").is_none());
        assert!(Region::parse("").is_none());
    }
}
