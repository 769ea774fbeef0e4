//! The WNUT-16 types, BIO label parsing and the transition constraints derived from it.
//!
//! The CRF adds a large negative constant to every transition that would
//! produce an ill-formed BIO sequence, both when training and decoding, so the
//! model never has to spend capacity learning that `O → I-x` is impossible and
//! Viterbi can never emit such a move.

/// The WNUT-16 entity types, in the order the task description lists them.
pub const WNUT16_TYPES: [&str; 10] = [
    "person",
    "geo-loc",
    "company",
    "facility",
    "product",
    "musicartist",
    "movie",
    "sportsteam",
    "tvshow",
    "other",
];

/// Additive penalty for a forbidden transition. Finite (not `-inf`) so the
/// log-space arithmetic and its gradients stay NaN-free; `exp(-1e4)` is zero
/// in both `f32` and `f64`, so forbidden paths carry no probability mass.
pub const FORBIDDEN: f32 = -1.0e4;

/// Whether a transition, start or end score marks a forbidden move: rescaled
/// or shifted scores stay far below half of [`FORBIDDEN`], learned ones far above.
pub fn is_forbidden(score: f32) -> bool {
    score <= FORBIDDEN / 2.0
}

/// The role of one label in the BIO scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BioTag {
    /// `O`: outside any entity.
    Outside,
    /// `B-x`: first token of an entity of type `x`.
    Begin(String),
    /// `I-x`: continuation of an entity of type `x`.
    Inside(String),
    /// Anything else; no constraint involves it.
    Other,
}

impl BioTag {
    /// Parse a label string such as `"O"`, `"B-person"` or `"I-geo-loc"`.
    pub fn parse(label: &str) -> Self {
        if label == "O" {
            BioTag::Outside
        } else if let Some(ty) = label.strip_prefix("B-") {
            BioTag::Begin(ty.to_string())
        } else if let Some(ty) = label.strip_prefix("I-") {
            BioTag::Inside(ty.to_string())
        } else {
            BioTag::Other
        }
    }

    /// Entity type for `B-x`/`I-x`, `None` otherwise.
    pub fn entity_type(&self) -> Option<&str> {
        match self {
            BioTag::Begin(t) | BioTag::Inside(t) => Some(t),
            _ => None,
        }
    }
}

/// Whether `prev → next` is a legal BIO move: `I-x` may only follow `B-x` or `I-x`.
pub fn transition_allowed(prev: &BioTag, next: &BioTag) -> bool {
    match next {
        BioTag::Inside(ty) => match prev {
            BioTag::Begin(p) | BioTag::Inside(p) => p == ty,
            // Labels outside the BIO scheme impose nothing.
            BioTag::Other => true,
            BioTag::Outside => false,
        },
        _ => true,
    }
}

/// Whether a sequence may start with `tag` (it may not start inside an entity).
pub fn start_allowed(tag: &BioTag) -> bool {
    !matches!(tag, BioTag::Inside(_))
}

/// Additive masks for the CRF: `(transitions [L*L] row-major prev×next, start [L])`,
/// `0` where allowed and [`FORBIDDEN`] where not.
pub fn constraint_masks(labels: &[String]) -> (Vec<f32>, Vec<f32>) {
    let tags: Vec<BioTag> = labels.iter().map(|l| BioTag::parse(l)).collect();
    let n = tags.len();
    let mut trans = vec![0.0f32; n * n];
    for (i, prev) in tags.iter().enumerate() {
        for (j, next) in tags.iter().enumerate() {
            if !transition_allowed(prev, next) {
                trans[i * n + j] = FORBIDDEN;
            }
        }
    }
    let start = tags
        .iter()
        .map(|t| if start_allowed(t) { 0.0 } else { FORBIDDEN })
        .collect();
    (trans, start)
}

/// Whether a whole tag sequence (label indices) is valid BIO.
pub fn is_valid_sequence(labels: &[String], path: &[usize]) -> bool {
    let tags: Vec<BioTag> = labels.iter().map(|l| BioTag::parse(l)).collect();
    let Some(&first) = path.first() else {
        return true;
    };
    match tags.get(first) {
        Some(t) if start_allowed(t) => {}
        _ => return false,
    }
    path.windows(2)
        .all(|w| match (tags.get(w[0]), tags.get(w[1])) {
            (Some(a), Some(b)) => transition_allowed(a, b),
            _ => false,
        })
}

