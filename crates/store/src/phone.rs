//! Phone numbers: normalization for caller lookup and phone search.
//!
//! A number in any common written form — `+1 (555) 010-2030`, `0044 20 7946 0958`,
//! `(555) 010-2030` read with the tenant's default region — is normalized to E.164 and its
//! national significant digits. Each lead's phone is indexed in `lead_phones` in the same
//! transaction as the lead. Lookup prefers an exact E.164 match and falls back to the trailing
//! national digits (a number written without its country code, or one that does not parse).

use crate::error::Result;
use crate::model::{Lead, LeadId, TenantId};
use phonenumber::country;
use rusqlite::{Connection, params};
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

/// Writes (or clears) the lead's entry in `lead_phones`.
pub fn index_lead(conn: &Connection, lead: &Lead, region: Region) -> Result<()> {
    let normalized = lead.phone.as_deref().map(|p| normalize(p, region));
    match normalized {
        Some(n) if !n.digits.is_empty() => {
            let reversed: String = n.significant().chars().rev().collect();
            conn.prepare_cached(
                "INSERT INTO lead_phones (lead_id, tenant_id, e164, national_digits, reversed_digits) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (lead_id) DO UPDATE SET tenant_id = excluded.tenant_id, e164 = excluded.e164, \
                 national_digits = excluded.national_digits, reversed_digits = excluded.reversed_digits \
                 WHERE lead_phones.e164 IS NOT excluded.e164 OR lead_phones.reversed_digits IS NOT excluded.reversed_digits",
            )?
            .execute(params![
                lead.id,
                lead.tenant_id,
                n.e164,
                n.national_digits,
                reversed
            ])?;
        }
        _ => {
            conn.prepare_cached("DELETE FROM lead_phones WHERE lead_id = ?1")?
                .execute([lead.id])?;
        }
    }
    Ok(())
}

/// How a lead matched an incoming number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
