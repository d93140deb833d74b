//! One call's audio as a WebRTC session (ICE, DTLS-SRTP) negotiated inside SIP offer/answer.
//!
//! [`MediaSession::offer`] and [`MediaSession::answer`] return complete SDP (ICE gathering
//! finished, the adjustments of [`crate::sdp`] applied); [`MediaSession::start`] then sends
//! 20 ms frames from an [`AudioSource`] and writes what arrives to an [`AudioSink`], encoding
//! and decoding the negotiated codec. Counters say how many packets went each way.

use crate::audio::{AudioSink, AudioSource, frame_len};
use crate::decode::{FrameDecoder, MAX_OPUS_SAMPLES};
use crate::drift::DriftControl;
use crate::playback::Playback;
use crate::quality::{Quality, ReceiveStats, mos};
use crate::rtt::{RttMeter, RttReading};
use crate::sdp::{self, Codec};
use crate::{MediaError, g711};
use bytes::Bytes;
use rtc::interceptor::Registry;
use rtc::peer_connection::configuration::interceptor_registry::configure_rtcp_reports;

/// How often ICE sends a connectivity check.
const ICE_CHECK_EVERY: Duration = Duration::from_millis(20);
/// Checks per candidate pair before it fails (70 × 20 ms: the library's 1.4 s).
const ICE_CHECKS_PER_PAIR: u16 = 70;

/// Our audio track, sending `codec` from `ssrc`.
fn media_track(ssrc: u32, codec: Codec) -> MediaStreamTrack {
    MediaStreamTrack::new(
        "leadline".to_owned(),
        "leadline-audio".to_owned(),
        "call audio".to_owned(),
        RtpCodecKind::Audio,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(ssrc),
                ..Default::default()
            },
            codec: codec_parameters(codec).rtp_codec,
            ..Default::default()
        }],
    )
}

/// Where the round-trip meter sits in the interceptor chain: below the sender-report
/// generator (11 000), so our reports pass it on their way out, and above the pacer (3 000); it
/// only observes.
const RTT_SLOT: usize = 3_500;
use rtc::interceptor::Slot;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::RTCConfigurationBuilder;
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_OPUS, MIME_TYPE_PCMA, MIME_TYPE_PCMU, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::peer_connection::transport::{RTCDtlsRole, RTCIceServer};
use rtc::rtp_transceiver::RTCRtpTransceiverDirection;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCIceGatheringState,
    RTCPeerConnectionState,
};

/// How long ICE gathering may take before the SDP goes out with what was found.
const GATHER_TIMEOUT: Duration = Duration::from_secs(3);
/// The `telephone-event` payload type we offer at 8 kHz (with G.711).
pub const DTMF_PT_8K: u8 = 101;
/// The `telephone-event` payload type we offer at 48 kHz (with Opus).
pub const DTMF_PT_48K: u8 = 110;

/// Network settings of the media.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// Local UDP addresses to gather host candidates on (`0.0.0.0:0` for every interface).
    pub bind: Vec<SocketAddr>,
    /// STUN/TURN servers (`stun:host:port`, `turn:host:port` with username and credential).
    pub ice_servers: Vec<IceServer>,
    /// Codecs offered, best first.
    pub codecs: Vec<Codec>,
}

/// A STUN or TURN server. Its credential never prints (`Debug` shows `***`).
#[derive(Clone)]
pub struct IceServer {
    /// `stun:…` or `turn:…` URLs.
    pub urls: Vec<String>,
    /// TURN user name.
    pub username: String,
    /// TURN credential.
    pub credential: String,
}

impl std::fmt::Debug for IceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceServer")
            .field("urls", &self.urls)
            .field("username", &self.username)
            .field("credential", &"***")
            .finish()
    }
}

/// Every IPv4 address of this machine's interfaces that are up, loopback last. Each gets
/// its own socket: a socket on 0.0.0.0 would advertise 0.0.0.0 as its candidate.
pub fn local_addresses() -> Vec<SocketAddr> {
    let mut addresses: Vec<(bool, SocketAddr)> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| i.ip().is_ipv4())
        .map(|i| (i.is_loopback(), SocketAddr::new(i.ip(), 0)))
        .collect();
    addresses.sort_by_key(|(loopback, _)| *loopback);
    addresses.dedup();
    let addresses: Vec<SocketAddr> = addresses.into_iter().map(|(_, a)| a).collect();
    if addresses.is_empty() {
        vec![SocketAddr::from(([127, 0, 0, 1], 0))]
    } else {
        addresses
    }
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            bind: local_addresses(),
            ice_servers: Vec::new(),
            codecs: vec![Codec::Opus, Codec::Pcmu, Codec::Pcma],
        }
    }
}

/// Packet counters of a session.
#[derive(Debug, Default)]
pub struct Counters {
    /// RTP packets sent.
    pub sent: AtomicU64,
    /// RTP packets received.
    pub received: AtomicU64,
    /// Microseconds from `start` to the first packet received (0 until then).
    pub first_received_us: AtomicU64,
}

