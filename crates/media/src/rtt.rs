//! The round-trip time from RTCP (RFC 3550 §6.4.1), measured by an interceptor in the media
//! connection's chain. Going out, it notes when each of our sender reports left, by the
//! report's compact NTP time (the middle 32 bits, what the far side echoes as LSR). Coming in,
//! a reception report about our stream (in the far side's RR or SR) names that LSR and how
//! long the far side held it (DLSR): the round trip is the arrival instant less the departure
//! instant less DLSR. Both instants are our monotonic clock, so no wall clock is involved.
//! It only observes: every packet passes on unchanged.

use rtc::interceptor::{Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::reception_report::ReceptionReport;
use rtc::rtcp::sender_report::SenderReport;
use rtc::sansio::Protocol;
use rtc::shared::error::Error;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Sender reports remembered (one a second: the last half minute).
const REMEMBERED: usize = 32;

/// The latest round-trip time, shared between the interceptor and the call.
#[derive(Debug, Clone)]
pub struct RttReading(Arc<AtomicU64>);

impl Default for RttReading {
    fn default() -> Self {
        RttReading(Arc::new(AtomicU64::new(f64::NAN.to_bits())))
    }
}

impl RttReading {
    /// The latest round trip, in milliseconds (`None`: none measured yet).
    pub fn millis(&self) -> Option<f64> {
        let ms = f64::from_bits(self.0.load(Ordering::Relaxed));
        (!ms.is_nan()).then_some(ms)
    }

    fn set(&self, rtt: Duration) {
        self.0
            .store((rtt.as_secs_f64() * 1e3).to_bits(), Ordering::Relaxed);
    }
}

/// The interceptor: notes our sender reports going out, reads reception reports coming in.
pub struct RttMeter {
    reading: RttReading,
    /// (compact NTP time, when it left) of our latest sender reports.
    sent: VecDeque<(u32, Instant)>,
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

impl RttMeter {
    /// A meter that reports into `reading`.
    pub fn new(reading: RttReading) -> RttMeter {
        RttMeter {
            reading,
            sent: VecDeque::with_capacity(REMEMBERED),
            read_queue: VecDeque::new(),
            write_queue: VecDeque::new(),
        }
    }

    /// Our sender report with NTP time `ntp` left at `now`.
    pub fn on_sent(&mut self, ntp: u64, now: Instant) {
        if self.sent.len() == REMEMBERED {
            self.sent.pop_front();
        }
        self.sent.push_back((compact(ntp), now));
    }

    /// A reception report about one of our streams arrived at `now`.
    pub fn on_report(&mut self, report: &ReceptionReport, now: Instant) {
        if report.last_sender_report == 0 {
            return; // the far side has not had a sender report of ours yet
        }
        let Some(&(_, left)) = self
            .sent
            .iter()
            .find(|(lsr, _)| *lsr == report.last_sender_report)
        else {
            return; // not one of ours, or too old
        };
        let held = Duration::from_secs_f64(f64::from(report.delay) / 65_536.0);
        if let Some(rtt) = now.saturating_duration_since(left).checked_sub(held) {
            self.reading.set(rtt);
        }
    }
}

/// The middle 32 bits of a 64-bit NTP time (RFC 3550's compact form).
fn compact(ntp: u64) -> u32 {
    ((ntp >> 16) & 0xFFFF_FFFF) as u32
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for RttMeter {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet {
            for packet in packets {
                let reports = if let Some(rr) = packet.as_any().downcast_ref::<ReceiverReport>() {
                    &rr.reports
                } else if let Some(sr) = packet.as_any().downcast_ref::<SenderReport>() {
                    &sr.reports
                } else {
                    continue;
                };
                for report in reports {
                    self.on_report(report, msg.now);
                }
            }
        }
        self.read_queue.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read_queue.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet {
            for packet in packets {
                if let Some(sr) = packet.as_any().downcast_ref::<SenderReport>() {
                    self.on_sent(sr.ntp_time, msg.now);
                }
            }
        }
        self.write_queue.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write_queue.pop_front()
    }
}

impl Interceptor for RttMeter {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(lsr: u32, delay: u32) -> ReceptionReport {
        ReceptionReport {
            last_sender_report: lsr,
            delay,
            ..Default::default()
        }
    }

    #[test]
    fn the_round_trip_is_arrival_less_departure_less_the_far_sides_hold() {
        let reading = RttReading::default();
        let mut meter = RttMeter::new(reading.clone());
        let t0 = Instant::now();
        assert_eq!(reading.millis(), None);
        let ntp = 0x1234_5678_9ABC_DEF0u64;
        meter.on_sent(ntp, t0);
        // Held 0.5 s (32768/65536), back 0.58 s after it left: 80 ms of network.
        meter.on_report(&report(compact(ntp), 32_768), t0 + Duration::from_millis(580));
        let rtt = reading.millis().unwrap();
        assert!((rtt - 80.0).abs() < 0.1, "{rtt}");
        // A report about a sender report we never sent, or before any, changes nothing.
        meter.on_report(&report(0xDEAD_BEEF, 0), t0 + Duration::from_secs(1));
        meter.on_report(&report(0, 0), t0 + Duration::from_secs(1));
        assert!((reading.millis().unwrap() - 80.0).abs() < 0.1);
        // A hold longer than the whole trip (a lying peer) is ignored.
        meter.on_report(&report(compact(ntp), 65_536 * 5), t0 + Duration::from_secs(1));
        assert!((reading.millis().unwrap() - 80.0).abs() < 0.1);
    }

    #[test]
    fn only_the_latest_sender_reports_are_remembered() {
        let reading = RttReading::default();
        let mut meter = RttMeter::new(reading.clone());
        let t0 = Instant::now();
        for i in 0..(REMEMBERED as u64 + 5) {
            meter.on_sent(i << 16, t0 + Duration::from_secs(i));
        }
        assert_eq!(meter.sent.len(), REMEMBERED);
        meter.on_report(&report(0, 0), t0);
        meter.on_report(&report(1, 0), t0 + Duration::from_secs(100));
        assert_eq!(reading.millis(), None, "the first reports were forgotten");
    }
}
