//! Merging the forms of one entity that recent tweets used.
//!
//! "Bieber" alone is ambiguous in general but not in a window where the only
//! long form ending (or starting) with it is "Justin Bieber"; "#justinbieber"
//! cannot be split without a dictionary, but squashed it equals a recent
//! "justin bieber". So the recent long forms (two tokens or more) are indexed
//! by their parts and by their squashed spelling, each index entry claimed by
//! one long form or marked ambiguous when two claim it. Only forms of the
//! same type merge.
//!
//! Handles are learned, not guessed: a tweet holding both `@justinbieber`
//! and a person or organisation name whose squashed form equals the handle
//! teaches `@justinbieber → Justin Bieber` (and the name's type), which then
//! holds in tweets without the name.
//!
//! Memory is bounded by two generations per index: inserts go to the
//! current one, lookups see both, and the current one becomes the previous
//! one (dropping the old previous) when it is full or older than the window.
//! "Recent" therefore means between one and two windows.

use crate::hash::{hash_bytes_after, hash_pair, mix, BuildFingerprint};
use crate::normalize::{squash, Form, Surface};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

type FpMap<V> = HashMap<u64, V, BuildFingerprint>;

/// Who claims an index entry: the id of one long form, or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Claim {
    One(u64),
    Many,
}

/// Index keys are hashes of (type, form): no allocation per lookup, and a
/// fixed size per entry (64-bit collisions are negligible at these sizes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Generation {
    started_ms: i64,
    /// Id → key of every long form registered in this generation.
    longs: FpMap<String>,
    /// (type, part) → long form (last tokens or first token).
    parts: FpMap<Claim>,
    /// (type, squashed) → long form.
    squashed: FpMap<Claim>,
    entries: usize,
    bytes: usize,
}

impl Generation {
    fn claim(map: &mut FpMap<Claim>, k: u64, long: u64) -> usize {
        match map.get_mut(&k) {
            Some(c) => {
                if *c != Claim::One(long) {
                    *c = Claim::Many;
                }
                0
            }
            None => {
                map.insert(k, Claim::One(long));
                16 + ENTRY_OVERHEAD
            }
        }
    }
}

/// Rough per-entry bookkeeping of a hash map entry beyond its strings.
const ENTRY_OVERHEAD: usize = 48;

fn part_key(ty: &str, part: &str) -> u64 {
    hash_pair(ty, part)
}

/// [`part_key`] of the squashed key, hashed without building it (space and
/// underscore bytes never occur inside a multi-byte UTF-8 character).
fn squash_key(ty: &str, key: &str) -> u64 {
    let squashed = key.bytes().filter(|&b| b != b' ' && b != b'_');
    mix(hash_bytes_after(ty, squashed) ^ 0x0000_5351_5541_5348)
}

/// The recent-forms index and the learned handle map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aliases {
    window_ms: i64,
    capacity: usize,
    name_types: Vec<String>,
    cur: Generation,
    prev: Generation,
    handles_cur: HashMap<String, (String, String), BuildFingerprint>,
    handles_prev: HashMap<String, (String, String), BuildFingerprint>,
    handle_bytes: usize,
}

impl Aliases {
    /// An empty index: `capacity` entries across both generations, a
    /// generation lasting at most `window_ms`; handles map to names of
    /// `name_types` (already normalised).
    pub fn new(window_ms: i64, capacity: usize, name_types: Vec<String>) -> Self {
        Aliases {
            window_ms,
            capacity: capacity.max(2),
            name_types,
            cur: Generation::default(),
            prev: Generation::default(),
            handles_cur: HashMap::default(),
            handles_prev: HashMap::default(),
            handle_bytes: 0,
        }
    }

    fn rotate_if_due(&mut self, now_ms: i64) {
        let old = now_ms.saturating_sub(self.cur.started_ms) >= self.window_ms;
        if old || self.cur.entries >= self.capacity / 2 {
            self.prev = std::mem::take(&mut self.cur);
            self.cur.started_ms = now_ms;
        }
        if self.handles_cur.len() >= self.capacity / 2 {
            self.handles_prev = std::mem::take(&mut self.handles_cur);
            self.handle_bytes = 0;
        }
    }

    fn lookup(&self, which: fn(&Generation) -> &FpMap<Claim>, k: u64) -> Option<&str> {
        let cur = which(&self.cur).get(&k);
        let prev = which(&self.prev).get(&k);
        let id = match (cur, prev) {
            (Some(Claim::One(a)), Some(Claim::One(b))) if a != b => return None,
            (Some(Claim::One(a)), None | Some(Claim::One(_))) => *a,
            (None, Some(Claim::One(b))) => *b,
            _ => return None,
        };
        self.cur
            .longs
            .get(&id)
            .or_else(|| self.prev.longs.get(&id))
            .map(String::as_str)
    }

    /// Learns `@handle → name` from one tweet's mentions (key, form, type).
    pub fn learn_handles(&mut self, mentions: &[(&Surface, &str)]) {
        for (h, _) in mentions.iter().filter(|(s, _)| s.form == Form::Handle) {
            let target = squash(&h.key);
            let name = mentions.iter().find(|(s, ty)| {
                s.form != Form::Handle
                    && self.name_types.iter().any(|t| t == ty)
                    && squash(&s.key) == target
            });
            if let Some((n, ty)) = name {
                if self
                    .handles_cur
                    .get(&h.key)
                    .is_none_or(|(k, t)| *k != n.key || t != ty)
                {
                    self.handle_bytes += h.key.len() + n.key.len() + ty.len() + ENTRY_OVERHEAD;
                    self.handles_cur
                        .insert(h.key.clone(), (n.key.clone(), ty.to_string()));
                }
            }
        }
    }