struct Handler {
    gathered: Arc<Notify>,
    gathering_done: Arc<std::sync::atomic::AtomicBool>,
    connected: Arc<Notify>,
    tracks: mpsc::UnboundedSender<Arc<dyn TrackRemote>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathering_done.store(true, Ordering::Release);
            self.gathered.notify_one();
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!(%state, "media connection state");
        if state == RTCPeerConnectionState::Connected {
            self.connected.notify_waiters();
            self.connected.notify_one();
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.tracks.send(track);
    }
}

fn codec_parameters(codec: Codec) -> RTCRtpCodecParameters {
    let (mime, rate, channels, pt, fmtp) = match codec {
        Codec::Opus => (MIME_TYPE_OPUS, 48_000, 2, 111, "minptime=10;useinbandfec=1"),
        Codec::Pcmu => (MIME_TYPE_PCMU, 8_000, 1, 0, ""),
        Codec::Pcma => (MIME_TYPE_PCMA, 8_000, 1, 8, ""),
    };
    RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec {
            mime_type: mime.to_owned(),
            clock_rate: rate,
            channels,
            sdp_fmtp_line: fmtp.to_owned(),
            rtcp_feedback: vec![],
        },
        payload_type: pt,
    }
}

fn telephone_event(rate: u32, pt: u8) -> RTCRtpCodecParameters {
    RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec {
            mime_type: "audio/telephone-event".to_owned(),
            clock_rate: rate,
            channels: 1,
            sdp_fmtp_line: "0-16".to_owned(),
            rtcp_feedback: vec![],
        },
        payload_type: pt,
    }
}

/// The `telephone-event` payload type we offer at the clock rate of `codec`.
fn our_event_pt(codec: Codec) -> u8 {
    if codec.clock_rate() == 48_000 {
        DTMF_PT_48K
    } else {
        DTMF_PT_8K
    }
}

/// `telephone-event` at each clock rate of `codecs` (RFC 4733 events run at the audio's rate).
fn telephone_events(codecs: &[Codec]) -> Vec<RTCRtpCodecParameters> {
    let mut events = Vec::new();
    if codecs.contains(&Codec::Opus) {
        events.push(telephone_event(48_000, DTMF_PT_48K));
    }
    if codecs.iter().any(|c| c.clock_rate() == 8_000) {
        events.push(telephone_event(8_000, DTMF_PT_8K));
    }
    events
}

fn webrtc_error(error: impl std::fmt::Display) -> MediaError {
    MediaError::WebRtc(error.to_string())
}

/// One call's media.
pub struct MediaSession {
    pc: Box<dyn PeerConnection>,
    track: Arc<TrackLocalStaticRTP>,
    ssrc: u32,
    gathered: Arc<Notify>,
    gathering_done: Arc<std::sync::atomic::AtomicBool>,
    connected: Arc<Notify>,
    tracks: std::sync::Mutex<Option<mpsc::UnboundedReceiver<Arc<dyn TrackRemote>>>>,
    /// Packet counters.
    pub counters: Arc<Counters>,
    /// While set, silence goes out in place of the source (the source is still read, so a
    /// file keeps its pace).
    muted: Arc<std::sync::atomic::AtomicBool>,
    negotiated: std::sync::Mutex<Option<(Codec, u8)>>,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    dtmf: std::sync::Mutex<Option<mpsc::UnboundedSender<u8>>>,
    remote_dtmf_pt: std::sync::Mutex<Option<u8>>,
    digits_heard_tx: mpsc::UnboundedSender<char>,
    digits_heard: tokio::sync::Mutex<mpsc::UnboundedReceiver<char>>,
    /// What arrived of the far side's audio, and since when.
    received: Arc<std::sync::Mutex<(ReceiveStats, Option<Instant>)>>,
    /// The jitter buffer, when a device plays the call.
    playback: std::sync::Mutex<Option<Arc<std::sync::Mutex<Playback>>>>,
    /// Hands the sender a new source (a microphone chosen mid-call).
    new_source: std::sync::Mutex<Option<mpsc::UnboundedSender<Box<dyn AudioSource>>>>,
    /// The source in use: a device's (`0b01`), and gone (`0b10`), as the sender last saw it.
    source_state: Arc<std::sync::atomic::AtomicU8>,
    /// The source's last level in dBFS (`f32` bits; NaN when it is not metered).
    source_level: Arc<std::sync::atomic::AtomicU32>,
    /// When the quality was last reported, and the bytes received by then.
    last_report: std::sync::Mutex<Option<(Instant, u64)>>,
    /// The round trip the RTCP interceptor measured.
    rtt: RttReading,
}

impl std::fmt::Debug for MediaSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSession").field("ssrc", &self.ssrc).finish()
    }
}

