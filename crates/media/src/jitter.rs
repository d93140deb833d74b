//! The adaptive jitter buffer: a pure state machine on explicit time. RTP packets go in with
//! the instant they arrived ([`JitterBuffer::push`]); the playout clock takes one frame out per
//! frame period ([`JitterBuffer::pop`]): the next packet's payload, or a note to conceal it
//! (with the following packet's payload when there is one, for Opus FEC), or silence when
//! nothing plays. No clock, no socket, no allocation after construction (slots and the delay
//! window are preallocated), so the playout side may run on an audio thread.
//!
//! How it decides:
//! - Reordering, duplicates and late packets: packets are kept by extended sequence number in
//!   a ring of slots; a packet already held is a duplicate; one whose turn has passed is late
//!   (counted, dropped); a jump far ahead restarts the stream.
//! - Delay: each packet's transit (arrival minus its RTP timestamp) is compared with the
//!   fastest transit of the last few seconds; the target delay is a high quantile of those
//!   relative delays plus one frame, within bounds. A minimum over a sliding window follows a
//!   sender whose clock drifts from ours, so skew does not read as jitter.
//! - Playout runs on the media clock: each frame period plays the next packet, or conceals it
//!   when it is missing (lost, or not here in time: it is dropped as late when it comes).
//!   The delay actually played — now, less the next frame's media time and the fastest
//!   transit — is steered to the target: one frame dropped when it is a frame above, one
//!   frame concealed in place (the delay grows) when it is half a frame below, at most one
//!   change every 100 ms. A sender's clock running fast or slow against ours is absorbed the
//!   same way. A silence longer than the largest delay pauses playout until packets return.

use crate::wrap::extend;
use std::time::{Duration, Instant};

/// How a jitter buffer behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterConfig {
    /// The RTP clock rate (8000 for G.711, 48000 for Opus).
    pub clock_rate: u32,
    /// One packet's audio.
    pub frame: Duration,
    /// The smallest target delay.
    pub min_delay: Duration,
    /// The largest target delay (and the longest silence concealed before playout pauses).
    pub max_delay: Duration,
    /// The quantile of relative delays the target covers (0.97: 3 % may come too late).
    pub quantile: f64,
    /// Packets kept (a power of two keeps the index cheap; 64 is 1.28 s of 20 ms frames).
    pub capacity: usize,
    /// The largest payload kept, in bytes.
    pub max_payload: usize,
}

impl JitterConfig {
    /// 20 ms frames at `clock_rate`, a target between 20 and 400 ms covering 97 % of packets.
    pub fn for_clock_rate(clock_rate: u32) -> JitterConfig {
        JitterConfig {
            clock_rate,
            frame: Duration::from_millis(20),
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(400),
            quantile: 0.97,
            capacity: 64,
            max_payload: 1500,
        }
    }
}

/// What became of a pushed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Kept for playout.
    Accepted,
    /// Already held (or already played): dropped.
    Duplicate,
    /// Its turn had passed: dropped.
    Late,
    /// Too large to keep: dropped.
    TooLarge,
    /// Far from the stream's position: the buffer started over from this packet.
    Restarted,
}

/// One frame period's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playout<'a> {
    /// Nothing plays (before the first packet has waited its delay, or after a long silence).
    Silence,
    /// The next packet's payload, to decode.
    Frame(&'a [u8]),
    /// The next packet is missing: conceal one frame, from `next` (the following packet's
    /// payload, for forward error correction) when there is one.
    Conceal {
        /// The following packet, when it is here.
        next: Option<&'a [u8]>,
    },
}

/// What the buffer has seen, for call-quality figures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    /// Packets kept.
    pub accepted: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Packets that came after their turn.
    pub late: u64,
    /// Frames concealed because their packet was not here at their turn (lost, or late).
    pub lost: u64,
    /// Frames concealed in place to let the delay grow to the target.
    pub stretched: u64,
    /// Frames dropped to bring the delay back to the target.
    pub dropped: u64,
    /// Interarrival jitter (RFC 3550 §6.4.1), in milliseconds.
    pub jitter_ms: f64,
    /// The target delay now, in milliseconds.
    pub target_ms: f64,
}

