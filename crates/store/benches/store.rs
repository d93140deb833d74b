//! Store benchmarks at call-center scale: 100,000 leads and about 1,000,000 activities in a
//! WAL file, as the app holds them. Prints latency percentiles per operation and the bulk
//! upsert rate, as a Markdown table for `docs/benchmarks.md`.
//!
//! Run: `cargo bench -p leadline-store --bench store` (LEADLINE_BENCH_LEADS overrides the size).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

use leadline_store::demo::{self, DemoSize};
use leadline_store::model::{Lead, LeadId};
use leadline_store::phone::Region;
use leadline_store::queries;
use leadline_store::repo;
use leadline_store::{Store, Timestamp};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

struct Figures {
    name: &'static str,
    samples: Vec<Duration>,
    target: &'static str,
}

impl Figures {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index].as_secs_f64() * 1000.0
    }

    fn row(&self) -> String {
        format!(
            "| {} | {} | {:.3} | {:.3} | {:.3} | {} |",
            self.name,
            self.samples.len(),
            self.percentile(0.5),
            self.percentile(0.99),
            self.percentile(1.0),
            self.target
        )
    }
}

fn measure(name: &'static str, target: &'static str, runs: usize, mut op: impl FnMut(usize)) -> Figures {
    for i in 0..runs.min(20) {
        op(i); // warm the page cache and statement cache
    }
    let samples = (0..runs)
        .map(|i| {
            let start = Instant::now();
            op(i);
            start.elapsed()
        })
        .collect();
    Figures {
        name,
        samples,
        target,
    }
}