impl MediaSession {
    /// A session that calls: its complete offer goes into the INVITE.
    pub async fn offering(config: &MediaConfig) -> Result<(MediaSession, String), MediaError> {
        let session = MediaSession::build(config, RTCDtlsRole::Client, None).await?;
        let offer = session.pc.create_offer(None).await.map_err(webrtc_error)?;
        session
            .pc
            .set_local_description(offer)
            .await
            .map_err(webrtc_error)?;
        let sdp = sdp::prefer_dtls_client(&session.local_sdp().await?);
        Ok((session, sdp))
    }

    /// A session that answers `offer`, and its complete answer. The DTLS role follows the
    /// offer: an offerer that will be the client (`setup:active`) gets `passive`, any other
    /// gets `active` (we start the handshake).
    pub async fn answering(config: &MediaConfig, offer: &str) -> Result<(MediaSession, String), MediaError> {
        let role = if offer.lines().any(|l| l.trim_end() == "a=setup:active") {
            RTCDtlsRole::Server
        } else {
            RTCDtlsRole::Client
        };
        // Our track sends what the answer will choose (the offer's first codec we speak): the
        // connection binds its RTCP sender reports only to a track whose codec was negotiated.
        let sending = sdp::negotiated_codec(offer)
            .map(|(codec, _)| codec)
            .filter(|codec| config.codecs.contains(codec));
        let session = MediaSession::build(config, role, sending).await?;
        let answer = session.answer(offer).await?;
        Ok((session, answer))
    }

    /// A session whose track sends `sending` (our first codec when `None`).
    async fn build(
        config: &MediaConfig,
        answering_role: RTCDtlsRole,
        sending: Option<Codec>,
    ) -> Result<MediaSession, MediaError> {
        let mut engine = MediaEngine::default();
        for codec in &config.codecs {
            engine
                .register_codec(codec_parameters(*codec), RtpCodecKind::Audio)
                .map_err(webrtc_error)?;
        }
        for events in telephone_events(&config.codecs) {
            engine
                .register_codec(events, RtpCodecKind::Audio)
                .map_err(webrtc_error)?;
        }
        // No mDNS: it needs a multicast interface (absent offline or on loopback) and SIP
        // peers cannot resolve .local names anyway. Loopback candidates are allowed.
        let settings = SettingEngineBuilder::new()
            .with_multicast_dns_mode(rtc::ice::mdns::MulticastDnsMode::Disabled)
            .with_include_loopback_candidate(true)
            .with_answering_dtls_role(answering_role)
            // Connectivity checks every 20 ms instead of the library's 200 ms: a call has a
            // handful of candidate pairs, and the first check's pacing was most of the wait
            // between the answer and the first audio. As many tries, for as long, as before.
            .with_ice_connection_attempts(Some(ICE_CHECK_EVERY), Some(ICE_CHECKS_PER_PAIR))
            .build();
        let ice_servers = config
            .ice_servers
            .iter()
            .map(|s| RTCIceServer {
                urls: s.urls.clone(),
                username: s.username.clone(),
                credential: s.credential.clone(),
            })
            .collect();
        let rtc_config = RTCConfigurationBuilder::new()
            .with_ice_servers(ice_servers)
            .build();
        let rtt = RttReading::default();
        let gathered = Arc::new(Notify::new());
        let gathering_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let connected = Arc::new(Notify::new());
        let (tracks_tx, tracks_rx) = mpsc::unbounded_channel();
        let handler = Arc::new(Handler {
            gathered: gathered.clone(),
            gathering_done: gathering_done.clone(),
            connected: connected.clone(),
            tracks: tracks_tx,
        });
        let pc = PeerConnectionBuilder::new()
            .with_configuration(rtc_config)
            .with_media_engine(engine)
            .with_setting_engine(settings)
            // RTCP sender and receiver reports, both ways: the far side learns our loss and
            // jitter, and its reports give us the round-trip time.
            .with_interceptor_registry(
                configure_rtcp_reports(Registry::new())
                    .with(Slot::from(RTT_SLOT), RttMeter::new(rtt.clone())),
            )
            .with_handler(handler)
            .with_udp_addrs(config.bind.clone())
            .build()
            .await
            .map_err(webrtc_error)?;
        let ssrc = rand::random::<u32>();
        let first = config.codecs.first().copied().unwrap_or(Codec::Pcmu);
        let track = Arc::new(TrackLocalStaticRTP::new(media_track(
            ssrc,
            sending.unwrap_or(first),
        )));
        pc.add_track(track.clone() as Arc<dyn TrackLocal>)
            .await
            .map_err(webrtc_error)?;
        let (digits_heard_tx, digits_heard) = mpsc::unbounded_channel();
        // add_track narrows the offer to the track's codec. No preference list offers every
        // codec registered above, in order: a list would be matched by MIME type alone, and
        // both telephone-event entries (48 and 8 kHz) would become the first one.
        for transceiver in pc.get_transceivers().await {
            transceiver
                .set_codec_preferences(Vec::new())
                .await
                .map_err(webrtc_error)?;
        }
        Ok(MediaSession {
            pc: Box::new(pc),
            track,
            ssrc,
            gathered,
            gathering_done,
            connected,
            tracks: std::sync::Mutex::new(Some(tracks_rx)),
            counters: Arc::new(Counters::default()),
            muted: Arc::default(),
            negotiated: std::sync::Mutex::new(None),
            tasks: std::sync::Mutex::new(Vec::new()),
            dtmf: std::sync::Mutex::new(None),
            remote_dtmf_pt: std::sync::Mutex::new(None),
            digits_heard_tx,
            digits_heard: tokio::sync::Mutex::new(digits_heard),
            received: Arc::new(std::sync::Mutex::new((ReceiveStats::default(), None))),
            playback: std::sync::Mutex::new(None),
            new_source: std::sync::Mutex::new(None),
            source_state: Arc::default(),
            source_level: Arc::new(std::sync::atomic::AtomicU32::new(f32::NAN.to_bits())),
            last_report: std::sync::Mutex::new(None),
            rtt,
        })
    }

