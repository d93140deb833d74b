//! RTP's wrapping counters (16-bit sequence numbers, 32-bit timestamps) made monotonic: each new
//! value is placed in the wrap cycle that brings it nearest the value it follows.

/// `value`, a counter of `bits` bits, extended to 64 bits nearest `near` (an extended value).
pub(crate) fn extend(value: u64, bits: u32, near: u64) -> u64 {
    let span = 1u64 << bits;
    let cycle = near & !(span - 1);
    [cycle.wrapping_sub(span), cycle, cycle + span]
        .into_iter()
        .map(|c| c.wrapping_add(value))
        .min_by_key(|c| c.abs_diff(near))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::extend;

    #[test]
    fn values_land_in_the_nearest_cycle() {
        let near = (3 << 16) + 65_530;
        assert_eq!(extend(65_535, 16, near), (3 << 16) + 65_535);
        assert_eq!(extend(4, 16, near), (4 << 16) + 4, "across the wrap, forward");
        assert_eq!(
            extend(65_500, 16, (4 << 16) + 2),
            (3 << 16) + 65_500,
            "a late one, back"
        );
        assert_eq!(extend(7, 32, (1 << 32) + 5), (1 << 32) + 7);
    }
}