#[derive(Debug, Clone)]
struct Slot {
    seq: u64,
    /// The extended RTP timestamp.
    ts: u64,
    len: usize,
    filled: bool,
    data: Box<[u8]>,
}

/// Packets seen before the first relative delays are trusted.
const WINDOW: usize = 256;
/// Frame periods between two changes of the delay (drop or stretch).
const ADJUST_EVERY: u32 = 5;

/// An adaptive jitter buffer for one RTP stream.
#[derive(Debug)]
pub struct JitterBuffer {
    config: JitterConfig,
    slots: Vec<Slot>,
    /// The next sequence number to play (extended); `None` while not playing.
    next: Option<u64>,
    /// The extended RTP timestamp of the next frame to play.
    play_ts: u64,
    /// Playout starts at this instant (the first packet plus the target delay).
    start_at: Option<Instant>,
    /// The highest extended sequence number held or played.
    highest: Option<u64>,
    /// The first arrival and its extended timestamp: the origin of transits.
    origin: Option<(Instant, u64)>,
    last_ts: u64,
    last_transit_ms: Option<f64>,
    /// The fastest transit of the window (ms).
    fastest_ms: f64,
    /// Transits of the last [`WINDOW`] packets (ms), and a scratch copy for the quantile.
    transits: Box<[f64]>,
    scratch: Box<[f64]>,
    transits_seen: usize,
    target: Duration,
    since_adjust: u32,
    concealed_in_a_row: u32,
    stats: JitterStats,
}

impl JitterBuffer {
    /// An empty buffer.
    pub fn new(config: JitterConfig) -> JitterBuffer {
        let capacity = config.capacity.max(4);
        let slot = Slot {
            seq: 0,
            ts: 0,
            len: 0,
            filled: false,
            data: vec![0; config.max_payload].into_boxed_slice(),
        };
        JitterBuffer {
            config,
            slots: vec![slot; capacity],
            next: None,
            play_ts: 0,
            start_at: None,
            highest: None,
            origin: None,
            last_ts: 0,
            last_transit_ms: None,
            fastest_ms: 0.0,
            transits: vec![0.0; WINDOW].into_boxed_slice(),
            scratch: vec![0.0; WINDOW].into_boxed_slice(),
            transits_seen: 0,
            target: config.min_delay.max(config.frame * 2),
            since_adjust: 0,
            concealed_in_a_row: 0,
            stats: JitterStats::default(),
        }
    }

    /// What it has seen so far.
    pub fn stats(&self) -> JitterStats {
        JitterStats {
            target_ms: self.target.as_secs_f64() * 1e3,
            ..self.stats
        }
    }

    /// The delay it aims for now.
    pub fn target_delay(&self) -> Duration {
        self.target
    }

    fn index(&self, seq: u64) -> usize {
        (seq % self.slots.len() as u64) as usize
    }

    /// The extended form of a 16-bit sequence number: the one nearest the highest seen.
    fn extend_seq(&self, seq: u16) -> u64 {
        match self.highest {
            Some(highest) => extend(u64::from(seq), 16, highest),
            None => u64::from(seq) + (1 << 16), // room to go back a little
        }
    }

    /// The extended form of a 32-bit timestamp, nearest the last one.
    fn extend_ts(&self, ts: u32) -> u64 {
        match self.origin {
            Some(_) => extend(u64::from(ts), 32, self.last_ts),
            None => u64::from(ts) + (1 << 32),
        }
    }

