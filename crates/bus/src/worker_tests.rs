//! The worker against an in-memory bus: which messages get results, dead
//! letters and acknowledgements, in what order, and how many are held at once.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use tweetner_core::testing::CapsTagger;

use super::*;

#[derive(Default)]
struct Bus {
    input: VecDeque<(Vec<u8>, Option<String>)>,
    next_offset: usize,
    published: Vec<(Destination, Option<String>, Value)>,
    confirmed: usize,
    acked: Vec<usize>,
    /// `confirm` fails once this many results are published.
    fail_at: Option<usize>,
    confirm_delay: Duration,
    /// When set, the inbox stays quiet this long after its input ends
    /// (before standing in for SIGTERM) and notes what was acknowledged then.
    idle_before_stop: Option<Duration>,
    idle_since: Option<std::time::Instant>,
    acked_while_idle: Option<usize>,
}

type Shared = Arc<Mutex<Bus>>;

struct MemInbox(Shared, Arc<AtomicBool>);

impl Inbox for MemInbox {
    type Ack = usize;

    fn receive(&mut self, _wait: Duration) -> Result<Option<Incoming<usize>>, BusError> {
        let mut bus = self.0.lock().unwrap();
        let Some((payload, key)) = bus.input.pop_front() else {
            if let Some(idle) = bus.idle_before_stop {
                let since = *bus.idle_since.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() < idle {
                    drop(bus);
                    std::thread::sleep(Duration::from_millis(10));
                    return Ok(None);
                }
                bus.acked_while_idle = Some(bus.acked.len());
            }
            // The end of the test's input stands in for SIGTERM.
            self.1.store(true, Ordering::SeqCst);
            return Ok(None);
        };
        let offset = bus.next_offset;
        bus.next_offset += 1;
        Ok(Some(Incoming {
            payload,
            key,
            origin: json!({ "offset": offset }),
            redelivered: false,
            ack: offset,
        }))
    }

    fn lag(&mut self) -> Option<u64> {
        Some(self.0.lock().unwrap().input.len() as u64)
    }
}

struct MemOutbox(Shared);

impl Outbox for MemOutbox {
    type Ack = usize;

    fn publish(
        &mut self,
        dest: Destination,
        key: Option<&str>,
        payload: Vec<u8>,
    ) -> Result<(), BusError> {
        let value = serde_json::from_slice(&payload).expect("payloads are JSON");
        self.0
            .lock()
            .unwrap()
            .published
            .push((dest, key.map(String::from), value));
        Ok(())
    }

    fn confirm(&mut self) -> Result<u64, BusError> {
        let delay = self.0.lock().unwrap().confirm_delay;
        std::thread::sleep(delay);
        let mut bus = self.0.lock().unwrap();
        if bus.fail_at.is_some_and(|n| bus.published.len() >= n) {
            return Err(BusError::Publish {
                bus: "memory",
                message: "broker gone".into(),
            });
        }
        bus.confirmed = bus.published.len();
        Ok(0)
    }

    fn ack(&mut self, acks: Vec<usize>) -> Result<bool, BusError> {
        let mut bus = self.0.lock().unwrap();
        assert!(
            bus.acked.len() + acks.len() <= bus.confirmed,
            "acknowledged before confirmed"
        );
        bus.acked.extend(acks);
        Ok(true)
    }
}

fn bus_with(messages: Vec<(String, Option<&str>)>) -> Shared {
    let bus = Bus {
        input: messages
            .into_iter()
            .map(|(p, k)| (p.into_bytes(), k.map(String::from)))
            .collect(),
        ..Bus::default()
    };
    Arc::new(Mutex::new(bus))
}

