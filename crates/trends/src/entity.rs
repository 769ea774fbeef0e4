//! Exact state of one heavy-hitter entity.

use crate::config::MAX_SCALES;
use crate::stats::EwStats;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Most surface variants kept per entity (the first ones seen win a place).
pub const MAX_VARIANTS: usize = 8;
/// Most co-occurring partners tracked per entity.
pub const MAX_PARTNERS: usize = 8;
/// Tweet ids kept as samples.
pub const SAMPLE_IDS: usize = 5;
/// Longest stored variant text, in characters, and sample id, in bytes.
const MAX_TEXT_CHARS: usize = 96;
const MAX_ID_BYTES: usize = 64;

/// One way the entity was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// The text as written (trimmed, bounded).
    pub text: String,
    /// Mentions counted with it.
    pub count: u32,
    /// Plain words that normalise to the canonical key itself (display candidates).
    pub exact: bool,
}

/// An entity this one co-occurred with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    /// The partner's fingerprint.
    pub fp: u64,
    /// Forward-decayed count of tweets holding both (topic lane).
    pub co: f64,
}

/// Per-entity state; decayed values are in forward units (see [`crate::decay`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityState {
    /// Canonical key.
    pub key: String,
    /// Normalised type.
    pub ty: String,
    /// Decayed distinct-author counts, one per window.
    pub counts: [f64; MAX_SCALES],
    /// Baseline of the entity's share of traffic, one per window.
    pub base: [EwStats; MAX_SCALES],
    /// Trend score peak (trend lane).
    pub peak: f64,
    /// Times of the last `min_support` counted mentions (support test).
    pub recent: VecDeque<i64>,
    /// Ids of the last few counted tweets.
    pub samples: VecDeque<String>,
    /// Surface variants.
    pub variants: Vec<Variant>,
    /// Co-occurring entities.
    pub partners: Vec<Partner>,
    /// Whether a burst is on.
    pub bursting: bool,
    /// Last mention at which some window looked at least half as strong as a burst.
    pub last_hot_ms: i64,
    /// When the last burst started.
    pub last_burst_ms: Option<i64>,
    /// Topic while bursting.
    pub topic: Option<u64>,
}

impl EntityState {
    /// A fresh entry with counts and baseline share taken from the sketch.
    pub fn new(key: String, ty: String, counts: [f64; MAX_SCALES], share: f64) -> Self {
        EntityState {
            key,
            ty,
            counts,
            base: [EwStats::starting_at(share); MAX_SCALES],
            peak: 0.0,
            recent: VecDeque::new(),
            samples: VecDeque::new(),
            variants: Vec::new(),
            partners: Vec::new(),
            bursting: false,
            last_hot_ms: i64::MIN,
            last_burst_ms: None,
            topic: None,
        }
    }

    /// Records one counted mention at `t` in tweet `id`, written `text`.
    pub fn note_mention(&mut self, t: i64, id: &str, text: &str, exact: bool, support: usize) {
        if self.samples.capacity() == 0 {
            // One allocation each, at the first mention, instead of regrowth.
            self.recent.reserve_exact(support + 1);
            self.samples.reserve_exact(SAMPLE_IDS);
        }
        self.recent.push_back(t);
        while self.recent.len() > support {
            self.recent.pop_front();
        }
        let mut cut = id.len().min(MAX_ID_BYTES);
        while !id.is_char_boundary(cut) {
            cut -= 1;
        }
        // Reuse the oldest sample's buffer: no allocation once full.
        let mut buf = if self.samples.len() == SAMPLE_IDS {
            self.samples.pop_front().unwrap_or_default()
        } else {
            String::new()
        };
        buf.clear();
        buf.push_str(&id[..cut]);
        self.samples.push_back(buf);
        let text = text.trim();
        let text = match text.len() > MAX_TEXT_CHARS {
            true => text
                .char_indices()
                .nth(MAX_TEXT_CHARS)
                .map_or(text, |(i, _)| &text[..i]),
            false => text,
        };
        if let Some(v) = self.variants.iter_mut().find(|v| v.text == text) {
            v.count = v.count.saturating_add(1);
        } else if self.variants.len() < MAX_VARIANTS {
            self.variants.push(Variant {
                text: text.to_string(),
                count: 1,
                exact,
            });
        }
    }

