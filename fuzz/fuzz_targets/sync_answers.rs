//! What the tenant server answers the client: a page of changes (applied to a real store,
//! which refuses a row that does not read as its table's schema, all or nothing), push
//! results, a sign-in answer, an error body.

#![no_main]

use leadline_api::{ChangesPage, ErrorBody, LoginResponse, PushResponse};
use leadline_store::Store;
use leadline_store::phone::Region;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<LoginResponse>(data);
    let _ = serde_json::from_slice::<ErrorBody>(data);
    let region = Region::parse("US").expect("a region");
    if let Ok(push) = serde_json::from_slice::<PushResponse>(data)
        && let Ok(mut store) = Store::open_in_memory()
    {
        let _ = store.apply_push_results(&push.results, region);
    }
    if let Ok(page) = serde_json::from_slice::<ChangesPage>(data)
        && let Ok(mut store) = Store::open_in_memory()
    {
        let _ = store.apply_page(&page, region);
    }
});
