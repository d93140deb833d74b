//! Jitter on the wire where the kernel has no `netem`: the packets an iptables rule sends to
//! an NFQUEUE are held in this process for a random time each, uniformly between none and
//! `max`, and then let through, so they arrive late and out of order, as over a congested
//! Wi-Fi. Runs on its own thread until dropped; the rule's `--queue-bypass` lets packets
//! through unheld once nobody listens.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the delaying thread did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Held {
    /// Packets held and let through.
    pub packets: u64,
    /// Packets let through before one that came earlier (reordered).
    pub overtaken: u64,
}

/// Packets of NFQUEUE `queue` held for 0 to `max` each, while this lives.
pub struct Jitter {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Held>>,
}

impl Jitter {
    /// Starts holding the packets of NFQUEUE `queue` (bound before this returns).
    pub fn start(queue: u16, max: Duration) -> Jitter {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let (bound_tx, bound) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut nfqueue = match nfq::Queue::open().and_then(|mut q| q.bind(queue).map(|()| q)) {
                Ok(q) => q,
                Err(error) => {
                    let _ = bound_tx.send(Err(error.to_string()));
                    return Held::default();
                }
            };
            nfqueue.set_nonblocking(true);
            let _ = bound_tx.send(Ok(()));
            hold(&mut nfqueue, max, &stopping)
        });
        bound
            .recv()
            .expect("the jitter thread reports")
            .unwrap_or_else(|error| panic!("NFQUEUE {queue} cannot be bound: {error}"));
        Jitter {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops holding packets (those held go through) and says what was done.
    pub fn finish(mut self) -> Held {
        self.stop.store(true, Ordering::SeqCst);
        self.thread
            .take()
            .map(|t| t.join().expect("the jitter thread ends"))
            .unwrap_or_default()
    }
}

impl Drop for Jitter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Takes packets in, lets each through when its time comes, every millisecond.
fn hold(nfqueue: &mut nfq::Queue, max: Duration, stop: &AtomicBool) -> Held {
    let max_us = u64::try_from(max.as_micros()).unwrap_or(u64::MAX).max(1);
    // Held packets by (release time, arrival order).
    let mut held: BTreeMap<(Instant, u64), nfq::Message> = BTreeMap::new();
    let (mut arrived, mut released_up_to, mut done) = (0u64, 0u64, Held::default());
    loop {
        while let Ok(message) = nfqueue.recv() {
            let delay = Duration::from_micros(rand::random_range(0..max_us));
            held.insert((Instant::now() + delay, arrived), message);
            arrived += 1;
        }
        let now = Instant::now();
        while let Some(entry) = held.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, order), mut message) = entry.remove_entry();
            message.set_verdict(nfq::Verdict::Accept);
            if nfqueue.verdict(message).is_err() {
                continue; // the packet is gone (its socket closed): nothing to let through
            }
            done.packets += 1;
            if order < released_up_to {
                done.overtaken += 1;
            }
            released_up_to = released_up_to.max(order + 1);
        }
        if stop.load(Ordering::SeqCst) && held.is_empty() {
            return done;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
