//! Re-balancing entity types by repeating or thinning out tweets.
//!
//! Silver data inherits the type mix of wherever its tweets came from: the
//! unlabeled tweets are 36% place names and 1% music artists, where WNUT-16
//! dev is 18% and 6%. A student trained on that mix learns the mix. Giving
//! each type a weight and writing every tweet as many times as the largest
//! weight among its entities says (a fraction of a copy decided by a hash of
//! the tweet's tokens, so a run is repeatable and a tweet's fate does not
//! depend on its position) shifts the mix without inventing tags.

use std::collections::BTreeMap;

use crate::conll::Sentence;

/// The most copies one tweet may get: more than this is a typo, not a plan.
pub const MAX_TYPE_WEIGHT: f64 = 100.0;

/// Entity type → weight; types not named weigh 1, tweets without entities too.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TypeWeights {
    weights: BTreeMap<String, f64>,
}

impl TypeWeights {
    /// Parse `TYPE=W[,TYPE=W…]`, each weight in `0..=`[`MAX_TYPE_WEIGHT`].
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut weights = BTreeMap::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (ty, w) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not TYPE=WEIGHT"))?;
            let ty = ty.trim();
            if ty.is_empty() || ty.starts_with("B-") || ty.starts_with("I-") || ty == "O" {
                return Err(format!("`{part}`: name an entity type, without B-/I-"));
            }
            let w: f64 = w
                .trim()
                .parse()
                .map_err(|_| format!("`{part}`: the weight is not a number"))?;
            if !(0.0..=MAX_TYPE_WEIGHT).contains(&w) {
                return Err(format!(
                    "`{part}`: the weight must be in 0..={MAX_TYPE_WEIGHT}"
                ));
            }
            if weights.insert(ty.to_string(), w).is_some() {
                return Err(format!("type `{ty}` is weighted twice"));
            }
        }
        if weights.is_empty() {
            return Err("no type is weighted".into());
        }
        Ok(TypeWeights { weights })
    }

    /// The weight of a tweet: the largest weight among the types of its BIO
    /// tags, 1 for a type not named or a tweet without entities.
    pub fn weight(&self, sentence: &Sentence) -> f64 {
        let mut types = sentence
            .tags
            .iter()
            .filter_map(|t| t.split_once('-').map(|(_, ty)| ty))
            .peekable();
        if types.peek().is_none() {
            return 1.0;
        }
        types
            .map(|ty| self.weights.get(ty).copied().unwrap_or(1.0))
            .fold(0.0, f64::max)
    }

    /// How many times to write the tweet: the whole part of its weight, plus
    /// one more for a share of tweets equal to the fraction, chosen by a hash
    /// of the tokens and `seed`.
    pub fn copies(&self, sentence: &Sentence, seed: u64) -> usize {
        let w = self.weight(sentence);
        let whole = w.floor();
        let u = unit_hash(&sentence.tokens, seed);
        whole as usize + usize::from(u < w - whole)
    }
}

/// FNV-1a over the tokens (each followed by a 0 byte) and the seed, mapped to [0, 1).
fn unit_hash(tokens: &[String], seed: u64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    for b in seed.to_le_bytes() {
        eat(b);
    }
    for t in tokens {
        t.bytes().for_each(&mut eat);
        eat(0);
    }
    // A final mix so that the low bits of similar tweets differ too.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(tokens: &[&str], tags: &[&str]) -> Sentence {
        Sentence {
            tokens: tokens.iter().map(|s| s.to_string()).collect(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            columns: Vec::new(),
            line: 0,
        }
    }

    #[test]
    fn parse_accepts_weights_and_refuses_nonsense() {
        let w = TypeWeights::parse("musicartist=3, geo-loc=0.5").unwrap();
        assert_eq!(w.weights.len(), 2);
        for bad in [
            "",
            "musicartist",
            "B-person=2",
            "O=2",
            "person=x",
            "person=-1",
            "person=101",
            "person=NaN",
            "person=1,person=2",
            "=2",
        ] {
            assert!(TypeWeights::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_tweet_weighs_what_its_heaviest_type_weighs() {
        let w = TypeWeights::parse("musicartist=3,geo-loc=0.5").unwrap();
        let s = |tags: &[&str]| sentence(&["a", "b", "c"], tags);
        assert_eq!(w.weight(&s(&["O", "O", "O"])), 1.0);
        assert_eq!(w.weight(&s(&["B-geo-loc", "O", "O"])), 0.5);
        assert_eq!(w.weight(&s(&["B-geo-loc", "O", "B-person"])), 1.0);
        assert_eq!(
            w.weight(&s(&["B-geo-loc", "B-musicartist", "I-musicartist"])),
            3.0
        );
        assert_eq!(w.copies(&s(&["O", "B-musicartist", "O"]), 7), 3);
        assert_eq!(w.copies(&s(&["O", "O", "O"]), 7), 1);
    }

    #[test]
    fn fractions_keep_about_that_share_and_depend_on_the_seed() {
        let w = TypeWeights::parse("geo-loc=0.25,person=1.5").unwrap();
        let tweets: Vec<Sentence> = (0..4000)
            .map(|i| sentence(&["in", &format!("town{i}")], &["O", "B-geo-loc"]))
            .collect();
        let kept = |seed| tweets.iter().map(|t| w.copies(t, seed)).sum::<usize>();
        let (a, b) = (kept(1), kept(2));
        assert!((900..1100).contains(&a), "{a}");
        assert_eq!(kept(1), a, "the same seed decides the same way");
        let differ = tweets
            .iter()
            .filter(|t| w.copies(t, 1) != w.copies(t, 2))
            .count();
        assert!(
            differ > 500,
            "{differ} of 4000 differ between seeds ({a} vs {b})"
        );
        let people: usize = (0..4000)
            .map(|i| w.copies(&sentence(&[&format!("p{i}")], &["B-person"]), 1))
            .sum();
        assert!((5800..6200).contains(&people), "{people}");
    }
}
