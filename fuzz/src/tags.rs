//! Tag-scheme conversions of `tweetner_data` on sequences drawn from a small
//! alphabet (two types, every prefix, a few malformed tags), so that the
//! fuzzer explores orderings rather than spellings.
//!
//! Invariants checked (from the documentation in `crates/data/src/scheme.rs`
//! and `spans.rs`):
//! * every conversion keeps the length; `Bio` conversions are the identity;
//! * `repair` only turns orphan `I-x` into `B-x`, is idempotent, leaves valid
//!   BIO alone, makes BIO-shaped input valid, and changes no entity span;
//! * tags a conversion cannot interpret are copied unchanged;
//! * `from_bio` output is valid in the target scheme,
//!   `to_bio(from_bio(t, s), s) == repair(t)`, and the spans are kept
//!   (`spans_in(from_bio(t, s), s) == spans(t)`);
//! * the other way round, valid BIOES and IOB1 sequences survive
//!   `to_bio` then `from_bio` unchanged (BILOU's `L`/`U` coming back as
//!   `E`/`S`), and IOB1/BIOES read as BIO are valid BIO;
//! * spans are ordered, disjoint, non-empty, inside the sentence, typed by
//!   their first tag, and `spans_in(_, Bio | Iob1) == spans`.

use tweetner_data::{
    from_bio, is_valid_bio, parse_tag, repair, spans, spans_in, to_bio, Prefix, Scheme, Span,
};

/// The alphabet: well-formed tags of two types in every scheme's prefixes,
/// a type containing a hyphen, and malformed tags no scheme accepts.
pub const ALPHABET: [&str; 16] = [
    "O",
    "B-x",
    "I-x",
    "E-x",
    "S-x",
    "B-y",
    "I-y",
    "E-y",
    "S-y",
    "L-x",
    "U-y",
    "I-geo-loc",
    "junk",
    "B-",
    "X-x",
    "O-x",
];

/// Longest sequence checked; longer inputs add nothing but time.
const MAX_TAGS: usize = 256;

/// One tag per input byte.
pub fn decode(data: &[u8]) -> Vec<&'static str> {
    data.iter()
        .take(MAX_TAGS)
        .map(|&b| ALPHABET[usize::from(b) % ALPHABET.len()])
        .collect()
}

/// Interpretable in some scheme (the conversions' lenient reading).
fn lenient(tag: &str) -> Option<tweetner_data::Tag<'_>> {
    parse_tag(tag, Scheme::Bioes).ok()
}

fn is_bio_shaped(tag: &str) -> bool {
    parse_tag(tag, Scheme::Bio).is_ok()
}

/// Valid BIOES, reading tags no scheme accepts like `O` (they end entities).
fn is_valid_bioes(tags: &[String]) -> bool {
    let mut open: Option<&str> = None;
    for tag in tags {
        let t = lenient(tag);
        match (open, t) {
            (Some(ty), Some(t)) if t.ty == ty && t.prefix == Prefix::I => {}
            (Some(ty), Some(t)) if t.ty == ty && t.prefix == Prefix::E => open = None,
            (Some(_), _) => return false,
            (None, None) => {}
            (None, Some(t)) => match t.prefix {
                Prefix::O | Prefix::S => {}
                Prefix::B => open = Some(t.ty),
                Prefix::I | Prefix::E => return false,
            },
        }
    }
    open.is_none()
}

/// Valid IOB1: no `E`/`S`, and `B-x` only right after an `x` entity tag.
/// Uninterpretable tags are allowed and read like `O`.
fn is_valid_iob1(tags: &[String]) -> bool {
    let mut prev: Option<tweetner_data::Tag<'_>> = None;
    for tag in tags {
        let t = lenient(tag);
        if let Some(t) = t {
            match t.prefix {
                Prefix::E | Prefix::S => return false,
                Prefix::B
                    if !matches!(prev, Some(p) if p.ty == t.ty
                        && matches!(p.prefix, Prefix::B | Prefix::I)) =>
                {
                    return false
                }
                _ => {}
            }
        }
        prev = t;
    }
    true
}

/// BILOU spelled as BIOES.
fn normalize_bilou(tag: &str) -> String {
    match tag.split_once('-') {
        Some(("L", ty)) if !ty.is_empty() => format!("E-{ty}"),
        Some(("U", ty)) if !ty.is_empty() => format!("S-{ty}"),
        _ => tag.to_string(),
    }
}

fn check_spans(tags: &[String], sp: &[Span]) {
    let mut prev_end = 0;
    for s in sp {
        assert!(
            s.start >= prev_end && s.start < s.end && s.end <= tags.len(),
            "bad span {s:?} in {tags:?}"
        );
        let first_ty = tags[s.start].split_once('-').map_or("", |(_, t)| t);
        assert_eq!(
            s.ty, first_ty,
            "span {s:?} not typed by its first tag in {tags:?}"
        );
        prev_end = s.end;
    }
}