fn main() {
    let leads: usize = std::env::var("LEADLINE_BENCH_LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("bench.sqlite3")).unwrap();
    let now = Timestamp::parse("2026-03-10 15:00:00").unwrap();
    let size = DemoSize {
        leads,
        activities_per_lead: 10,
        called_percent: 60,
    };
    let started = Instant::now();
    let tenant = demo::seed(store.conn_mut(), "Bench Co", "bench", size, 42, now).unwrap();
    let seeded = started.elapsed();
    let conn = store.conn();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let (n_leads, n_activities, n_calls) = (
        count("SELECT count(*) FROM leads"),
        count("SELECT count(*) FROM lead_activities"),
        count("SELECT count(*) FROM calls"),
    );
    let t = tenant.tenant_id;
    let all: Vec<Lead> = repo::list_for_tenant(conn, t).unwrap();
    let mut rng = SmallRng::seed_from_u64(1);

    // Search: what agents type — name and company prefixes (accents either way), emails,
    // leading digits and last four digits of phones.
    let mut searches: Vec<String> = vec![
        "mül".into(),
        "muller".into(),
        "jo".into(),
        "acme".into(),
        "zoë".into(),
        "o'b".into(),
    ];
    for lead in all.choose_multiple(&mut rng, 400) {
        let first = lead.name.split(' ').next().unwrap_or("a");
        searches.push(first.chars().take(3).collect());
        searches.push(lead.name.clone());
        if let Some(company) = &lead.company_name {
            searches.push(company.chars().take(5).collect());
        }
        if let Some(email) = &lead.email {
            searches.push(email.chars().take(8).collect());
        }
        if let Some(phone) = &lead.phone {
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            searches.push(
                digits
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<String>()
                    .chars()
                    .rev()
                    .collect(),
            );
            searches.push(phone.chars().take(9).collect());
        }
    }
    let search = measure("Lead search (50 best)", "p99 < 5 ms", 5_000, |i| {
        let q = &searches[i % searches.len()];
        std::hint::black_box(queries::search_leads(conn, t, q, 50).unwrap());
    });

    // Caller lookup: lead numbers in other written forms, and unknown numbers.
    let mut numbers: Vec<String> = Vec::new();
    for lead in all
        .iter()
        .filter(|l| l.phone.is_some())
        .collect::<Vec<_>>()
        .choose_multiple(&mut rng, 1_000)
    {
        let digits: String = lead
            .phone
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        numbers.push(format!("+{digits}"));
        numbers.push(format!("00{digits}"));
        numbers.push(lead.phone.clone().unwrap_or_default());
    }
    for _ in 0..1_000 {
        numbers.push(format!(
            "+1 646 {:03} {:04}",
            rng.random_range(200..1000),
            rng.random_range(0..10_000)
        ));
    }
    let lookup = measure("Caller lookup (any format)", "p99 < 5 ms", 5_000, |i| {
        let n = &numbers[i % numbers.len()];
        std::hint::black_box(queries::caller_lookup(conn, t, n, Region::US).unwrap());
    });

    let board = measure(
        "Kanban board (8 columns x 50 cards + totals)",
        "< 20 ms",
        300,
        |_| {
            std::hint::black_box(queries::board(conn, t, 50).unwrap());
        },
    );
    let first_board = queries::board(conn, t, 50).unwrap();
    let busiest = first_board.columns.iter().max_by_key(|c| c.total).unwrap();
    let (_, mut cursor) = queries::board_column(conn, t, busiest.status.id, None, 50).unwrap();
    let column = measure("Kanban column, next page of 50", "< 20 ms", 300, |_| {
        let (cards, next) = queries::board_column(conn, t, busiest.status.id, cursor, 50).unwrap();
        std::hint::black_box(cards);
        cursor = next.or(cursor);
    });

    let ids: Vec<LeadId> = all.iter().map(|l| l.id).collect();
    let timeline = measure("Lead timeline (50 newest)", "-", 5_000, |_| {
        let lead = *ids.choose(&mut SmallRng::seed_from_u64(rng.random())).unwrap();
        std::hint::black_box(queries::timeline(conn, t, lead, 50).unwrap());
    });
    let followups = measure("My upcoming follow-ups (100)", "-", 300, |_| {
        std::hint::black_box(queries::upcoming_followups(conn, t, tenant.agent_id, now, 100).unwrap());
    });
    let today = measure("Today's calls", "-", 300, |_| {
        std::hint::black_box(queries::calls_today(conn, t, "America/New_York", now).unwrap());
    });
    let stats = measure("Tenant statistics", "-", 100, |_| {
        std::hint::black_box(queries::tenant_stats(conn, t, now).unwrap());
    });

    // Bulk upsert of pulled pages: 1,000 leads a page, each page one transaction. Half the
    // rows are new leads; half are changes to existing ones as a pull brings them (a new
    // status and updated_at; one in seven also renamed, which re-indexes it for search).
    let pages = 40;
    let mut next_id = all.iter().map(|l| l.id.0).max().unwrap_or(0) + 1;
    let mut batches: Vec<Vec<Lead>> = Vec::new();
    for page in 0..pages {
        let mut batch = Vec::new();
        for (i, lead) in all.iter().skip(page * 500).take(500).enumerate() {
            let mut changed = lead.clone();
            if i % 7 == 0 {
                changed.name = format!("{} Jr", lead.name);
            }
            changed.lead_status_id = first_board.columns[i % 3].status.id;
            changed.next_followup_at = Some(now);
            changed.updated_at = Some(now);
            batch.push(changed);
            let mut new = lead.clone();
            new.id = LeadId(next_id);
            next_id += 1;
            batch.push(new);
        }
        batches.push(batch);
    }
    let upserted: usize = batches.iter().map(Vec::len).sum();
    let start = Instant::now();
    for batch in &batches {
        let tx = store.conn_mut().transaction().unwrap();
        repo::upsert_leads(&tx, batch, Region::US).unwrap();
        tx.commit().unwrap();
    }
    let upsert_elapsed = start.elapsed();
    let rate = upserted as f64 / upsert_elapsed.as_secs_f64();

    // Initial pull: every lead of a tenant into an empty profile, pages of 1,000.
    let fresh_dir = tempfile::tempdir().unwrap();
    let mut fresh = Store::open(&fresh_dir.path().join("fresh.sqlite3")).unwrap();
    // The same seed with no leads gives the same tenant, users and statuses (same ids).
    let reference = DemoSize { leads: 0, ..size };
    demo::seed(fresh.conn_mut(), "Bench Co", "bench", reference, 42, now).unwrap();
    let start = Instant::now();
    for page in all.chunks(1_000) {
        let tx = fresh.conn_mut().transaction().unwrap();
        repo::upsert_leads(&tx, page, Region::US).unwrap();
        tx.commit().unwrap();
    }
    let initial_rate = all.len() as f64 / start.elapsed().as_secs_f64();

    println!(
        "Data: {n_leads} leads, {n_activities} activities, {n_calls} calls (seeded in {:.1} s)",
        seeded.as_secs_f64()
    );
    println!();
    println!("| operation | runs | p50 ms | p99 ms | max ms | target |");
    println!("|---|---|---|---|---|---|");
    for figures in [search, lookup, board, column, timeline, followups, today, stats] {
        println!("{}", figures.row());
    }
    println!();
    println!("| bulk upsert | leads | rate | target |");
    println!("|---|---|---|---|");
    println!(
        "| initial pull into an empty profile, pages of 1,000 | {} | {:.0} leads/s | > 20,000 leads/s |",
        all.len(),
        initial_rate
    );
    println!(
        "| pulled pages of 1,000 into the full profile (half new, half changed) | {upserted} | {:.0} leads/s | > 20,000 leads/s |",
        rate
    );
}