    /// Counts one co-occurrence with `fp`; a full list replaces its weakest.
    pub fn add_partner(&mut self, fp: u64, w: f64) {
        if let Some(p) = self.partners.iter_mut().find(|p| p.fp == fp) {
            p.co += w;
        } else if self.partners.len() < MAX_PARTNERS {
            self.partners
                .reserve_exact(MAX_PARTNERS - self.partners.len());
            self.partners.push(Partner { fp, co: w });
        } else if let Some(weakest) = self
            .partners
            .iter_mut()
            .min_by(|a, b| a.co.total_cmp(&b.co))
        {
            *weakest = Partner { fp, co: w };
        }
    }

    /// Whether `t` is within `window_ms` of the oldest of the last `support`
    /// counted mentions (i.e. `support` distinct authors in the window).
    pub fn has_support(&self, t: i64, window_ms: i64, support: usize) -> bool {
        self.recent.len() >= support
            && self
                .recent
                .front()
                .is_some_and(|&f| t.saturating_sub(f) <= window_ms)
    }

    /// The display form: the commonest plain spelling of the canonical key,
    /// else the commonest variant, else the key.
    pub fn display(&self) -> String {
        let best = |exact_only: bool| {
            self.variants
                .iter()
                .filter(|v| v.exact || !exact_only)
                .max_by(|a, b| a.count.cmp(&b.count).then_with(|| b.text.cmp(&a.text)))
        };
        best(true)
            .or_else(|| best(false))
            .map_or_else(|| self.key.clone(), |v| v.text.clone())
    }

    /// Variant texts, most frequent first.
    pub fn variant_texts(&self) -> Vec<String> {
        let mut v: Vec<&Variant> = self.variants.iter().collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
        v.into_iter().map(|v| v.text.clone()).collect()
    }

    /// Scales every forward-decayed value (after a landmark move).
    pub fn rescale(&mut self, lanes: &[f64], topic_factor: f64, trend_factor: f64) {
        for (c, f) in self.counts.iter_mut().zip(lanes) {
            *c *= f;
        }
        for p in &mut self.partners {
            p.co *= topic_factor;
        }
        self.peak *= trend_factor;
    }

    /// Heap bytes owned beyond the struct itself.
    pub fn heap_bytes(&self) -> usize {
        self.key.capacity()
            + self.ty.capacity()
            + self.recent.capacity() * 8
            + self
                .samples
                .iter()
                .map(|s| s.capacity() + std::mem::size_of::<String>())
                .sum::<usize>()
            + self
                .variants
                .iter()
                .map(|v| v.text.capacity() + std::mem::size_of::<Variant>())
                .sum::<usize>()
            + self.partners.capacity() * std::mem::size_of::<Partner>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e() -> EntityState {
        EntityState::new(
            "justin bieber".into(),
            "person".into(),
            [0.0; MAX_SCALES],
            0.0,
        )
    }

    #[test]
    fn display_prefers_the_plain_canonical_spelling() {
        let mut s = e();
        for _ in 0..3 {
            s.note_mention(0, "1", "Bieber", false, 5);
        }
        s.note_mention(0, "2", "Justin Bieber", true, 5);
        assert_eq!(s.display(), "Justin Bieber");
        assert_eq!(s.variant_texts(), ["Bieber", "Justin Bieber"]);
    }

    #[test]
    fn support_needs_enough_recent_mentions() {
        let mut s = e();
        for t in [0, 10, 20, 30] {
            s.note_mention(t, "x", "x", true, 5);
        }
        assert!(!s.has_support(30, 100, 5));
        s.note_mention(40, "x", "x", true, 5);
        assert!(s.has_support(40, 100, 5));
        assert!(!s.has_support(40, 39, 5));
        assert_eq!(s.recent.len(), 5);
    }

    #[test]
    fn samples_and_variants_and_partners_are_bounded() {
        let mut s = e();
        for i in 0..100 {
            s.note_mention(i, &"9".repeat(500), &format!("v{i}"), false, 5);
            s.add_partner(i as u64, 1.0 + i as f64);
        }
        assert_eq!(s.samples.len(), SAMPLE_IDS);
        assert!(s.samples.iter().all(|x| x.len() <= MAX_ID_BYTES));
        assert_eq!(s.variants.len(), MAX_VARIANTS);
        assert_eq!(s.partners.len(), MAX_PARTNERS);
        // The strongest (latest, heaviest) partners survive.
        assert!(s.partners.iter().any(|p| p.fp == 99));
    }
}
