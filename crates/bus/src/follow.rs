//! Following a topic without publishing: what `tweetner serve
//! --trends-bus` does with the workers' results topic, so the trend
//! detector sees every tweet the stream workers tag.
//!
//! Messages are handed over in batches and acknowledged after the batch
//! was handled, so a follower that dies re-reads what it had not finished
//! (at least once; the trend detector drops repeated tweet ids). A follower
//! uses a consumer group (Kafka) or durable consumer (NATS) of its own, so
//! it reads every result next to the group that may archive them.

use std::time::{Duration, Instant};

use crate::error::BusError;
use crate::worker::Inbox;

/// The acknowledging half of a follower (a worker's [`crate::Outbox`]
/// acknowledges too, after publishing).
pub trait Acknowledge: Send {
    /// What acknowledges one message (the [`Inbox`]'s).
    type Ack: Send + 'static;

    /// Acknowledges handled messages; `Ok(false)` when the bus refused in a
    /// way it recovers from by itself (they are delivered again).
    ///
    /// # Errors
    /// The bus connection failed.
    fn ack(&mut self, acks: Vec<Self::Ack>) -> Result<bool, BusError>;
}

/// How a follower batches.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// Most messages per batch.
    pub batch: usize,
    /// How long a batch waits to fill once it holds a message.
    pub linger: Duration,
    /// How long one wait for a message lasts (and so how often `stop` is asked).
    pub poll: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            batch: 512,
            linger: Duration::from_millis(100),
            poll: Duration::from_millis(100),
        }
    }
}

/// What a follower did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowCounts {
    /// Messages handed to `deliver`.
    pub delivered: u64,
    /// Batches acknowledged.
    pub batches: u64,
    /// Batches the bus refused to acknowledge (they come again).
    pub refused: u64,
}

/// Takes messages from `inbox` until `stop` says so, hands their payloads
/// to `deliver` in batches, and acknowledges each batch after it.
///
/// # Errors
/// The inbox or the acknowledgements failed for good.
pub fn follow<I, A>(
    inbox: &mut I,
    acks: &mut A,
    opts: &FollowOptions,
    stop: &dyn Fn() -> bool,
    deliver: &mut dyn FnMut(Vec<Vec<u8>>),
) -> Result<FollowCounts, BusError>
where
    I: Inbox,
    A: Acknowledge<Ack = I::Ack>,
{
    let mut counts = FollowCounts::default();
    let batch = opts.batch.max(1);
    while !stop() {
        let mut payloads = Vec::new();
        let mut tokens = Vec::new();
        let mut first: Option<Instant> = None;
        while payloads.len() < batch {
            let wait = match first {
                None => opts.poll,
                Some(t) => match opts.linger.checked_sub(t.elapsed()) {
                    Some(left) if !left.is_zero() => left,
                    _ => break,
                },
            };
            match inbox.receive(wait)? {
                Some(m) => {
                    first.get_or_insert_with(Instant::now);
                    payloads.push(m.payload);
                    tokens.push(m.ack);
                }
                None if first.is_some() || stop() => break,
                None => {}
            }
        }
        if payloads.is_empty() {
            continue;
        }
        counts.delivered += payloads.len() as u64;
        deliver(payloads);
        if acks.ack(tokens)? {
            counts.batches += 1;
        } else {
            counts.refused += 1;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::Incoming;
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    struct Queue(Vec<Vec<u8>>, usize);

    impl Inbox for Queue {
        type Ack = usize;
        fn receive(&mut self, _wait: Duration) -> Result<Option<Incoming<usize>>, BusError> {
            if self.1 >= self.0.len() {
                return Ok(None);
            }
            self.1 += 1;
            Ok(Some(Incoming {
                payload: self.0[self.1 - 1].clone(),
                key: None,
                origin: json!({}),
                redelivered: false,
                ack: self.1 - 1,
            }))
        }
        fn lag(&mut self) -> Option<u64> {
            None
        }
    }

    struct Acks(Arc<Mutex<Vec<usize>>>);

    impl Acknowledge for Acks {
        type Ack = usize;
        fn ack(&mut self, acks: Vec<usize>) -> Result<bool, BusError> {
            self.0.lock().unwrap().extend(acks);
            Ok(true)
        }
    }

    #[test]
    fn every_message_is_delivered_in_batches_and_acknowledged_after() {
        let n = 1_234;
        let mut inbox = Queue((0..n).map(|i| format!("{i}").into_bytes()).collect(), 0);
        let acked = Arc::new(Mutex::new(Vec::new()));
        let mut acks = Acks(Arc::clone(&acked));
        let seen = Mutex::new(Vec::new());
        let opts = FollowOptions {
            batch: 100,
            linger: Duration::from_millis(5),
            poll: Duration::from_millis(1),
        };
        let acked_view = Arc::clone(&acked);
        let done = || seen.lock().unwrap().len() >= n;
        let mut deliver = |batch: Vec<Vec<u8>>| {
            assert!(batch.len() <= 100);
            // Nothing of this batch is acknowledged before it is handled.
            let first: usize = String::from_utf8(batch[0].clone())
                .unwrap()
                .parse()
                .unwrap();
            assert!(!acked_view.lock().unwrap().contains(&first));
            seen.lock().unwrap().extend(batch);
        };
        let counts = follow(&mut inbox, &mut acks, &opts, &done, &mut deliver).unwrap();
        assert_eq!(counts.delivered, n as u64);
        assert_eq!(counts.batches, 13);
        let acked = acked.lock().unwrap();
        assert_eq!(acked.len(), n);
        assert!(acked.iter().enumerate().all(|(i, &a)| i == a));
    }
}