    async fn local_sdp(&self) -> Result<String, MediaError> {
        if !self.gathering_done.load(Ordering::Acquire) {
            let _ = tokio::time::timeout(GATHER_TIMEOUT, self.gathered.notified()).await;
        }
        let local = self
            .pc
            .local_description()
            .await
            .ok_or_else(|| MediaError::WebRtc("no local description".into()))?;
        Ok(sdp::ask_for_mono(&sdp::fill_connection_address(&local.sdp)))
    }

    /// A new offer for this established session that puts the other side on hold (we only
    /// send: `sendonly`) or takes it off hold (`sendrecv`). ICE and DTLS stay as they are.
    pub async fn reoffer(&self, hold: bool) -> Result<String, MediaError> {
        let direction = if hold {
            RTCRtpTransceiverDirection::Sendonly
        } else {
            RTCRtpTransceiverDirection::Sendrecv
        };
        for transceiver in self.pc.get_transceivers().await {
            transceiver.set_direction(direction).await.map_err(webrtc_error)?;
        }
        let offer = self.pc.create_offer(None).await.map_err(webrtc_error)?;
        self.pc.set_local_description(offer).await.map_err(webrtc_error)?;
        Ok(sdp::prefer_dtls_client(&self.local_sdp().await?))
    }

    /// Applies the far side's answer to our offer.
    pub async fn accept_answer(&self, answer: &str) -> Result<(), MediaError> {
        let chosen = sdp::negotiated_codec(answer)
            .ok_or_else(|| MediaError::BadSdp("the answer has no audio codec we speak".into()))?;
        self.send_as(chosen.0).await?;
        let description = RTCSessionDescription::answer(answer.to_owned())
            .map_err(|e| MediaError::BadSdp(e.to_string()))?;
        self.pc
            .set_remote_description(description)
            .await
            .map_err(|e| MediaError::BadSdp(e.to_string()))?;
        self.set_negotiated(chosen, answer);
        Ok(())
    }

    /// Answers a new offer from the other side on this established session (a re-INVITE:
    /// being held, resumed, or media changed). ICE and DTLS stay as they are; the codec in use
    /// stays the one first negotiated.
    pub async fn answer_reoffer(&self, offer: &str) -> Result<String, MediaError> {
        let codec = self.codec();
        let answer = self.answer(offer).await?;
        if let (Some(before), Some(now)) = (codec, self.codec())
            && before != now
        {
            tracing::warn!(?before, ?now, "a re-offer changed the codec; the first one stays");
            if let Ok(mut negotiated) = self.negotiated.lock() {
                *negotiated = Some(before);
            }
        }
        Ok(answer)
    }

    async fn answer(&self, offer: &str) -> Result<String, MediaError> {
        let offer_text = offer;
        let offer = sdp::add_bundle_group(offer);
        let description =
            RTCSessionDescription::offer(offer).map_err(|e| MediaError::BadSdp(e.to_string()))?;
        self.pc
            .set_remote_description(description)
            .await
            .map_err(|e| MediaError::BadSdp(e.to_string()))?;
        let answer = self.pc.create_answer(None).await.map_err(webrtc_error)?;
        self.pc
            .set_local_description(answer)
            .await
            .map_err(webrtc_error)?;
        let local = self.local_sdp().await?;
        let chosen = sdp::negotiated_codec(&local)
            .ok_or_else(|| MediaError::BadSdp("the offer has no audio codec we speak".into()))?;
        let local = sdp::answer_telephone_event(&local, offer_text, chosen.0.clock_rate());
        self.set_negotiated(chosen, &local);
        Ok(local)
    }