    /// A packet (`seq`, RTP `timestamp`, `payload`) arrived at `now`.
    pub fn push(&mut self, now: Instant, seq: u16, timestamp: u32, payload: &[u8]) -> Pushed {
        if payload.len() > self.config.max_payload {
            return Pushed::TooLarge;
        }
        let seq = self.extend_seq(seq);
        let mut outcome = Pushed::Accepted;
        let far = self.slots.len() as u64;
        if let Some(next) = self.next {
            if seq < next {
                if seq + far < next {
                    self.restart();
                    outcome = Pushed::Restarted;
                } else {
                    self.stats.late += 1;
                    return Pushed::Late;
                }
            } else if seq >= next + far {
                self.restart();
                outcome = Pushed::Restarted;
            }
        }
        let index = self.index(seq);
        let slot = &self.slots[index];
        if slot.filled && slot.seq == seq {
            self.stats.duplicates += 1;
            return Pushed::Duplicate;
        }
        if self.next.is_none() && self.highest.is_some_and(|h| seq + far <= h) {
            // Far behind what is held while not playing yet: a stream that started over.
            self.restart();
            outcome = Pushed::Restarted;
        }
        let ts = self.measure(now, timestamp);
        let slot = &mut self.slots[index];
        slot.seq = seq;
        slot.ts = ts;
        slot.len = payload.len();
        slot.filled = true;
        slot.data[..payload.len()].copy_from_slice(payload);
        self.highest = Some(self.highest.map_or(seq, |h| h.max(seq)));
        self.stats.accepted += 1;
        if self.start_at.is_none() {
            self.start_at = Some(now + self.target);
        }
        outcome
    }

    /// Forgets everything held (a new stream, or one that jumped).
    fn restart(&mut self) {
        for slot in self.slots.iter_mut() {
            slot.filled = false;
        }
        self.next = None;
        self.start_at = None;
        self.highest = None;
        self.since_adjust = 0;
        self.concealed_in_a_row = 0;
        self.forget_timing();
    }

    /// Forgets the transits: after a jump or a long silence the sender's timing starts over.
    fn forget_timing(&mut self) {
        self.origin = None;
        self.last_transit_ms = None;
        self.transits_seen = 0;
    }

    /// Notes the packet's transit and updates the jitter and the target delay; returns the
    /// extended timestamp.
    fn measure(&mut self, now: Instant, timestamp: u32) -> u64 {
        let ts = self.extend_ts(timestamp);
        let (origin_at, origin_ts) = *self.origin.get_or_insert((now, ts));
        self.last_ts = ts;
        let arrived_ms = now.saturating_duration_since(origin_at).as_secs_f64() * 1e3;
        let media_ms = (ts as f64 - origin_ts as f64) * 1e3 / f64::from(self.config.clock_rate.max(1));
        let transit = arrived_ms - media_ms;
        if let Some(last) = self.last_transit_ms {
            self.stats.jitter_ms += ((transit - last).abs() - self.stats.jitter_ms) / 16.0;
        }
        self.last_transit_ms = Some(transit);
        self.transits[self.transits_seen % WINDOW] = transit;
        self.transits_seen += 1;
        let seen = self.transits_seen.min(WINDOW);
        let window = &self.transits[..seen];
        let fastest = window.iter().copied().fold(f64::INFINITY, f64::min);
        self.fastest_ms = fastest;
        let scratch = &mut self.scratch[..seen];
        for (relative, transit) in scratch.iter_mut().zip(window) {
            *relative = transit - fastest;
        }
        let rank = ((seen as f64 - 1.0) * self.config.quantile).round() as usize;
        let (_, quantile, _) = scratch.select_nth_unstable_by(rank.min(seen - 1), f64::total_cmp);
        let wanted = Duration::from_secs_f64((*quantile).max(0.0) / 1e3) + self.config.frame;
        self.target = wanted.clamp(self.config.min_delay, self.config.max_delay);
        ts
    }

    /// Media time of an extended timestamp since the origin, in milliseconds.
    fn media_ms(&self, ts: u64) -> f64 {
        let origin_ts = self.origin.map_or(ts, |(_, t)| t);
        (ts as f64 - origin_ts as f64) * 1e3 / f64::from(self.config.clock_rate.max(1))
    }

