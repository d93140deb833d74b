//! The demo tenant's phone line: with the demo's tenant server, the app runs the demo PBX
//! (`leadline_sip::demo_pbx`) on the loopback interface and points the demo agent's SIP
//! account at it, so a newcomer can call. Its far end is an echo test: a call to any number
//! is answered with a short spoken greeting (bundled) and a tone, then the agent hears their
//! own voice back, which checks the headset both ways. [`DemoLine::call_agent`] makes a demo
//! lead call the agent (the screen pop, answering and wrap-up, tried for real).
//!
//! Only the demo's account is served (its user, in its domain); a real tenant's account
//! points at that tenant's PBX and never here.

use crate::{CoreError, Handle, LeadFilter};
use leadline_media::audio::{AudioSink, AudioSource, WavSource, frame_len};
use leadline_media::{MediaConfig, MediaError, MediaSession, SinkHandle};
use leadline_sip::demo_pbx::{DemoPbx, DemoPbxConfig, FarCall, FarEnd, Pending, Starting};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The greeting: "Welcome to the Leadline demo line. After the tone, speak, and you will hear
/// yourself." and a tone (16 kHz mono).
const GREETING: &[u8] = include_bytes!("../assets/demo-greeting.wav");
/// How long the demo's far end rings before it answers.
const RING: Duration = Duration::from_millis(1_200);
/// The most the echo holds back (what arrives beyond it is dropped, oldest first).
const ECHO_MAX: Duration = Duration::from_millis(400);

/// The demo PBX and what it takes to call the agent.
pub struct DemoLine {
    pbx: DemoPbx,
}

impl std::fmt::Debug for DemoLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoLine").field("url", &self.url()).finish()
    }
}

impl DemoLine {
    /// Starts the demo PBX for `user` in `domain` on `port` (or any free port).
    pub async fn start(user: &str, domain: &str, port: u16) -> Result<DemoLine, CoreError> {
        let config = DemoPbxConfig {
            domain: domain.to_owned(),
            user: user.to_owned(),
            ring: RING,
        };
        let far_end = Arc::new(EchoTest {
            media: MediaConfig::default(),
        });
        let pbx = DemoPbx::start(config, far_end, port)
            .await
            .map_err(|e| CoreError::Demo(e.to_string()))?;
        Ok(DemoLine { pbx })
    }

    /// The PBX's WebSocket address.
    pub fn url(&self) -> &str {
        self.pbx.url()
    }

    /// The PBX's port.
    pub fn port(&self) -> u16 {
        self.pbx.port()
    }

    /// Whether the agent's phone is registered to it.
    pub fn agent_registered(&self) -> bool {
        self.pbx.agent_registered()
    }

    /// One of the agent's demo leads with a phone calls the agent ("call me"); returns the
    /// call's SIP Call-ID.
    pub async fn call_agent(&self, handle: &Handle) -> Result<String, CoreError> {
        let leads = handle.leads(&LeadFilter {
            assigned_to_me: true,
            limit: 50,
            ..LeadFilter::default()
        })?;
        let with_phone: Vec<_> = leads.iter().filter(|c| c.lead.phone.is_some()).collect();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let pick = nanos as usize % with_phone.len().max(1);
        let caller = with_phone
            .get(pick)
            .ok_or_else(|| CoreError::Demo("no demo lead has a phone number".into()))?;
        let number = caller.lead.phone.as_deref().unwrap_or_default();
        self.pbx
            .call_agent(&caller.lead.name, number)
            .await
            .map_err(|e| CoreError::Demo(e.to_string()))
    }
}

/// The far end of the demo's calls.
struct EchoTest {
    media: MediaConfig,
}

fn failed(error: MediaError) -> String {
    error.to_string()
}

impl FarEnd for EchoTest {
    fn answer(&self, offer: String) -> Starting {
        let media = self.media.clone();
        Box::pin(async move {
            let (session, answer) = MediaSession::answering(&media, &offer).await.map_err(failed)?;
            let call = EchoCall {
                session,
                playing: Mutex::new(None),
            };
            call.play().map_err(failed)?;
            Ok((answer, Box::new(call) as Box<dyn FarCall>))
        })
    }

    fn offer(&self) -> Starting {
        let media = self.media.clone();
        Box::pin(async move {
            let (session, offer) = MediaSession::offering(&media).await.map_err(failed)?;
            let call = EchoCall {
                session,
                playing: Mutex::new(None),
            };
            Ok((offer, Box::new(call) as Box<dyn FarCall>))
        })
    }
}

/// A demo call's media: the greeting, then the echo.
struct EchoCall {
    session: MediaSession,
    playing: Mutex<Option<SinkHandle>>,
}