/// Runs every check on the sequence `data` decodes to.
pub fn check(data: &[u8]) {
    let tags: Vec<String> = decode(data).into_iter().map(str::to_string).collect();
    check_tags(&tags);
}

/// Asserts every invariant for one tag sequence.
pub fn check_tags(t: &[String]) {
    let n = t.len();
    let sp = spans(t);
    check_spans(t, &sp);
    assert_eq!(spans_in(t, Scheme::Bio), sp, "spans_in(Bio) != spans");
    assert_eq!(spans_in(t, Scheme::Iob1), sp, "spans_in(Iob1) != spans");
    assert_eq!(
        from_bio(t, Scheme::Bio),
        t,
        "from_bio(Bio) is not the identity"
    );
    assert_eq!(to_bio(t, Scheme::Bio), t, "to_bio(Bio) is not the identity");

    // repair
    let r = repair(t);
    assert_eq!(r.len(), n, "repair changes the length");
    for (a, b) in t.iter().zip(&r) {
        let orphan_fix = a
            .strip_prefix("I-")
            .is_some_and(|ty| Some(ty) == b.strip_prefix("B-"));
        assert!(
            a == b || orphan_fix,
            "repair turned {a:?} into {b:?} in {t:?}"
        );
    }
    assert_eq!(repair(&r), r, "repair is not idempotent on {t:?}");
    let bio_shaped = t.iter().all(|x| is_bio_shaped(x));
    if bio_shaped {
        assert!(is_valid_bio(&r), "repair({t:?}) = {r:?} is not valid BIO");
        assert_eq!(
            is_valid_bio(t),
            r == t,
            "is_valid_bio disagrees with repair on {t:?}"
        );
        assert_eq!(spans(&r), sp, "repair changes the spans of {t:?}");
    }

    for s in [Scheme::Iob1, Scheme::Bioes] {
        // Total conversions copy what they cannot interpret.
        let back = to_bio(t, s);
        assert_eq!(back.len(), n, "to_bio({s}) changes the length");
        let there = from_bio(t, s);
        assert_eq!(there.len(), n, "from_bio({s}) changes the length");
        for i in 0..n {
            if lenient(&t[i]).is_none() {
                assert_eq!(
                    back[i], t[i],
                    "to_bio({s}) changed uninterpretable {:?}",
                    t[i]
                );
            }
            if !is_bio_shaped(&t[i]) {
                assert_eq!(there[i], t[i], "from_bio({s}) changed non-BIO {:?}", t[i]);
            }
        }
        if s == Scheme::Bioes {
            assert!(
                back.iter()
                    .all(|x| lenient(x).is_none_or(|p| !matches!(p.prefix, Prefix::E | Prefix::S))),
                "to_bio(BIOES) left E/S tags: {t:?} -> {back:?}"
            );
        }

        // BIO (with tags no scheme reads) -> s -> BIO.
        let bio_or_junk = t.iter().all(|x| is_bio_shaped(x) || lenient(x).is_none());
        if bio_or_junk {
            let valid = match s {
                Scheme::Bioes => is_valid_bioes(&there),
                _ => is_valid_iob1(&there),
            };
            assert!(valid, "from_bio({t:?}, {s}) = {there:?} is not valid {s}");
            assert_eq!(
                to_bio(&there, s),
                r,
                "to_bio(from_bio(t, {s})) != repair(t) for {t:?}"
            );
            assert_eq!(
                from_bio(&r, s),
                there,
                "from_bio({s}) differs on repaired input"
            );
        }
        if bio_shaped {
            assert_eq!(
                spans_in(&there, s),
                sp,
                "from_bio({s}) changes spans of {t:?}"
            );
            if s == Scheme::Iob1 {
                assert!(
                    is_valid_bio(&back),
                    "IOB1 {t:?} read as invalid BIO {back:?}"
                );
            }
        }

        // s -> BIO -> s on sequences valid in s.
        let valid_in_s = t.iter().all(|x| parse_tag(x, s).is_ok())
            && match s {
                Scheme::Bioes => is_valid_bioes(t),
                _ => is_valid_iob1(t),
            };
        if valid_in_s {
            if s == Scheme::Bioes {
                assert!(
                    is_valid_bio(&back),
                    "valid BIOES {t:?} -> invalid BIO {back:?}"
                );
            }
            let want: Vec<String> = t.iter().map(|x| normalize_bilou(x)).collect();
            assert_eq!(
                from_bio(&back, s),
                want,
                "valid {s} {t:?} does not survive BIO"
            );
            assert_eq!(
                spans_in(t, s),
                spans(&back),
                "spans_in({s}) != spans(to_bio)"
            );
        }
    }
}