    /// Before our offer's answer is applied, makes the sender's track name the codec the
    /// answer chose: the connection binds its RTCP sender reports (and with them the round trip)
    /// only to a track whose codec was negotiated. Same SSRC; RTP goes on through the track
    /// first added.
    async fn send_as(&self, codec: Codec) -> Result<(), MediaError> {
        if self.codec().is_some() {
            return Ok(()); // a re-offer: the streams are bound already
        }
        let track: Arc<dyn TrackLocal> = Arc::new(TrackLocalStaticRTP::new(media_track(self.ssrc, codec)));
        for transceiver in self.pc.get_transceivers().await {
            if let Some(sender) = transceiver.sender().await.map_err(webrtc_error)? {
                sender.replace_track(track.clone()).await.map_err(webrtc_error)?;
            }
        }
        Ok(())
    }

    fn set_negotiated(&self, chosen: (Codec, u8), sdp_text: &str) {
        if let Ok(mut negotiated) = self.negotiated.lock() {
            *negotiated = Some(chosen);
        }
        if let Ok(mut pt) = self.remote_dtmf_pt.lock() {
            *pt = sdp::telephone_event(sdp_text, chosen.0.clock_rate());
        }
    }

    /// Sends `digits` as RFC 4733 events, one after another. Errors when the far side did not
    /// accept `telephone-event` at the audio's clock rate (then use SIP INFO) or a character is
    /// not a DTMF digit.
    pub fn send_dtmf(&self, digits: &str) -> Result<(), MediaError> {
        if !crate::dtmf::valid(digits) {
            return Err(MediaError::Audio(format!("{digits:?} are not DTMF digits")));
        }
        if self.remote_dtmf_pt.lock().ok().and_then(|p| *p).is_none() {
            return Err(MediaError::WebRtc(
                "the other side takes no telephone-event here".into(),
            ));
        }
        let sender = self.dtmf.lock().ok().and_then(|s| s.clone());
        let sender = sender.ok_or_else(|| MediaError::WebRtc("media not started".into()))?;
        for code in digits.chars().filter_map(crate::dtmf::event_code) {
            sender
                .send(code)
                .map_err(|_| MediaError::WebRtc("media stopped".into()))?;
        }
        Ok(())
    }

    /// The codec and payload type in use, once negotiated.
    pub fn codec(&self) -> Option<(Codec, u8)> {
        self.negotiated.lock().ok().and_then(|n| *n)
    }

    /// Waits until ICE and DTLS are up (or `within` passes); returns whether they are.
    pub async fn connected(&self, within: Duration) -> bool {
        tokio::time::timeout(within, self.connected.notified())
            .await
            .is_ok()
    }

