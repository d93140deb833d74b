//! Decoding one codec's payloads into the caller's buffer, and concealing frames that never
//! came: Opus decodes a lost frame from the following packet's forward error correction when
//! that packet is here (`useinbandfec=1` is offered), else runs its packet loss concealment;
//! G.711 repeats the last frame, fading it out over five frames, then plays silence. Nothing
//! allocates after construction.

use crate::g711;
use crate::sdp::Codec;

/// G.711 concealment fades to silence over this many frames.
const FADE_FRAMES: u32 = 5;
/// The longest Opus packet (120 ms at 48 kHz).
pub const MAX_OPUS_SAMPLES: usize = 5_760;

/// A decoder of one codec's 20 ms frames (Opus to mono at 48 kHz, G.711 at 8 kHz).
pub struct FrameDecoder {
    kind: Kind,
    /// The last frame decoded (G.711 concealment repeats it).
    last: Box<[i16]>,
    last_len: usize,
    concealed_in_a_row: u32,
}

enum Kind {
    Pcmu,
    Pcma,
    Opus(Box<opus::Decoder>),
    Broken,
}

impl std::fmt::Debug for FrameDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            Kind::Pcmu => "PCMU",
            Kind::Pcma => "PCMA",
            Kind::Opus(_) => "Opus",
            Kind::Broken => "broken",
        };
        f.debug_struct("FrameDecoder").field("kind", &kind).finish()
    }
}

impl FrameDecoder {
    /// A decoder for `codec`.
    pub fn new(codec: Codec) -> FrameDecoder {
        let kind = match codec {
            Codec::Pcmu => Kind::Pcmu,
            Codec::Pcma => Kind::Pcma,
            Codec::Opus => match opus::Decoder::new(48_000, opus::Channels::Mono) {
                Ok(decoder) => Kind::Opus(Box::new(decoder)),
                Err(error) => {
                    tracing::error!(%error, "the Opus decoder could not start");
                    Kind::Broken
                }
            },
        };
        FrameDecoder {
            kind,
            last: vec![0; 160].into_boxed_slice(),
            last_len: 0,
            concealed_in_a_row: 0,
        }
    }

    /// Samples per second out.
    pub fn rate(&self) -> u32 {
        match self.kind {
            Kind::Pcmu | Kind::Pcma => 8_000,
            Kind::Opus(_) | Kind::Broken => 48_000,
        }
    }

    /// Samples in one 20 ms frame.
    pub fn frame_samples(&self) -> usize {
        self.rate() as usize / 50
    }

    /// Decodes `payload` into `out`; returns the samples written, or `None` for a payload
    /// that cannot be decoded (dropped, not fatal) or an `out` too small for it.
    pub fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Option<usize> {
        let written = match &mut self.kind {
            Kind::Pcmu | Kind::Pcma => {
                let n = payload.len().min(out.len());
                let law = if matches!(self.kind, Kind::Pcmu) {
                    g711::ulaw_to_linear
                } else {
                    g711::alaw_to_linear
                };
                for (sample, byte) in out.iter_mut().zip(&payload[..n]) {
                    *sample = law(*byte);
                }
                let kept = n.min(self.last.len());
                self.last[..kept].copy_from_slice(&out[n - kept..n]);
                self.last_len = kept;
                n
            }
            Kind::Opus(decoder) => decoder.decode(payload, out, false).ok()?,
            Kind::Broken => return None,
        };
        self.concealed_in_a_row = 0;
        Some(written)
    }

    /// Writes one frame of concealment into `out` (which holds at least a frame), from `next`
    /// — the following packet — when it is here; returns the samples written.
    pub fn conceal(&mut self, next: Option<&[u8]>, out: &mut [i16]) -> usize {
        let frame = self.frame_samples().min(out.len());
        let out = &mut out[..frame];
        self.concealed_in_a_row += 1;
        match &mut self.kind {
            Kind::Opus(decoder) => {
                // FEC: the following packet carries a coarse copy of this one.
                let from = next.unwrap_or(&[]);
                let fec = !from.is_empty();
                match decoder.decode(from, out, fec) {
                    Ok(n) => n,
                    Err(_) => {
                        out.fill(0);
                        frame
                    }
                }
            }
            Kind::Pcmu | Kind::Pcma => {
                let fading = FADE_FRAMES.saturating_sub(self.concealed_in_a_row - 1);
                if self.last_len == 0 || fading == 0 {
                    out.fill(0);
                    return frame;
                }
                let gain = fading as f32 / FADE_FRAMES as f32;
                for (i, sample) in out.iter_mut().enumerate() {
                    let repeated = self.last[i % self.last_len];
                    *sample = (f32::from(repeated) * gain) as i16;
                }
                frame
            }
            Kind::Broken => {
                out.fill(0);
                frame
            }
        }
    }
}