/// `n` keyed tweets, `tweet {i} {about}`.
fn numbered(n: usize, about: &str) -> Vec<(String, Option<&'static str>)> {
    (0..n)
        .map(|i| {
            (
                format!(r#"{{"id": {i}, "text": "tweet {i} {about}"}}"#),
                None,
            )
        })
        .collect()
}

fn opts(workers: usize, chunk: usize) -> WorkerOptions {
    WorkerOptions {
        run: RunOptions {
            workers,
            chunk,
            queue: 2,
            max_wait: Duration::from_millis(5),
        },
        ack_every: 64,
        ..WorkerOptions::default()
    }
}

fn work(bus: &Shared, opts: &WorkerOptions) -> (Result<Summary, PipelineError>, Arc<Metrics>) {
    let stop = Arc::new(AtomicBool::new(false));
    let metrics = Metrics::new("memory");
    let inbox = MemInbox(Arc::clone(bus), Arc::clone(&stop));
    let outbox = MemOutbox(Arc::clone(bus));
    let r = run_worker(
        inbox,
        outbox,
        &CapsTagger::new(),
        opts,
        stop,
        Arc::clone(&metrics),
    );
    (r, metrics)
}

#[test]
fn every_message_gets_a_keyed_result_or_a_dead_letter_and_all_are_acked() {
    let bus = bus_with(vec![
        (r#"{"id": "1", "text": "Paris in spring"}"#.into(), None),
        (r#"{"id": 2, "text": "with Obama"}"#.into(), None),
        ("not json".into(), Some("k3")),
        (r#"{"id": "4"}"#.into(), None),
        (r#"{"text": "keyed by the message"}"#.into(), Some("k5")),
        (r#"{"text": "no key at all"}"#.into(), None),
        (r#"{"id": [1], "text": "odd id"}"#.into(), None),
        (r#"{"id": "8", "text": "   "}"#.into(), None),
    ]);
    let (summary, metrics) = work(&bus, &opts(2, 3));
    let summary = summary.unwrap();
    assert_eq!((summary.read, summary.written, summary.rejected), (8, 3, 5));
    let bus = bus.lock().unwrap();
    let results: Vec<_> = bus
        .published
        .iter()
        .filter(|p| p.0 == Destination::Results)
        .collect();
    let keys: Vec<_> = results.iter().map(|p| p.1.as_deref().unwrap()).collect();
    assert_eq!(keys, ["1", "2", "k5"]);
    assert_eq!(results[0].2["entities"][0]["text"], "Paris");
    assert_eq!(results[1].2["id"], 2, "the input object is passed through");
    let letters: Vec<&Value> = bus
        .published
        .iter()
        .filter(|p| p.0 == Destination::DeadLetter)
        .map(|p| &p.2)
        .collect();
    assert_eq!(letters.len(), 5);
    assert!(letters[0]["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
    assert_eq!(letters[0]["record"], "not json");
    assert_eq!(letters[0]["key"], "k3");
    assert_eq!(letters[0]["origin"]["offset"], 2);
    assert_eq!(letters[1]["error"], "missing field `text`");
    assert!(letters[2]["error"]
        .as_str()
        .unwrap()
        .contains("no `id` field and no message key"));
    assert!(letters[3]["error"]
        .as_str()
        .unwrap()
        .contains("must be a non-empty string"));
    assert_eq!(letters[4]["error"], "empty text");
    let acked: HashSet<usize> = bus.acked.iter().copied().collect();
    assert_eq!(acked, (0..8).collect());
    assert_eq!(metrics.acked.load(Ordering::Relaxed), 8);
    assert_eq!(metrics.dead_lettered.load(Ordering::Relaxed), 5);
    assert_eq!(metrics.in_flight.load(Ordering::Relaxed), 0);
}

#[test]
fn nothing_past_a_failed_publish_is_acknowledged() {
    let messages = numbered(500, "from Rome");
    let bus = bus_with(messages);
    bus.lock().unwrap().fail_at = Some(200);
    let (result, _) = work(&bus, &opts(2, 16));
    let err = result.unwrap_err();
    assert!(err.to_string().contains("broker gone"), "{err}");
    let bus = bus.lock().unwrap();
    assert!(bus.acked.len() < 200, "acked {} of 500", bus.acked.len());
    assert!(bus.acked.len() <= bus.confirmed);
}

#[test]
fn a_slow_bus_holds_a_bounded_number_of_messages() {
    let messages = numbered(20_000, "about Madrid");
    let bus = bus_with(messages);
    bus.lock().unwrap().confirm_delay = Duration::from_micros(300);
    let (summary, metrics) = work(&bus, &opts(2, 16));
    assert_eq!(summary.unwrap().written, 20_000);
    assert_eq!(bus.lock().unwrap().acked.len(), 20_000);
    // Queues of 2 chunks of 16, 2 workers, 64 published awaiting their
    // acknowledgement: a few hundred at most, whatever the input's length.
    let peak = metrics.in_flight_peak.load(Ordering::Relaxed);
    assert!(peak > 0 && peak <= 400, "{peak} messages were held at once");
}

#[test]
fn a_quiet_input_is_acknowledged_by_time_without_more_messages() {
    let messages = numbered(50, "about Oslo");
    let bus = bus_with(messages);
    bus.lock().unwrap().idle_before_stop = Some(Duration::from_millis(600));
    let opts = WorkerOptions {
        ack_interval: Duration::from_millis(100),
        ..opts(2, 16)
    };
    let (summary, _) = work(&bus, &opts);
    assert_eq!(summary.unwrap().written, 50);
    // Far fewer than ack_every (64) results: only the idle writer's ticks
    // can have acknowledged them before the stop.
    assert_eq!(bus.lock().unwrap().acked_while_idle, Some(50));
}