    /// Starts sending `source` and writing what arrives to `sink`.
    pub fn start(
        &self,
        mut source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
    ) -> Result<SinkHandle, MediaError> {
        let (codec, pt) = self
            .codec()
            .ok_or_else(|| MediaError::WebRtc("media started before negotiation".into()))?;
        let started = Instant::now();
        let track = self.track.clone();
        let dtmf_pt = self.remote_dtmf_pt.lock().ok().and_then(|p| *p);
        let (digits_tx, mut digits) = mpsc::unbounded_channel::<u8>();
        if let Ok(mut dtmf) = self.dtmf.lock() {
            *dtmf = Some(digits_tx);
        }
        let ssrc = self.ssrc;
        let counters = self.counters.clone();
        let muted = self.muted.clone();
        let (new_source_tx, mut new_source) = mpsc::unbounded_channel::<Box<dyn AudioSource>>();
        if let Ok(mut kept) = self.new_source.lock() {
            *kept = Some(new_source_tx);
        }
        let source_state = self.source_state.clone();
        let source_level = self.source_level.clone();
        let sink_paced = sink.device_paced();
        let sink = Arc::new(std::sync::Mutex::new(sink));
        // A speaker's clock takes frames out of the jitter buffer; a file takes packets as
        // they come.
        let playback = sink_paced.then(|| Arc::new(std::sync::Mutex::new(Playback::new(codec))));
        if let Ok(mut kept) = self.playback.lock() {
            kept.clone_from(&playback);
        }
        let speaker = playback.clone().map(|playback| Pump::new(playback, sink.clone()));
        // With a microphone and a speaker, one task looks at both devices every
        // DEVICE_POLL; otherwise the speaker has a task of its own.
        let (mut speaker_here, pump) = match speaker {
            Some(speaker) if source.device_paced() => (Some(speaker), None),
            Some(speaker) => (None, Some(tokio::spawn(speaker.run()))),
            None => (None, None),
        };
        let sender = tokio::spawn(async move {
            let mut encoder = Encoder::new(codec);
            let rate = encoder.input_rate();
            let mut sequence: u16 = rand::random();
            let mut timestamp: u32 = rand::random();
            // A microphone's clock paces the frames; a file is paced by the runtime's timer.
            let device_paced = source.device_paced();
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut first = true;
            let frame_samples = frame_len(rate) as u32;
            // The event being sent: its packets left and the timestamp of its start.
            let mut event: Option<(std::vec::IntoIter<[u8; 4]>, u32, bool)> = None;
            loop {
                if let Ok(switched) = new_source.try_recv() {
                    source = switched; // the old one closes as it drops
                }
                let state = u8::from(source.device_paced()) | (u8::from(source.failed()) << 1);
                source_state.store(state, Ordering::Relaxed);
                if device_paced {
                    while !source.frame_ready(rate) {
                        tokio::time::sleep(DEVICE_POLL).await;
                        if let Some(speaker) = speaker_here.as_mut() {
                            speaker.feed();
                        }
                    }
                } else {
                    tick.tick().await;
                }
                let mut frame = source.next_frame(encoder.input_rate());
                source_level.store(source.level().unwrap_or(f32::NAN).to_bits(), Ordering::Relaxed);
                if muted.load(Ordering::Relaxed) {
                    frame.fill(0);
                }
                if event.is_none()
                    && dtmf_pt.is_some()
                    && let Ok(code) = digits.try_recv()
                {
                    let packets = crate::dtmf::event_payloads(code, rate, frame_samples);
                    event = Some((packets.into_iter(), timestamp, true));
                }
                let (payload, payload_type, marker, stamp) = match (&mut event, dtmf_pt) {
                    (Some((packets, start, starting)), Some(dtmf_pt)) => match packets.next() {
                        Some(bytes) => {
                            let marker = std::mem::replace(starting, false);
                            (bytes.to_vec(), dtmf_pt, marker, *start)
                        }
                        None => {
                            event = None;
                            continue;
                        }
                    },
                    _ => {
                        let Some(payload) = encoder.encode(&frame) else {
                            continue;
                        };
                        (payload, pt, first, timestamp)
                    }
                };
                let packet = rtc::rtp::Packet {
                    header: rtc::rtp::header::Header {
                        version: 2,
                        marker,
                        payload_type,
                        sequence_number: sequence,
                        timestamp: stamp,
                        ssrc,
                        ..Default::default()
                    },
                    payload: Bytes::from(payload),
                };
                first = false;
                sequence = sequence.wrapping_add(1);
                timestamp = timestamp.wrapping_add(frame_samples);
                if track.write_rtp(packet).await.is_err() {
                    // Nothing more can be sent; a speaker fed from here plays on until the
                    // call ends this task.
                    if let Some(speaker) = speaker_here.take() {
                        speaker.run().await;
                    }
                    return;
                }
                counters.sent.fetch_add(1, Ordering::Relaxed);
            }
        });
        if let Ok(mut received) = self.received.lock() {
            let clock_rate = if codec == Codec::Opus { 48_000 } else { 8_000 };
            *received = (ReceiveStats::new(clock_rate), None);
        }
        // Events arrive with the payload type of either side's SDP (they are the same
        // unless a peer renumbers).
        let event_pts: Vec<u8> = dtmf_pt.into_iter().chain([our_event_pt(codec)]).collect();
        let receiving = {
            let sink = sink.clone();
            let counters = self.counters.clone();
            let digits_heard = self.digits_heard_tx.clone();
            let receiver_tracks = self.tracks.lock().ok().and_then(|mut t| t.take());
            let received = self.received.clone();
            tokio::spawn(async move {
                let Some(mut tracks) = receiver_tracks else { return };
                while let Some(track) = tracks.recv().await {
                    let sink = sink.clone();
                    let playback = playback.clone();
                    let received = received.clone();
                    let counters = counters.clone();
                    let (digits_heard, event_pts) = (digits_heard.clone(), event_pts.clone());
                    tokio::spawn(async move {
                        let mut decoder = FrameDecoder::new(codec);
                        let mut decoded = vec![0i16; MAX_OPUS_SAMPLES];
                        let mut events = crate::dtmf::EventReader::default();
                        while let Some(event) = track.poll().await {
                            let TrackRemoteEvent::OnRtpPacket(packet) = event else {
                                continue;
                            };
                            if counters.received.fetch_add(1, Ordering::Relaxed) == 0 {
                                let us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                                counters.first_received_us.store(us.max(1), Ordering::Relaxed);
                            }
                            let payload_type = packet.header.payload_type;
                            if payload_type != pt {
                                // Not audio: a telephone event, or comfort noise.
                                if event_pts.contains(&payload_type)
                                    && let Some(digit) = events.read(packet.header.timestamp, &packet.payload)
                                {
                                    let _ = digits_heard.send(digit);
                                }
                                continue;
                            }
                            if let Ok(mut stats) = received.lock() {
                                let header = &packet.header;
                                let now = Instant::now();
                                stats.0.on_packet(
                                    now,
                                    header.sequence_number,
                                    header.timestamp,
                                    packet.payload.len(),
                                );
                                stats.1.get_or_insert(now);
                            }
                            if let Some(playback) = &playback {
                                if let Ok(mut playback) = playback.lock() {
                                    let header = &packet.header;
                                    playback.push(
                                        Instant::now(),
                                        header.sequence_number,
                                        header.timestamp,
                                        &packet.payload,
                                    );
                                }
                            } else if let Some(n) = decoder.decode(&packet.payload, &mut decoded)
                                && let Ok(mut sink) = sink.lock()
                            {
                                sink.write(decoder.rate(), &decoded[..n]);
                            }
                        }
                    });
                }
            })
        };
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.push(sender);
            tasks.push(receiving);
            tasks.extend(pump);
        }
        Ok(SinkHandle { sink })
    }

    /// Sends `source` from now on in place of the current one (a microphone chosen mid-call,
    /// or the default standing in for one unplugged). `false` before the audio started.
    pub fn switch_source(&self, source: Box<dyn AudioSource>) -> bool {
        self.new_source
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(|tx| tx.send(source).is_ok()))
            .unwrap_or(false)
    }

    /// The microphone's level in dBFS, when a device is the source.
    pub fn source_level(&self) -> Option<f32> {
        let level = f32::from_bits(self.source_level.load(Ordering::Relaxed));
        (!level.is_nan()).then_some(level)
    }

    /// Whether the source in use is a device's, and whether that device went away.
    pub fn source_device(&self) -> (bool, bool) {
        let state = self.source_state.load(Ordering::Relaxed);
        (state & 1 != 0, state & 2 != 0)
    }

    /// The call's quality figures now, the bitrate since the last report (a hold earlier in
    /// the call does not drag it down).
    pub async fn quality(&self) -> Quality {
        let now = Instant::now();
        let since = self.received.lock().ok().map(|received| {
            let bytes = received.0.bytes();
            let last = self
                .last_report
                .lock()
                .ok()
                .and_then(|mut last| last.replace((now, bytes)));
            last.unwrap_or((received.1.unwrap_or(now), 0))
        });
        self.figures(now, since).await
    }

    /// The call's quality over the whole call (the bitrate from the first packet on): what
    /// the call's record keeps.
    pub async fn summary(&self) -> Quality {
        let now = Instant::now();
        let first = self.received.lock().ok().and_then(|received| received.1);
        self.figures(now, first.map(|at| (at, 0))).await
    }

    /// The figures, with the bitrate over the bytes counted after `since` (instant, bytes then).
    /// The mouth-to-ear delay for the MOS is half the RTCP round trip (the network's share,
    /// when measured), the jitter buffer's delay, a frame of packetization and one of device
    /// buffering.
    async fn figures(&self, now: Instant, since: Option<(Instant, u64)>) -> Quality {
        let codec = self.codec().map(|(c, _)| c);
        let (jitter_ms, loss_percent, bytes) = match self.received.lock() {
            Ok(received) => (
                received.0.jitter_ms(),
                received.0.loss_percent(),
                received.0.bytes(),
            ),
            Err(_) => (0.0, 0.0, 0),
        };
        let bitrate_kbps = since.map_or(0.0, |(from, counted)| {
            let seconds = now.saturating_duration_since(from).as_secs_f64();
            if seconds > 0.0 {
                bytes.saturating_sub(counted) as f64 * 8.0 / seconds / 1e3
            } else {
                0.0
            }
        });
        let playback = self.playback.lock().ok().and_then(|p| p.clone());
        let (buffer_ms, concealed) = playback
            .and_then(|p| p.lock().ok().map(|p| (p.jitter_stats().target_ms, p.concealed())))
            .unwrap_or((0.0, 0));
        let rtt_ms = self.rtt.millis();
        let round = |x: f64| (x * 10.0).round() / 10.0;
        let one_way = rtt_ms.map_or(0.0, |rtt| rtt / 2.0);
        Quality {
            codec,
            bitrate_kbps: round(bitrate_kbps),
            jitter_ms: round(jitter_ms),
            loss_percent: round(loss_percent),
            rtt_ms: rtt_ms.map(round),
            buffer_ms: round(buffer_ms),
            concealed,
            mos: mos(codec, one_way + buffer_ms + 40.0, loss_percent),
        }
    }

    /// Sends silence instead of the source (`on`), or the source again.
    pub fn set_muted(&self, on: bool) {
        self.muted.store(on, Ordering::Relaxed);
    }

    /// Whether the microphone is muted.
    pub fn muted(&self) -> bool {
        self.muted.load(Ordering::Relaxed)
    }

    /// The next DTMF digit the other side sent as an RFC 4733 event (waits until one comes).
    /// Cancel-safe.
    pub async fn next_digit(&self) -> Option<char> {
        self.digits_heard.lock().await.recv().await
    }

    /// Stops the media and closes the connection.
    pub async fn close(&self) {
        if let Ok(mut tasks) = self.tasks.lock() {
            for task in tasks.drain(..) {
                task.abort();
            }
        }
        if let Err(error) = self.pc.close().await {
            tracing::debug!(%error, "closing the media connection");
        }
    }
}

