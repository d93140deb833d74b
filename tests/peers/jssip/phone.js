// A browser softphone for the calling tests: JsSIP registered over WebSocket, sending a sine
// tone made with WebAudio as its microphone and keeping what it hears for a tone check.
// driver.mjs bundles this file, loads it into headless Chromium and relays commands (JSON
// objects) and events (JSON lines) between the test and the page.
import JsSIP from 'jssip';

const emit = (event) => window.leadlineEmit(event);

/** Goertzel power of `frequency` in `frame`, as a share of the frame's energy (1 for a pure tone). */
function toneShare(frame, rate, frequency) {
  const w = (2 * Math.PI * frequency) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of frame) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return energy > 0 ? (2 * power) / (frame.length * energy) : 0;
}

window.startPhone = async (config) => {
  const context = new AudioContext({ sampleRate: 48000 });
  let microphone;
  if (config.devices) {
    microphone = { stream: await navigator.mediaDevices.getUserMedia({ audio: true }) };
  } else {
    const oscillator = context.createOscillator();
    oscillator.frequency.value = config.tone;
    const gain = context.createGain();
    gain.gain.value = 0.5;
    microphone = context.createMediaStreamDestination();
    oscillator.connect(gain).connect(microphone);
    oscillator.start();
  }

  const frames = [];
  // Packets received, counted while the connection lives (its stats go when it closes).
  let packets = 0;
  const hear = (pc) => {
    const counting = setInterval(async () => {
      if (pc.connectionState === 'closed') {
        clearInterval(counting);
        return;
      }
      let received = 0;
      (await pc.getStats()).forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') received += report.packetsReceived;
      });
      packets = Math.max(packets, received);
    }, 250);
    pc.addEventListener('track', (event) => {
      const stream = event.streams[0] || new MediaStream([event.track]);
      // Chromium feeds WebAudio from a remote stream only while a media element plays it.
      const element = new Audio();
      element.muted = !config.devices;
      element.srcObject = stream;
      element.play().catch(() => {});
      const source = context.createMediaStreamSource(stream);
      const analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      source.connect(analyser);
      setInterval(() => {
        const frame = new Float32Array(analyser.fftSize);
        analyser.getFloatTimeDomainData(frame);
        frames.push(frame);
      }, 50);
    });
  };

  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(config.wsUrl)],
    uri: `sip:${config.user}@${config.domain}`,
    password: config.password,
    register: true,
    register_expires: 600,
    session_timers: false,
    user_agent: 'JsSIP test peer',
  });
  let session = null;
  const options = () => ({
    mediaStream: microphone.stream,
    pcConfig: { iceServers: [] },
  });
  const follow = (s) => {
    session = s;
    s.on('peerconnection', (e) => hear(e.peerconnection));
    if (s.connection) hear(s.connection);
    s.on('progress', () => emit({ event: 'ringing' }));
    s.on('confirmed', () => emit({ event: 'confirmed' }));
    // The answer to the first audio packet received, polled closely (the figure compared
    // with other phones' in docs/benchmarks.md).
    s.on('accepted', () => {
      const answered = performance.now();
      const poll = async () => {
        const pc = s.connection;
        if (!pc || pc.connectionState === 'closed' || performance.now() - answered > 10000) return;
        let received = 0;
        (await pc.getStats()).forEach((report) => {
          if (report.type === 'inbound-rtp' && report.kind === 'audio') received += report.packetsReceived;
        });
        if (received > 0) emit({ event: 'first_audio', ms: performance.now() - answered });
        else setTimeout(poll, 2);
      };
      poll();
    });
    s.on('ended', (e) => emit({ event: 'ended', originator: e.originator, cause: e.cause }));
    s.on('failed', (e) => emit({ event: 'failed', originator: e.originator, cause: e.cause }));
    s.on('hold', (e) => emit({ event: 'hold', originator: e.originator }));
    s.on('unhold', (e) => emit({ event: 'unhold', originator: e.originator }));
    // Chromium may keep gathering (other candidate types) long after the loopback candidate
    // that is all a call here needs: go on with what is there.
    s.on('icecandidate', (e) => {
      if (e.candidate.candidate.includes(' 127.0.0.1 ')) e.ready();
    });
    for (const failure of ['getusermediafailed', 'peerconnection:createofferfailed', 'peerconnection:createanswerfailed', 'peerconnection:setlocaldescriptionfailed', 'peerconnection:setremotedescriptionfailed']) {
      s.on(failure, (error) => emit({ event: 'error', stage: failure, message: String(error) }));
    }
    s.on('newDTMF', (e) => {
      if (e.originator === 'remote') emit({ event: 'dtmf', digit: e.dtmf.tone });
    });
  };
  ua.on('registered', () => emit({ event: 'registered' }));
  ua.on('registrationFailed', (e) => emit({ event: 'registration_failed', cause: e.cause }));
  ua.on('newRTCSession', (e) => {
    if (e.originator !== 'remote') return;
    follow(e.session);
    const from = e.request.from;
    emit({ event: 'incoming', number: from.uri.user, name: from.display_name || null });
    if (config.autoAnswer) {
      try {
        e.session.answer(options());
      } catch (error) {
        emit({ event: 'error', stage: 'answer', message: String(error) });
      }
    }
  });
  ua.start();

  window.phoneCommand = async (command) => {
    switch (command.cmd) {
      case 'dial':
        follow(ua.call(command.target, options()));
        return;
      case 'answer':
        session?.answer(options());
        return;
      case 'hangup':
        session?.terminate();
        return;
      case 'hold':
        session?.hold();
        return;
      case 'unhold':
        session?.unhold();
        return;
      case 'dtmf':
        try {
          session?.sendDTMF(command.tones, { transportType: command.transport || 'RFC2833' });
        } catch (error) {
          emit({ event: 'error', stage: 'dtmf', message: String(error) });
        }
        return;
      case 'heard': {
        // A block counts as the tone when it is loud enough and mostly that frequency.
        const loud = frames.filter((f) => f.reduce((a, x) => a + x * x, 0) / f.length > 1e-5);
        const tone = loud.filter((f) => toneShare(f, context.sampleRate, command.frequency) > 0.5);
        emit({ event: 'heard', blocks: frames.length, loud_blocks: loud.length, tone_blocks: tone.length, packets_received: packets });
        return;
      }
      default:
        emit({ event: 'error', message: `unknown command ${command.cmd}` });
    }
  };
};
