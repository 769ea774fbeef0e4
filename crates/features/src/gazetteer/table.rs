//! A compact string-keyed lookup table for the compiled gazetteer.
//!
//! The WNUT-16 lexicon compiles to ~700k canonical n-grams. As a
//! `HashMap<String, Node>` that costs ~60 MB (a 24-byte `String` plus a heap block
//! per key, and a bucket array sized to the next power of two) — half of a tagger's
//! resident memory. Here all key bytes live in one buffer, each key is a `u32` end
//! offset, node data is a `u32` index into the few distinct [`Node`] values, and the
//! hash index is an open-addressing array of `u32` key numbers: ~20 MB for the same
//! lexicon, with one hash probe (usually one key comparison) per lookup, as before.

use std::collections::HashMap;

use super::Node;

/// Marks an empty slot of the index.
const EMPTY: u32 = u32::MAX;

/// Keys of the table; lookups return the [`Node`] stored with a key.
#[derive(Debug, Clone, Default)]
pub(super) struct NodeTable {
    /// All keys' UTF-8 bytes, back to back.
    bytes: Vec<u8>,
    /// `ends[i]`: end of key `i` in `bytes` (it starts at `ends[i - 1]`, or 0).
    ends: Vec<u32>,
    /// `node_of[i]`: index of key `i`'s node in `nodes`.
    node_of: Vec<u32>,
    /// The distinct node values (a handful of group-bit patterns).
    nodes: Vec<Node>,
    /// Open addressing, linear probing: key numbers or [`EMPTY`]; length a power of two.
    slots: Vec<u32>,
}

/// A fast, deterministic 64-bit string hash (multiply-rotate over 8-byte words). The
/// table is built from trusted model files, so collision attacks are not a concern.
fn hash(key: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h: u64 = key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    // Fold the high bits down: the slot index uses the low bits.
    h ^ (h >> 29)
}

impl NodeTable {
    /// Number of keys.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    fn key_bytes(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// Key number `i` (keys are only ever inserted from `&str`, so the bytes are UTF-8).
    pub(super) fn key(&self, i: usize) -> &str {
        std::str::from_utf8(self.key_bytes(i)).unwrap_or("")
    }

    /// The node stored with key number `i`.
    pub(super) fn node_at(&self, i: usize) -> Node {
        self.nodes[self.node_of[i] as usize]
    }

    /// The slot holding `key`, or the empty slot where it would go.
    fn find_slot(&self, key: &[u8]) -> usize {
        let mask = self.slots.len() - 1;
        let mut s = hash(key) as usize & mask;
        loop {
            let k = self.slots[s];
            if k == EMPTY || self.key_bytes(k as usize) == key {
                return s;
            }
            s = (s + 1) & mask;
        }
    }

    /// The number of `key`, if present.
    pub(super) fn index(&self, key: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        match self.slots[self.find_slot(key.as_bytes())] {
            EMPTY => None,
            k => Some(k as usize),
        }
    }

    /// The node stored with `key`, if present.
    pub(super) fn get(&self, key: &str) -> Option<Node> {
        self.index(key).map(|i| self.node_at(i))
    }

    /// Rebuild the index with room for `keys` keys at a load factor of at most 3/4.
    fn reindex(&mut self, keys: usize) {
        let cap = (keys * 4 / 3 + 1).next_power_of_two().max(16);
        self.slots = vec![EMPTY; cap];
        for i in 0..self.len() {
            let s = self.find_slot(self.key_bytes(i));
            self.slots[s] = i as u32;
        }
    }

    /// The number of `key`, inserting it with a default node if absent.
    fn intern(&mut self, key: &str) -> usize {
        if (self.len() + 1) * 4 > self.slots.len() * 3 {
            self.reindex((self.len() + 1) * 2);
        }
        let s = self.find_slot(key.as_bytes());
        if self.slots[s] != EMPTY {
            return self.slots[s] as usize;
        }
        let i = self.len();
        self.bytes.extend_from_slice(key.as_bytes());
        self.ends.push(self.bytes.len() as u32);
        self.node_of.push(EMPTY);
        self.slots[s] = i as u32;
        i
    }

    /// Release spare capacity once building is done.
    fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.node_of.shrink_to_fit();
        self.nodes.shrink_to_fit();
    }
}

/// Builds a [`NodeTable`] by updating nodes key by key.
#[derive(Debug, Default)]
pub(super) struct NodeTableBuilder {
    table: NodeTable,
    interned: HashMap<Node, u32>,
}

impl NodeTableBuilder {
    /// Combine `f` into the node of `key` (inserted as the default node if absent).
    pub(super) fn update(&mut self, key: &str, f: impl FnOnce(&mut Node)) {
        let i = self.table.intern(key);
        let mut node = match self.table.node_of[i] {
            EMPTY => Node::default(),
            n => self.table.nodes[n as usize],
        };
        f(&mut node);
        let next = self.table.nodes.len() as u32;
        let n = *self.interned.entry(node).or_insert(next);
        if n == next {
            self.table.nodes.push(node);
        }
        self.table.node_of[i] = n;
    }

    /// Reserve room for about `keys` keys of `bytes` bytes in all.
    pub(super) fn reserve(&mut self, keys: usize, bytes: usize) {
        self.table.bytes.reserve(bytes);
        self.table.ends.reserve(keys);
        self.table.node_of.reserve(keys);
        if keys * 4 > self.table.slots.len() * 3 {
            self.table.reindex(keys);
        }
    }

    pub(super) fn finish(mut self) -> NodeTable {
        self.table.shrink();
        self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(groups: u64, prefix: bool) -> Node {
        Node { groups, prefix }
    }

    #[test]
    fn inserted_keys_are_found_and_others_are_not() {
        let mut b = NodeTableBuilder::default();
        let keys: Vec<String> = (0..5000).map(|i| format!("w{i} x{}", i * 7)).collect();
        for (i, k) in keys.iter().enumerate() {
            b.update(k, |n| n.groups |= 1 << (i % 3));
        }
        b.update("w1 x7", |n| n.prefix = true);
        let t = b.finish();
        assert_eq!(t.len(), keys.len());
        for (i, k) in keys.iter().enumerate() {
            let want = node(1 << (i % 3), i == 1);
            assert_eq!(t.get(k), Some(want), "{k}");
            assert_eq!(t.key(t.index(k).unwrap_or(usize::MAX)), k.as_str());
        }
        assert_eq!(t.get("w1"), None);
        assert_eq!(t.get(""), None);
        assert_eq!(t.get("w1 x8"), None);
        // Only the distinct node values are stored.
        assert_eq!(t.nodes.len(), 4);
    }

    #[test]
    fn empty_table_finds_nothing() {
        let t = NodeTableBuilder::default().finish();
        assert_eq!(t.get("a"), None);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn hash_depends_on_every_byte_and_the_length() {
        assert_ne!(hash(b"abcdefghi"), hash(b"abcdefghj"));
        assert_ne!(hash(b"a"), hash(b"a\0"));
        assert_ne!(hash(b""), hash(b"\0"));
    }
}
