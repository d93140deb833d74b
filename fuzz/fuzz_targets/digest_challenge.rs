//! `WWW-Authenticate`/`Proxy-Authenticate` values: reading them, and the policy choosing among
//! several (split on a NUL byte) for the account's realm, twice (the downgrade check).

#![no_main]

use leadline_sip::challenges::{Challenges, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let values: Vec<&str> = text.split('\0').collect();
    for value in &values {
        let _ = read(value);
    }
    let policy = Challenges::new("pbx.example");
    let first = policy.choose(&values);
    if let Ok(index) = first {
        assert!(index < values.len());
    }
    let _ = policy.choose(&values[values.len() / 2..]);
    let _ = policy.take_refusal();
});