/// Repair a label-index path to valid BIO the way conlleval reads it: an
/// `I-x` that does not continue an `x` entity (at the start, after `O`, or
/// after another type) opens a new entity, so it becomes `B-x` when that label
/// exists. Other indices are returned unchanged.
pub fn repair_bio_indices(tags: &[BioTag], path: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(path.len());
    let mut prev: Option<&BioTag> = None;
    for &y in path {
        let mut fixed = y;
        if let Some(cur @ BioTag::Inside(ty)) = tags.get(y) {
            let ok = match prev {
                Some(p) => transition_allowed(p, cur),
                None => start_allowed(cur),
            };
            if !ok {
                if let Some(b) = tags
                    .iter()
                    .position(|t| matches!(t, BioTag::Begin(bt) if bt == ty))
                {
                    fixed = b;
                }
            }
        }
        prev = tags.get(fixed);
        out.push(fixed);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn masks_forbid_exactly_the_invalid_moves() {
        let l = labels(&["O", "B-a", "I-a", "B-b", "I-b"]);
        let (trans, start) = constraint_masks(&l);
        let forbidden = |i: usize, j: usize| trans[i * 5 + j] == FORBIDDEN;
        // O -> I-x forbidden, O -> B-x allowed.
        assert!(forbidden(0, 2) && forbidden(0, 4));
        assert!(!forbidden(0, 1) && !forbidden(0, 0));
        // B-a -> I-a and I-a -> I-a allowed; B-a -> I-b and I-a -> I-b forbidden.
        assert!(!forbidden(1, 2) && !forbidden(2, 2));
        assert!(forbidden(1, 4) && forbidden(2, 4) && forbidden(3, 2) && forbidden(4, 2));
        // Anything -> O or B allowed.
        for i in 0..5 {
            assert!(!forbidden(i, 0) && !forbidden(i, 1) && !forbidden(i, 3));
        }
        assert_eq!(start, vec![0.0, 0.0, FORBIDDEN, 0.0, FORBIDDEN]);
        let n_forbidden = trans.iter().filter(|&&x| x == FORBIDDEN).count();
        // I-a forbidden after O, B-b, I-b; I-b forbidden after O, B-a, I-a.
        assert_eq!(n_forbidden, 6);
    }

    #[test]
    fn hyphenated_types_and_non_bio_labels() {
        assert_eq!(BioTag::parse("I-geo-loc"), BioTag::Inside("geo-loc".into()));
        assert_eq!(BioTag::parse("X"), BioTag::Other);
        let l = labels(&["A", "B", "C"]);
        let (trans, start) = constraint_masks(&l);
        assert!(trans.iter().chain(start.iter()).all(|&x| x == 0.0));
    }

    #[test]
    fn repair_turns_orphan_inside_into_begin() {
        let l = labels(&["O", "B-a", "I-a", "B-b", "I-b"]);
        let tags: Vec<BioTag> = l.iter().map(|x| BioTag::parse(x)).collect();
        assert_eq!(
            repair_bio_indices(&tags, &[2, 2, 0, 4, 1, 4]),
            vec![1, 2, 0, 3, 1, 3]
        );
        let valid = [0, 1, 2, 2, 0, 3, 4];
        assert_eq!(repair_bio_indices(&tags, &valid), valid.to_vec());
        assert!(is_valid_sequence(
            &l,
            &repair_bio_indices(&tags, &[4, 2, 2, 0, 2])
        ));
    }

    #[test]
    fn sequence_validity() {
        let l = labels(&["O", "B-a", "I-a", "B-b", "I-b"]);
        assert!(is_valid_sequence(&l, &[0, 1, 2, 2, 0, 3, 4]));
        assert!(!is_valid_sequence(&l, &[2]));
        assert!(!is_valid_sequence(&l, &[1, 4]));
        assert!(!is_valid_sequence(&l, &[0, 9]));
        assert!(is_valid_sequence(&l, &[]));
    }
}