    /// The canonical (key, type) of one mention at `now_ms` when it is
    /// another form's alias, `None` when it is its own canonical form; long
    /// forms are registered on the way.
    pub fn resolve(&mut self, s: &Surface, ty: &str, now_ms: i64) -> Option<(String, String)> {
        self.rotate_if_due(now_ms);
        if s.form == Form::Handle {
            let known = self
                .handles_cur
                .get(&s.key)
                .or_else(|| self.handles_prev.get(&s.key));
            if let Some((k, t)) = known {
                return Some((k.clone(), t.clone()));
            }
        }
        if let Some(long) = self.lookup(|g| &g.parts, part_key(ty, &s.key)) {
            return Some((long.to_string(), ty.to_string()));
        }
        if !s.key.contains(' ') {
            if let Some(long) = self.lookup(|g| &g.squashed, squash_key(ty, &s.key)) {
                if long != s.key {
                    return Some((long.to_string(), ty.to_string()));
                }
            }
        } else {
            self.register_long(ty, &s.key);
        }
        None
    }

    fn register_long(&mut self, ty: &str, key: &str) {
        let id = part_key(ty, key) ^ 0x4c4f_4e47;
        if self.cur.longs.contains_key(&id) {
            return;
        }
        let mut added = 8 + key.len() + ENTRY_OVERHEAD;
        let mut entries = 1;
        self.cur.longs.insert(id, key.to_string());
        // Suffixes start after each space; the first token ends at the first.
        let mut parts: Vec<&str> = key.match_indices(' ').map(|(i, _)| &key[i + 1..]).collect();
        if let Some(first) = key.split(' ').next() {
            parts.push(first);
        }
        for p in parts {
            let c = Generation::claim(&mut self.cur.parts, part_key(ty, p), id);
            entries += usize::from(c > 0);
            added += c;
        }
        let c = Generation::claim(&mut self.cur.squashed, squash_key(ty, key), id);
        entries += usize::from(c > 0);
        added += c;
        self.cur.entries += entries;
        self.cur.bytes += added;
    }

    /// Estimated bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.cur.bytes + self.prev.bytes + self.handle_bytes * 2 + std::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    const H: i64 = 3_600_000;

    fn aliases() -> Aliases {
        Aliases::new(6 * H, 10_000, vec!["person".into(), "company".into()])
    }

    fn res(a: &mut Aliases, text: &str, ty: &str, t: i64) -> String {
        let s = normalize(text).unwrap();
        a.resolve(&s, ty, t).map_or(s.key, |r| r.0)
    }

    #[test]
    fn short_forms_merge_into_the_one_recent_long_form() {
        let mut a = aliases();
        assert_eq!(res(&mut a, "Bieber", "person", 0), "bieber"); // nothing known yet
        assert_eq!(res(&mut a, "Justin Bieber", "person", 1), "justin bieber");
        assert_eq!(res(&mut a, "Bieber", "person", 2), "justin bieber");
        assert_eq!(res(&mut a, "Justin", "person", 3), "justin bieber");
        assert_eq!(res(&mut a, "#justinbieber", "person", 4), "justin bieber");
        // Other types do not merge.
        assert_eq!(res(&mut a, "Bieber", "product", 5), "bieber");
        // A second long form starting with "Justin" makes "Justin" ambiguous.
        assert_eq!(res(&mut a, "Justin Trudeau", "person", 6), "justin trudeau");
        assert_eq!(res(&mut a, "Justin", "person", 7), "justin");
        assert_eq!(res(&mut a, "Bieber", "person", 8), "justin bieber");
        assert_eq!(res(&mut a, "Luther King", "person", 9), "luther king");
        assert_eq!(
            res(&mut a, "Martin Luther King", "person", 9),
            "martin luther king"
        );
        // "Luther King" registered itself as a long form first: now it is
        // a part of "martin luther king" and merges.
        assert_eq!(
            res(&mut a, "Luther King", "person", 10),
            "martin luther king"
        );
    }

    #[test]
    fn long_forms_are_forgotten_after_two_windows() {
        let mut a = aliases();
        res(&mut a, "Justin Bieber", "person", 0);
        assert_eq!(res(&mut a, "Bieber", "person", 5 * H), "justin bieber");
        // The generation rotated: the long form is still in the previous one.
        assert_eq!(res(&mut a, "Bieber", "person", 7 * H), "justin bieber");
        assert_eq!(res(&mut a, "Bieber", "person", 14 * H), "bieber");
    }

    #[test]
    fn handles_are_learned_from_tweets_holding_both_forms() {
        let mut a = aliases();
        let h = normalize("@justinbieber").unwrap();
        assert_eq!(a.resolve(&h, "other", 0), None);
        let n = normalize("Justin Bieber").unwrap();
        a.learn_handles(&[(&h, "other"), (&n, "person")]);
        assert_eq!(
            a.resolve(&h, "other", 1),
            Some(("justin bieber".into(), "person".into()))
        );
        // Not learned from a type that is not a person or organisation.
        let g = normalize("@parisfrance").unwrap();
        let p = normalize("Paris France").unwrap();
        a.learn_handles(&[(&g, "other"), (&p, "geo-loc")]);
        assert_eq!(a.resolve(&g, "other", 2), None);
    }

    #[test]
    fn capacity_bounds_the_index() {
        let mut a = Aliases::new(1_000 * H, 1_000, vec![]);
        for i in 0..100_000 {
            res(&mut a, &format!("name{i} surname{i}"), "person", i);
        }
        assert!(a.cur.entries + a.prev.entries <= 1_000 + 8);
        assert!(a.memory_bytes() < 200_000, "{}", a.memory_bytes());
    }
}
