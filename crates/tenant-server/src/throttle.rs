//! Sign-in throttling, a pure state machine on explicit time: failed sign-ins are counted per
//! account (the email) and per address over a window; past the limit the account or address
//! is locked out for a while, and every attempt meanwhile is answered "wait" before any
//! password is checked. A success clears the account's count. Memory is bounded: expired
//! entries are dropped, and past [`MAX_TRACKED`] entries the oldest windows go first.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Failed sign-ins an account may have in [`WINDOW`] before it is locked.
pub const ACCOUNT_FAILURES: u32 = 5;
/// Failed sign-ins one address may have in [`WINDOW`] (over any accounts) before it is locked.
pub const ADDRESS_FAILURES: u32 = 30;
/// How far back failures count.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Most accounts or addresses remembered at once.
pub const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

impl Failures {
    fn wait(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    fn expired(&self, now: Instant) -> bool {
        self.wait(now).is_none() && now.duration_since(self.since) >= WINDOW
    }
}

/// Failures by key, with its own limit.
#[derive(Debug)]
struct Counter<K> {
    limit: u32,
    entries: HashMap<K, Failures>,
}

impl<K: Hash + Eq + Clone> Counter<K> {
    fn new(limit: u32) -> Counter<K> {
        Counter {
            limit,
            entries: HashMap::new(),
        }
    }

    fn wait<Q: Hash + Eq + ?Sized>(&self, key: &Q, now: Instant) -> Option<Duration>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key).and_then(|f| f.wait(now))
    }

    fn fail(&mut self, key: &K, now: Instant) {
        if self.entries.len() >= MAX_TRACKED {
            self.make_room(now);
        }
        let entry = self.entries.entry(key.clone()).or_insert(Failures {
            count: 0,
            since: now,
            locked_until: None,
        });
        if entry.expired(now) {
            *entry = Failures {
                count: 0,
                since: now,
                locked_until: None,
            };
        }
        entry.count += 1;
        if entry.count >= self.limit {
            entry.locked_until = Some(now + LOCKOUT);
            entry.count = 0;
            entry.since = now + LOCKOUT;
        }
    }

    /// Drops expired entries, then (if still full) the oldest tenth of the unlocked ones, so
    /// a flood costs one sweep per many attempts.
    fn make_room(&mut self, now: Instant) {
        self.entries.retain(|_, f| !f.expired(now));
        if self.entries.len() < MAX_TRACKED {
            return;
        }
        let mut unlocked: Vec<(Instant, K)> = self
            .entries
            .iter()
            .filter(|(_, f)| f.wait(now).is_none())
            .map(|(k, f)| (f.since, k.clone()))
            .collect();
        let drop = (MAX_TRACKED / 10).min(unlocked.len());
        if drop > 0 {
            unlocked.select_nth_unstable_by_key(drop - 1, |(since, _)| *since);
            for (_, key) in unlocked.drain(..drop) {
                self.entries.remove(&key);
            }
        }
    }

    fn clear<Q: Hash + Eq + ?Sized>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
    {
        self.entries.remove(key);
    }
}

/// Failed sign-ins per account and per address.
#[derive(Debug)]
pub struct LoginThrottle {
    accounts: Counter<String>,
    addresses: Counter<IpAddr>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            accounts: Counter::new(ACCOUNT_FAILURES),
            addresses: Counter::new(ADDRESS_FAILURES),
        }
    }
}

impl LoginThrottle {
    /// How long this attempt must wait, if the account or the address is locked out.
    pub fn wait(&self, account: &str, address: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let by_address = address.and_then(|a| self.addresses.wait(&a, now));
        self.accounts.wait(account, now).max(by_address)
    }

    /// Counts a failed sign-in.
    pub fn failed(&mut self, account: &str, address: Option<IpAddr>, now: Instant) {
        self.accounts.fail(&account.to_owned(), now);
        if let Some(address) = address {
            self.addresses.fail(&address, now);
        }
    }

    /// A sign-in succeeded: the account's failures are forgotten (the address's stay).
    pub fn succeeded(&mut self, account: &str) {
        self.accounts.clear(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn an_account_is_locked_after_its_failures_and_unlocked_after_the_lockout() {
        let t0 = Instant::now();
        let mut throttle = LoginThrottle::default();
        for n in 0..ACCOUNT_FAILURES {
            assert_eq!(throttle.wait("ana@x", ip(n as u8), t0), None, "attempt {n}");
            throttle.failed("ana@x", ip(n as u8), t0 + Duration::from_secs(n.into()));
        }
        let now = t0 + Duration::from_secs(10);
        let wait = throttle.wait("ana@x", ip(99), now).unwrap();
        assert!(
            wait > LOCKOUT - Duration::from_secs(20) && wait <= LOCKOUT,
            "{wait:?}"
        );
        assert_eq!(
            throttle.wait("bob@x", ip(99), now),
            None,
            "other accounts are not locked"
        );
        let later = t0 + LOCKOUT + Duration::from_secs(5);
        assert_eq!(throttle.wait("ana@x", ip(1), later), None, "the lockout ends");
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up_and_a_success_clears_them() {
        let t0 = Instant::now();
        let mut throttle = LoginThrottle::default();
        for n in 0..ACCOUNT_FAILURES - 1 {
            throttle.failed("ana@x", None, t0 + Duration::from_secs(n.into()));
        }
        // One more, but after the window: a fresh count.
        throttle.failed("ana@x", None, t0 + WINDOW + Duration::from_secs(10));
        assert_eq!(
            throttle.wait("ana@x", None, t0 + WINDOW + Duration::from_secs(11)),
            None
        );
        for _ in 0..ACCOUNT_FAILURES - 1 {
            throttle.failed("bob@x", None, t0);
        }
        throttle.succeeded("bob@x");
        throttle.failed("bob@x", None, t0);
        assert_eq!(
            throttle.wait("bob@x", None, t0),
            None,
            "a success starts the count over"
        );
    }

    #[test]
    fn one_address_trying_many_accounts_is_locked() {
        let t0 = Instant::now();
        let mut throttle = LoginThrottle::default();
        for n in 0..ADDRESS_FAILURES {
            throttle.failed(&format!("user{n}@x"), ip(7), t0);
        }
        assert!(
            throttle.wait("someone@x", ip(7), t0).is_some(),
            "the address is locked"
        );
        assert_eq!(
            throttle.wait("someone@x", ip(8), t0),
            None,
            "other addresses are not"
        );
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_accounts() {
        let t0 = Instant::now();
        let mut throttle = LoginThrottle::default();
        for n in 0..MAX_TRACKED + 500 {
            throttle.failed(&format!("flood{n}@x"), None, t0 + Duration::from_millis(n as u64));
        }
        assert!(throttle.accounts.entries.len() <= MAX_TRACKED);
        let last = format!("flood{}@x", MAX_TRACKED + 499);
        assert!(
            throttle.accounts.entries.contains_key(&last),
            "the newest are kept"
        );
    }
}