    /// RTP ticks in one frame.
    fn frame_ticks(&self) -> u64 {
        (u128::from(self.config.clock_rate) * self.config.frame.as_micros() / 1_000_000) as u64
    }

    /// The delay the next frame plays with at `now`, beyond the fastest transit (ms).
    fn playing_delay_ms(&self, now: Instant) -> f64 {
        let Some((origin_at, _)) = self.origin else {
            return 0.0;
        };
        let now_ms = now.saturating_duration_since(origin_at).as_secs_f64() * 1e3;
        now_ms - self.media_ms(self.play_ts) - self.fastest_ms
    }

    /// How much later than the target delay the next frame plays at `now`, in milliseconds
    /// (negative: earlier); `None` while nothing plays.
    pub fn delay_error_ms(&self, now: Instant) -> Option<f64> {
        self.next?;
        Some(self.playing_delay_ms(now) - self.target.as_secs_f64() * 1e3)
    }

    /// The playout clock asks for the next frame at `now`.
    pub fn pop(&mut self, now: Instant) -> Playout<'_> {
        let next = match self.next {
            Some(next) => next,
            None => {
                if self.start_at.is_none_or(|at| now < at) {
                    return Playout::Silence;
                }
                let Some((oldest, ts)) = self.oldest_held() else {
                    return Playout::Silence;
                };
                self.next = Some(oldest);
                self.play_ts = ts;
                self.since_adjust = 0;
                oldest
            }
        };
        let frame_ms = self.config.frame.as_secs_f64() * 1e3;
        let target_ms = self.target.as_secs_f64() * 1e3;
        self.since_adjust += 1;
        let mut next = next;
        if self.since_adjust >= ADJUST_EVERY {
            let delay = self.playing_delay_ms(now);
            if delay > target_ms + frame_ms {
                // Playing later than needed: skip this frame.
                self.since_adjust = 0;
                self.stats.dropped += 1;
                let index = self.index(next);
                if self.slots[index].seq == next {
                    self.slots[index].filled = false;
                }
                next += 1;
                self.next = Some(next);
                self.play_ts += self.frame_ticks();
            } else if delay < target_ms - frame_ms / 2.0 {
                // Playing too early for the packets on their way: wait a frame.
                self.since_adjust = 0;
                self.stats.stretched += 1;
                return Playout::Conceal { next: None };
            }
        }
        let index = self.index(next);
        let ticks = self.frame_ticks();
        self.next = Some(next + 1);
        self.play_ts += ticks;
        if self.slots[index].filled && self.slots[index].seq == next {
            self.concealed_in_a_row = 0;
            self.play_ts = self.slots[index].ts + ticks;
            let slot = &mut self.slots[index];
            slot.filled = false;
            return Playout::Frame(&slot.data[..slot.len]);
        }
        self.concealed_in_a_row += 1;
        let longest = (self.config.max_delay.as_secs_f64() / self.config.frame.as_secs_f64()).ceil() as u32;
        if self.concealed_in_a_row > longest && self.highest.is_none_or(|h| h <= next) {
            // A long silence (held, or the sender stopped): silence until it resumes.
            self.next = None;
            self.start_at = None;
            self.highest = None;
            self.concealed_in_a_row = 0;
            self.forget_timing();
            return Playout::Silence;
        }
        // Missing (lost, or not here in time): conceal it, with the following one for FEC.
        self.stats.lost += 1;
        let following = self.index(next + 1);
        let slot = &self.slots[following];
        let fec = (slot.filled && slot.seq == next + 1).then(|| &slot.data[..slot.len]);
        Playout::Conceal { next: fec }
    }

    fn oldest_held(&self) -> Option<(u64, u64)> {
        self.slots
            .iter()
            .filter(|s| s.filled)
            .map(|s| (s.seq, s.ts))
            .min()
    }
}
