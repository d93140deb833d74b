//! DTMF as RFC 4733 telephone events: a digit becomes a run of event packets on the audio
//! stream's SSRC and sequence, all with the timestamp of the event's start; the duration grows
//! by one frame per packet, and the last packet (the end bit set) goes out three times, as the
//! RFC recommends against loss. Received events become digits through an [`EventReader`].

/// How long a digit is held.
pub const DIGIT_MS: u32 = 100;
/// Event volume (dBm0 below 0; 10 is a typical telephone level).
const VOLUME: u8 = 10;

/// The RFC 4733 event code of a DTMF digit (`0`–`9`, `*`, `#`, `A`–`D`).
pub fn event_code(digit: char) -> Option<u8> {
    match digit.to_ascii_uppercase() {
        d @ '0'..='9' => Some(d as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        d @ 'A'..='D' => Some(d as u8 - b'A' + 12),
        _ => None,
    }
}

/// The DTMF digit of an RFC 4733 event code (0–15), if it is one.
pub fn digit_of(code: u8) -> Option<char> {
    match code {
        0..=9 => Some(char::from(b'0' + code)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + code - 12)),
        _ => None,
    }
}

/// Reads digits from received telephone-event packets: one digit per event, told apart by
/// the event's RTP timestamp and reported on its first packet that arrives (so a lost start
/// costs nothing); the growing updates and the end packet's copies are not digits again.
#[derive(Debug, Default)]
pub struct EventReader {
    current: Option<u32>,
}

impl EventReader {
    /// The digit a packet with this RTP `timestamp` and `payload` starts, if it starts one.
    pub fn read(&mut self, timestamp: u32, payload: &[u8]) -> Option<char> {
        let [code, _, _, _, ..] = *payload else {
            return None; // shorter than an event: not one
        };
        if self.current == Some(timestamp) {
            return None;
        }
        let digit = digit_of(code)?;
        self.current = Some(timestamp);
        Some(digit)
    }
}

/// The payloads of one digit's event packets at `rate` Hz with `frame` samples per packet:
/// growing durations, then the end packet three times.
pub fn event_payloads(code: u8, rate: u32, frame: u32) -> Vec<[u8; 4]> {
    let total = rate * DIGIT_MS / 1000;
    let mut payloads = Vec::new();
    let mut duration = frame;
    while duration < total {
        payloads.push(payload(code, false, duration));
        duration += frame;
    }
    for _ in 0..3 {
        payloads.push(payload(code, true, total));
    }
    payloads
}

fn payload(code: u8, end: bool, duration: u32) -> [u8; 4] {
    let duration = u16::try_from(duration).unwrap_or(u16::MAX).to_be_bytes();
    [
        code,
        if end { 0x80 } else { 0 } | VOLUME,
        duration[0],
        duration[1],
    ]
}

/// Whether `digits` are all DTMF digits.
pub fn valid(digits: &str) -> bool {
    !digits.is_empty() && digits.chars().all(|c| event_code(c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_map_to_rfc_4733_codes() {
        assert_eq!(event_code('0'), Some(0));
        assert_eq!(event_code('9'), Some(9));
        assert_eq!(event_code('*'), Some(10));
        assert_eq!(event_code('#'), Some(11));
        assert_eq!(event_code('a'), Some(12));
        assert_eq!(event_code('D'), Some(15));
        assert_eq!(event_code('x'), None);
        assert!(valid("123#*A") && !valid("12 3") && !valid(""));
    }

    #[test]
    fn codes_map_back_to_digits() {
        for digit in "0123456789*#ABCD".chars() {
            assert_eq!(event_code(digit).and_then(digit_of), Some(digit));
        }
        assert_eq!(digit_of(16), None); // flash is not a digit
    }

    #[test]
    fn each_event_is_read_once_whatever_arrives() {
        let mut reader = EventReader::default();
        let one = event_payloads(1, 8000, 160);
        let hash = event_payloads(11, 8000, 160);
        let mut digits = String::new();
        // The first event's first two packets are lost; the second repeats a digit press.
        for (stamp, packets) in [(1000, &one[2..]), (5000, &hash[..]), (9000, &hash[..])] {
            for packet in packets {
                digits.extend(reader.read(stamp, packet));
            }
        }
        assert_eq!(digits, "1##");
        assert_eq!(reader.read(13_000, &[1, 0]), None, "a short payload is no event");
        assert_eq!(reader.read(13_000, &[16, 0, 0, 160]), None, "flash is no digit");
        assert_eq!(reader.read(13_000, &[2, 0, 0, 160]), Some('2'));
    }

    #[test]
    fn a_digit_is_a_run_of_growing_durations_then_three_ends() {
        let packets = event_payloads(5, 8000, 160);
        // 100 ms at 8 kHz = 800 samples: 160, 320, 480, 640, then 800 with the end bit ×3.
        let durations: Vec<u16> = packets.iter().map(|p| u16::from_be_bytes([p[2], p[3]])).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        assert!(packets[..4].iter().all(|p| p[0] == 5 && p[1] == VOLUME));
        assert!(packets[4..].iter().all(|p| p[1] == 0x80 | VOLUME));
    }
}