/// The sink of a started session, to finish it (complete the recording) after the call.
pub struct SinkHandle {
    sink: Arc<std::sync::Mutex<Box<dyn AudioSink>>>,
}

impl SinkHandle {
    /// Plays into `sink` from now on in place of the current one, which is finished.
    pub fn switch(&self, sink: Box<dyn AudioSink>) -> Result<(), MediaError> {
        let mut current = self
            .sink
            .lock()
            .map_err(|_| MediaError::Audio("the sink failed".into()))?;
        let mut old = std::mem::replace(&mut *current, sink);
        drop(current);
        old.finish()
    }

    /// The speaker's level in dBFS, when a device is the sink.
    pub fn level(&self) -> Option<f32> {
        self.sink.lock().ok().and_then(|s| s.level())
    }

    /// Plays at `gain` (1 is as received), when the sink is a device.
    pub fn set_volume(&self, gain: f32) {
        if let Ok(mut sink) = self.sink.lock() {
            sink.set_volume(gain);
        }
    }

    /// Whether the sink is a device's, and whether that device went away.
    pub fn device(&self) -> (bool, bool) {
        self.sink
            .lock()
            .map(|s| (s.device_paced(), s.failed()))
            .unwrap_or((false, false))
    }

    /// The call's voice processing, when the sink is a device feeding its echo canceller.
    pub fn voice(&self) -> Option<crate::voice::Voice> {
        self.sink.lock().ok().and_then(|s| s.voice())
    }

