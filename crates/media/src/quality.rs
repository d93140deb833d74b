//! Call quality as an agent's supervisor reads it: what arrived of the far side's stream
//! (packets expected and lost from the sequence numbers, interarrival jitter per RFC 3550
//! §6.4.1, bitrate), what the playout did (concealed frames, jitter-buffer delay), and an
//! estimated MOS from the ITU-T G.107 E-model. [`ReceiveStats`] is a pure state machine on
//! explicit time fed by the receive path; [`mos`] is a pure function.

use crate::sdp::Codec;
use crate::wrap::extend;
use serde::Serialize;
use std::time::Instant;

/// What arrived of one RTP stream.
#[derive(Debug, Clone, Default)]
pub struct ReceiveStats {
    first_seq: Option<u64>,
    highest_seq: u64,
    received: u64,
    bytes: u64,
    jitter_ticks: f64,
    last: Option<(Instant, u32)>,
    clock_rate: u32,
}

impl ReceiveStats {
    /// Statistics of a stream whose RTP clock runs at `clock_rate`.
    pub fn new(clock_rate: u32) -> ReceiveStats {
        ReceiveStats {
            clock_rate: clock_rate.max(1),
            ..ReceiveStats::default()
        }
    }

    /// A packet (`seq`, RTP `timestamp`, `bytes` of payload) arrived at `now`.
    pub fn on_packet(&mut self, now: Instant, seq: u16, timestamp: u32, bytes: usize) {
        match self.first_seq {
            None => {
                let extended = u64::from(seq) + (1 << 16);
                self.first_seq = Some(extended);
                self.highest_seq = extended;
            }
            Some(_) => {
                let extended = extend(u64::from(seq), 16, self.highest_seq);
                self.highest_seq = self.highest_seq.max(extended);
            }
        }
        self.received += 1;
        self.bytes += bytes as u64;
        if let Some((at, ts)) = self.last {
            // D = (Rj - Ri) - (Sj - Si), in RTP ticks; J += (|D| - J) / 16.
            let arrival = now.saturating_duration_since(at).as_secs_f64() * f64::from(self.clock_rate);
            let sent = f64::from(timestamp.wrapping_sub(ts) as i32);
            let d = arrival - sent;
            self.jitter_ticks += (d.abs() - self.jitter_ticks) / 16.0;
        }
        self.last = Some((now, timestamp));
    }

    /// Packets expected from the first to the highest sequence number.
    pub fn expected(&self) -> u64 {
        self.first_seq.map_or(0, |first| self.highest_seq - first + 1)
    }

    /// Packets that never arrived (duplicates can make this look smaller).
    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.received)
    }

    /// Packets received.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Payload bytes received.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Interarrival jitter in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        self.jitter_ticks * 1e3 / f64::from(self.clock_rate)
    }

    /// Lost packets as a share of those expected, in percent.
    pub fn loss_percent(&self) -> f64 {
        match self.expected() {
            0 => 0.0,
            expected => self.lost() as f64 * 100.0 / expected as f64,
        }
    }
}

/// A call's quality figures at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Quality {
    /// The codec in use.
    pub codec: Option<Codec>,
    /// Received payload bitrate since the last report, in kbit/s.
    pub bitrate_kbps: f64,
    /// Interarrival jitter (RFC 3550), in milliseconds.
    pub jitter_ms: f64,
    /// Packets lost, in percent of those expected.
    pub loss_percent: f64,
    /// Round-trip time from the far side's RTCP receiver reports, in milliseconds (`None`:
    /// none came yet).
    pub rtt_ms: Option<f64>,
    /// The jitter buffer's delay, in milliseconds (0 when files play the call).
    pub buffer_ms: f64,
    /// Frames concealed (lost or late).
    pub concealed: u64,
    /// Estimated mean opinion score, 1 (bad) to 4.5 (excellent).
    pub mos: f64,
}

/// The E-model's equipment impairment (Ie) and packet-loss robustness (Bpl) of a codec: G.711
/// with packet loss concealment from ITU-T G.113 Appendix I; for Opus (which G.113 does not
/// list) an estimate for wideband voice with in-band FEC, more robust to loss than G.711.
fn impairment(codec: Option<Codec>) -> (f64, f64) {
    match codec {
        Some(Codec::Pcmu | Codec::Pcma) | None => (0.0, 25.1),
        Some(Codec::Opus) => (6.0, 50.0),
    }
}

/// The estimated MOS of a call with `codec`, a one-way mouth-to-ear delay of `delay_ms` and
/// `loss_percent` random packet loss (ITU-T G.107: R = 93.2 − Id − Ie,eff; MOS from R).
pub fn mos(codec: Option<Codec>, delay_ms: f64, loss_percent: f64) -> f64 {
    let d = delay_ms.max(0.0);
    let id = 0.024 * d + if d > 177.3 { 0.11 * (d - 177.3) } else { 0.0 };
    let (ie, bpl) = impairment(codec);
    let ppl = loss_percent.clamp(0.0, 100.0);
    let ie_eff = ie + (95.0 - ie) * ppl / (ppl + bpl);
    let r = 93.2 - id - ie_eff;
    let score = if r <= 0.0 {
        1.0
    } else if r >= 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)
    };
    (score * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_clean_stream_has_no_loss_and_no_jitter_and_gaps_count_as_lost() {
        let t0 = Instant::now();
        let mut stats = ReceiveStats::new(8_000);
        for k in 0..100u16 {
            if k % 10 == 3 {
                continue; // lost
            }
            let at = t0 + Duration::from_millis(u64::from(k) * 20);
            stats.on_packet(at, 65_500u16.wrapping_add(k), u32::from(k) * 160, 160);
        }
        assert_eq!(stats.expected(), 100, "across the 16-bit wrap");
        assert_eq!(stats.lost(), 10);
        assert!((stats.loss_percent() - 10.0).abs() < 1e-9);
        assert!(stats.jitter_ms() < 0.01, "{}", stats.jitter_ms());
        assert_eq!(stats.bytes(), 90 * 160);
    }

    #[test]
    fn arrival_jitter_reads_as_rfc_3550_jitter() {
        let t0 = Instant::now();
        let mut stats = ReceiveStats::new(8_000);
        // Alternately on time and 10 ms late: |D| is 10 ms each time, J converges to 10 ms.
        for k in 0..400u64 {
            let late = if k % 2 == 1 { 10 } else { 0 };
            let at = t0 + Duration::from_millis(k * 20 + late);
            stats.on_packet(at, k as u16, (k * 160) as u32, 160);
        }
        assert!((stats.jitter_ms() - 10.0).abs() < 0.5, "{}", stats.jitter_ms());
    }

    #[test]
    fn the_e_model_scores_as_g107_says() {
        // G.711, short delay, no loss: R = 93.2 − 0.024 d; MOS about 4.4.
        let clean = mos(Some(Codec::Pcmu), 40.0, 0.0);
        assert!((4.35..=4.45).contains(&clean), "{clean}");
        // Loss and delay lower it, monotonically.
        let lossy = mos(Some(Codec::Pcmu), 40.0, 5.0);
        let late = mos(Some(Codec::Pcmu), 300.0, 0.0);
        assert!(lossy < clean && late < clean, "{lossy} {late}");
        assert!(mos(Some(Codec::Pcmu), 40.0, 20.0) < lossy);
        // Opus is more robust to the same loss than G.711.
        assert!(mos(Some(Codec::Opus), 40.0, 10.0) > mos(Some(Codec::Pcmu), 40.0, 10.0));
        assert_eq!(mos(None, 5_000.0, 100.0), 1.0);
    }
}