impl EchoCall {
    fn play(&self) -> Result<(), MediaError> {
        let (source, sink) = echo_test()?;
        let playing = self.session.start(Box::new(source), Box::new(sink))?;
        if let Ok(mut slot) = self.playing.lock() {
            *slot = Some(playing);
        }
        Ok(())
    }
}

impl FarCall for EchoCall {
    fn accept_answer(&self, answer: String) -> Pending<'_, Result<(), String>> {
        Box::pin(async move {
            self.session.accept_answer(&answer).await.map_err(failed)?;
            self.play().map_err(failed)
        })
    }

    fn reoffer(&self, offer: String) -> Pending<'_, Result<String, String>> {
        Box::pin(async move { self.session.answer_reoffer(&offer).await.map_err(failed) })
    }

    fn close(&self) -> Pending<'_, ()> {
        Box::pin(self.session.close())
    }
}

/// What the echo holds: the agent's voice, from the end of the greeting on.
#[derive(Default)]
struct Echo {
    samples: Mutex<VecDeque<i16>>,
    listening: AtomicBool,
}

/// Plays the greeting once, then what the agent said.
pub struct GreetingThenEcho {
    greeting: WavSource,
    left: Duration,
    echo: Arc<Echo>,
}

/// Hears the agent, for the echo.
pub struct EchoSink {
    echo: Arc<Echo>,
}

/// The demo's far end: its source (greeting, then echo) and sink (what it hears).
pub fn echo_test() -> Result<(GreetingThenEcho, EchoSink), MediaError> {
    let greeting = WavSource::from_bytes(GREETING, "the demo greeting")?;
    let echo = Arc::new(Echo::default());
    let left = greeting.duration();
    Ok((
        GreetingThenEcho {
            greeting,
            left,
            echo: echo.clone(),
        },
        EchoSink { echo },
    ))
}

impl AudioSource for GreetingThenEcho {
    fn next_frame(&mut self, rate: u32) -> Vec<i16> {
        let len = frame_len(rate);
        if !self.left.is_zero() {
            let frame = Duration::from_secs_f64(len as f64 / f64::from(rate.max(1)));
            self.left = self.left.saturating_sub(frame);
            if self.left.is_zero() {
                self.echo.listening.store(true, Ordering::Relaxed);
            }
            return self.greeting.next_frame(rate);
        }
        let mut frame = vec![0; len];
        if let Ok(mut samples) = self.echo.samples.lock() {
            let n = samples.len().min(len);
            for (out, sample) in frame.iter_mut().zip(samples.drain(..n)) {
                *out = sample;
            }
        }
        frame
    }
}

impl AudioSink for EchoSink {
    fn write(&mut self, rate: u32, samples: &[i16]) {
        if !self.echo.listening.load(Ordering::Relaxed) {
            return;
        }
        let most = (f64::from(rate) * ECHO_MAX.as_secs_f64()) as usize;
        if let Ok(mut held) = self.echo.samples.lock() {
            held.extend(samples.iter().copied());
            let over = held.len().saturating_sub(most);
            held.drain(..over);
        }
    }

    fn finish(&mut self) -> Result<(), MediaError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_far_end_greets_then_echoes_what_it_hears() {
        let (mut source, mut sink) = echo_test().unwrap();
        let greeting = WavSource::from_bytes(GREETING, "greeting").unwrap().duration();
        assert!(
            greeting > Duration::from_secs(3) && greeting < Duration::from_secs(10),
            "{greeting:?}"
        );
        // Said during the greeting: not echoed.
        sink.write(48_000, &[1_000; 960]);
        let frames = (greeting.as_secs_f64() / 0.02).ceil() as usize;
        let mut loud = 0;
        for _ in 0..frames {
            let frame = source.next_frame(48_000);
            assert_eq!(frame.len(), 960);
            loud += usize::from(frame.iter().any(|s| s.unsigned_abs() > 1_000));
        }
        assert!(
            loud > frames / 3,
            "the greeting is heard ({loud} of {frames} frames)"
        );
        assert_eq!(
            source.next_frame(48_000),
            vec![0; 960],
            "nothing said since: silence"
        );
        let voice: Vec<i16> = (0..960).map(|i| ((i % 48) as i16 - 24) * 400).collect();
        sink.write(48_000, &voice);
        assert_eq!(source.next_frame(48_000), voice, "the agent's voice comes back");
        // A long speech is held back at most 400 ms.
        for _ in 0..50 {
            sink.write(48_000, &voice);
        }
        let held = (0..50)
            .filter(|_| source.next_frame(48_000) != vec![0; 960])
            .count();
        assert_eq!(held, 20);
    }
}
