//! The messages a worker has taken from the bus and not yet acknowledged.
//!
//! The source files each message under the record number it hands to the
//! pipeline; the sink takes it back when the record's result is written, and
//! acknowledges it only after the bus has confirmed the result. A worker that
//! dies with entries here has acknowledged none of them, so the bus delivers
//! them again: that is the whole at-least-once argument.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value;

/// One message in flight.
#[derive(Debug)]
pub struct Entry<A> {
    /// What acknowledges it on its bus.
    pub ack: A,
    /// The key its result is published under (the tweet id).
    pub key: Option<String>,
    /// The raw message, kept for a dead letter.
    pub payload: Vec<u8>,
    /// Where it came from (partition and offset, stream sequence).
    pub origin: Value,
    /// When it was taken from the bus.
    pub consumed: Instant,
}

/// Entries by record number, shared by a worker's source and sink.
#[derive(Debug)]
pub struct Ledger<A> {
    entries: Mutex<HashMap<usize, Entry<A>>>,
    peak: AtomicUsize,
}

impl<A> Default for Ledger<A> {
    fn default() -> Self {
        Ledger {
            entries: Mutex::new(HashMap::new()),
            peak: AtomicUsize::new(0),
        }
    }
}

impl<A> Ledger<A> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Entry<A>>> {
        // A panic elsewhere cannot leave the map half-updated (single inserts
        // and removes), so a poisoned lock is still a consistent one.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Files `entry` under record `seq`; returns how many are in flight.
    pub fn insert(&self, seq: usize, entry: Entry<A>) -> usize {
        let mut map = self.lock();
        map.insert(seq, entry);
        let n = map.len();
        self.peak.fetch_max(n, Ordering::Relaxed);
        n
    }

    /// Takes record `seq` back, `None` if it was never filed.
    pub fn take(&self, seq: usize) -> Option<Entry<A>> {
        self.lock().remove(&seq)
    }

    /// Messages in flight now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most that were ever in flight at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ack: u32) -> Entry<u32> {
        Entry {
            ack,
            key: None,
            payload: Vec::new(),
            origin: Value::Null,
            consumed: Instant::now(),
        }
    }

    #[test]
    fn entries_come_back_once_and_the_peak_is_kept() {
        let ledger = Ledger::default();
        assert_eq!(ledger.insert(1, entry(10)), 1);
        assert_eq!(ledger.insert(2, entry(20)), 2);
        assert_eq!(ledger.take(1).map(|e| e.ack), Some(10));
        assert!(ledger.take(1).is_none());
        assert_eq!(ledger.len(), 1);
        assert_eq!(ledger.peak(), 2);
        assert_eq!(ledger.take(2).map(|e| e.ack), Some(20));
        assert!(ledger.is_empty());
    }
}