    /// Completes the sink.
    pub fn finish(&self) -> Result<(), MediaError> {
        match self.sink.lock() {
            Ok(mut sink) => sink.finish(),
            Err(_) => Err(MediaError::Audio("the recorder failed".into())),
        }
    }
}

/// Encodes 20 ms frames for one codec (Opus: mono voice at 48 kHz).
enum Encoder {
    Pcmu,
    Pcma,
    Opus(Box<opus::Encoder>),
    /// Opus could not be set up: nothing is sent (logged once).
    Broken,
}

impl Encoder {
    fn new(codec: Codec) -> Encoder {
        match codec {
            Codec::Pcmu => Encoder::Pcmu,
            Codec::Pcma => Encoder::Pcma,
            Codec::Opus => match opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip) {
                Ok(encoder) => Encoder::Opus(Box::new(encoder)),
                Err(error) => {
                    tracing::error!(%error, "the Opus encoder could not start");
                    Encoder::Broken
                }
            },
        }
    }

    fn input_rate(&self) -> u32 {
        match self {
            Encoder::Pcmu | Encoder::Pcma => 8_000,
            Encoder::Opus(_) | Encoder::Broken => 48_000,
        }
    }

    fn encode(&mut self, frame: &[i16]) -> Option<Vec<u8>> {
        match self {
            Encoder::Pcmu => Some(frame.iter().map(|s| g711::linear_to_ulaw(*s)).collect()),
            Encoder::Pcma => Some(frame.iter().map(|s| g711::linear_to_alaw(*s)).collect()),
            Encoder::Opus(encoder) => encoder.encode_vec(frame, 1500).ok(),
            Encoder::Broken => None,
        }
    }
}

/// How often a device-paced side looks at its device's ring (the device's clock sets the pace;
/// this only bounds how late a frame is noticed). 10 ms: every 4 ms cost a fifth more of the
/// runtime's CPU in a call for nothing a 20 ms frame needs.
pub(crate) const DEVICE_POLL: Duration = Duration::from_millis(10);

/// Feeds a device-paced sink from the jitter buffer: a frame each time the speaker has room,
/// resampled a little faster or slower to follow the far side's clock.
struct Pump {
    playback: Arc<std::sync::Mutex<Playback>>,
    sink: Arc<std::sync::Mutex<Box<dyn AudioSink>>>,
    drift: DriftControl,
    frame: Vec<i16>,
}

impl Pump {
    fn new(
        playback: Arc<std::sync::Mutex<Playback>>,
        sink: Arc<std::sync::Mutex<Box<dyn AudioSink>>>,
    ) -> Pump {
        // A frame of the codec's length, even from a poisoned lock: an empty one would never
        // fill the speaker's room.
        let frame_samples = playback
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .frame_samples();
        Pump {
            playback,
            sink,
            drift: DriftControl::new(),
            frame: vec![0i16; frame_samples],
        }
    }

    /// Tops the speaker up; `false` once the call's audio is torn down (a lock poisoned).
    fn feed(&mut self) -> bool {
        let Ok(mut sink) = self.sink.lock() else {
            return false;
        };
        let Ok(mut playback) = self.playback.lock() else {
            return false;
        };
        playback.fill_speaker(sink.as_mut(), &mut self.drift, Instant::now(), &mut self.frame);
        true
    }

    /// Feeds the speaker every [`DEVICE_POLL`], as a task of its own.
    async fn run(mut self) {
        while self.feed() {
            tokio::time::sleep(DEVICE_POLL).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IceServer;

    #[test]
    fn a_turn_credential_never_prints() {
        let server = IceServer {
            urls: vec!["turn:127.0.0.1:3478".into()],
            username: "agent".into(),
            credential: "turn-s3cret".into(),
        };
        let text = format!("{server:?}");
        assert!(!text.contains("turn-s3cret") && text.contains("***"), "{text}");
    }
}
