//! Tag schemes (BIO, IOB1, BIOES) and conversions between them.
//!
//! The project works in BIO internally (the WNUT-16 files use it and the
//! reference scorer reads it), so every conversion goes through BIO:
//! [`to_bio`] turns any scheme into BIO and [`from_bio`] turns BIO into any
//! scheme. The conversions are total: a tag they cannot interpret is passed
//! through unchanged and treated like `O` by its neighbours, because they are
//! also applied to model output, where refusing to convert would lose a whole
//! prediction. Strict checking is [`parse_tag`]'s job (the reader uses it).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A tagging scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// IOB2: every entity starts with `B-`, continues with `I-`.
    #[default]
    Bio,
    /// IOB1: entities are `I-`; `B-` only starts an entity that directly
    /// follows another entity of the same type.
    Iob1,
    /// BIOES (alias BILOU): `B-` begin, `I-` inside, `E-` (or `L-`) end,
    /// `S-` (or `U-`) single-token entity.
    Bioes,
}

impl Scheme {
    /// Lower-case name, as accepted by [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Bio => "bio",
            Scheme::Iob1 => "iob1",
            Scheme::Bioes => "bioes",
        }
    }

    /// "a" or "an", whichever reads right before the scheme's name.
    fn article(self) -> &'static str {
        match self {
            Scheme::Iob1 => "an",
            Scheme::Bio | Scheme::Bioes => "a",
        }
    }

    /// Human description of the tags the scheme accepts, for error messages.
    fn shapes(self) -> &'static str {
        match self {
            Scheme::Bio | Scheme::Iob1 => "`O`, `B-<type>` or `I-<type>`",
            Scheme::Bioes => "`O` or one of `B-`, `I-`, `E-`, `S-` (BILOU: `L-`, `U-`) then a type",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Scheme::Bio => "BIO",
            Scheme::Iob1 => "IOB1",
            Scheme::Bioes => "BIOES",
        };
        f.write_str(s)
    }
}

impl FromStr for Scheme {
    type Err = String;

    /// Accepts the common spellings: `bio`/`iob2`, `iob1`/`iob`, `bioes`/`iobes`/`bilou`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "bio" | "iob2" => Ok(Scheme::Bio),
            "iob1" | "iob" => Ok(Scheme::Iob1),
            "bioes" | "iobes" | "bilou" => Ok(Scheme::Bioes),
            _ => Err(format!(
                "unknown tag scheme `{s}` (expected bio, iob1 or bioes)"
            )),
        }
    }
}

/// The position part of a tag. BILOU's `L` and `U` parse as `E` and `S`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prefix {
    /// Outside any entity.
    O,
    /// Beginning.
    B,
    /// Inside.
    I,
    /// End (BIOES `E`, BILOU `L`).
    E,
    /// Single-token entity (BIOES `S`, BILOU `U`).
    S,
}

/// A tag split into its prefix and entity type (`ty` is empty for `O`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag<'a> {
    /// Position within the entity.
    pub prefix: Prefix,
    /// Entity type, e.g. `person`.
    pub ty: &'a str,
}

/// A tag that does not have the shape its scheme requires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {} {scheme} tag ({}), found `{tag}`{}", scheme.article(), scheme.shapes(), why(tag))]
pub struct TagError {
    /// The offending tag.
    pub tag: String,
    /// The scheme it was checked against.
    pub scheme: Scheme,
}

/// A hint for the two malformations that are easy to overlook.
fn why(tag: &str) -> &'static str {
    match tag.split_once('-') {
        Some((_, "")) => " (the type after the prefix is empty)",
        None if tag.len() > 1 && tag.is_char_boundary(1) => " (missing `-` after the prefix?)",
        _ => "",
    }
}

/// Parses `tag` strictly: `O`, or a prefix allowed by `scheme`, `-`, and a
/// non-empty type.
pub fn parse_tag(tag: &str, scheme: Scheme) -> Result<Tag<'_>, TagError> {
    let err = || TagError {
        tag: tag.to_string(),
        scheme,
    };
    if tag == "O" {
        return Ok(Tag {
            prefix: Prefix::O,
            ty: "",
        });
    }
    let (p, ty) = tag.split_once('-').ok_or_else(err)?;
    if ty.is_empty() {
        return Err(err());
    }
    let prefix = match (p, scheme) {
        ("B", _) => Prefix::B,
        ("I", _) => Prefix::I,
        ("E" | "L", Scheme::Bioes) => Prefix::E,
        ("S" | "U", Scheme::Bioes) => Prefix::S,
        _ => return Err(err()),
    };
    Ok(Tag { prefix, ty })
}

/// Lenient parse used by the total conversions: any known prefix of any
/// scheme; `None` for what cannot be interpreted.
fn lenient(tag: &str) -> Option<Tag<'_>> {
    parse_tag(tag, Scheme::Bioes).ok()
}

/// Whether the tag is `B-ty` or `I-ty`, i.e. continues an entity of type `ty`.
fn in_entity_of(tag: Option<Tag<'_>>, ty: &str) -> bool {
    matches!(tag, Some(Tag { prefix: Prefix::B | Prefix::I, ty: t }) if t == ty)
}

/// Converts tags in scheme `from` to BIO.
///
/// IOB1's `I-x` becomes `B-x` where it opens an entity; BIOES's `E-`/`S-`
/// (and BILOU's `L-`/`U-`) become `I-`/`B-`. With `from == Bio` the tags are
/// returned unchanged (use [`repair`] to fix orphan `I-` tags). Tags that
/// cannot be interpreted are copied unchanged.
pub fn to_bio<S: AsRef<str>>(tags: &[S], from: Scheme) -> Vec<String> {
    let mut out = Vec::with_capacity(tags.len());
    let mut prev: Option<Tag<'_>> = None;
    for tag in tags {
        let tag = tag.as_ref();
        let parsed = lenient(tag);
        let converted = match (from, parsed) {
            (Scheme::Bio, _) | (_, None) => tag.to_string(),
            (
                Scheme::Iob1,
                Some(Tag {
                    prefix: Prefix::I,
                    ty,
                }),
            ) if !in_entity_of(prev, ty) => {
                format!("B-{ty}")
            }
            (Scheme::Iob1, Some(_)) => tag.to_string(),
            (Scheme::Bioes, Some(Tag { prefix, ty })) => match prefix {
                Prefix::O => tag.to_string(),
                Prefix::B | Prefix::S => format!("B-{ty}"),
                Prefix::I | Prefix::E => format!("I-{ty}"),
            },
        };
        // IOB1 decisions look at the previous tag as written, where `B-`
        // and `I-` both mean "inside an entity of this type".
        prev = parsed.map(|t| Tag {
            prefix: match t.prefix {
                Prefix::E | Prefix::S if from == Scheme::Iob1 => Prefix::O,
                p => p,
            },
            ty: t.ty,
        });
        out.push(converted);
    }
    out
}

/// Turns every `I-x` that does not continue an `x` entity (sentence start,
/// after `O`, after another type) into `B-x`.
///
/// This is how the reference scorer reads such tags, so repairing changes no
/// score; it only makes the sequence valid BIO. Other tags are unchanged.
pub fn repair<S: AsRef<str>>(tags: &[S]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.as_ref();
        let prev = out.last().and_then(|t| lenient(t));
        match lenient(tag) {
            Some(Tag {
                prefix: Prefix::I,
                ty,
            }) if !in_entity_of(prev, ty) => out.push(format!("B-{ty}")),
            _ => out.push(tag.to_string()),
        }
    }
    out
}

/// Whether `tags` is valid BIO: only `O`, `B-x`, `I-x`, and every `I-x`
/// continues an `x` entity.
pub fn is_valid_bio<S: AsRef<str>>(tags: &[S]) -> bool {
    let mut prev = None;
    for tag in tags {
        match parse_tag(tag.as_ref(), Scheme::Bio) {
            Err(_) => return false,
            Ok(t) => {
                if t.prefix == Prefix::I && !in_entity_of(prev, t.ty) {
                    return false;
                }
                prev = Some(t);
            }
        }
    }
    true
}

/// Converts BIO tags to scheme `to`.
///
/// With `to == Bio` the tags are returned unchanged. For IOB1 and BIOES an
/// orphan `I-x` is read as the reference scorer reads it (it opens an
/// entity), so the output is always valid in the target scheme and
/// `to_bio(&from_bio(t, s), s) == repair(t)`. Tags that cannot be
/// interpreted as BIO are copied unchanged and end any open entity.
pub fn from_bio<S: AsRef<str>>(tags: &[S], to: Scheme) -> Vec<String> {
    if to == Scheme::Bio {
        return tags.iter().map(|t| t.as_ref().to_string()).collect();
    }
    let fixed = repair(tags);
    let parsed: Vec<Option<Tag<'_>>> = fixed
        .iter()
        .map(|t| parse_tag(t, Scheme::Bio).ok())
        .collect();
    let mut out = Vec::with_capacity(fixed.len());
    for (i, tag) in fixed.iter().enumerate() {
        let Some(Tag { prefix, ty }) = parsed[i] else {
            out.push(tag.clone());
            continue;
        };
        let prev = if i > 0 { parsed[i - 1] } else { None };
        let next_continues = matches!(
            parsed.get(i + 1),
            Some(Some(Tag { prefix: Prefix::I, ty: t })) if *t == ty
        );
        let converted = match (to, prefix) {
            (_, Prefix::O) => tag.clone(),
            (Scheme::Iob1, Prefix::B) if in_entity_of(prev, ty) => tag.clone(),
            (Scheme::Iob1, _) => format!("I-{ty}"),
            (Scheme::Bioes, Prefix::B) if next_continues => tag.clone(),
            (Scheme::Bioes, Prefix::B) => format!("S-{ty}"),
            (Scheme::Bioes, _) if next_continues => tag.clone(),
            (Scheme::Bioes, _) => format!("E-{ty}"),
            (Scheme::Bio, _) => tag.clone(),
        };
        out.push(converted);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{random_bio, Rng};

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parse_tag_accepts_scheme_shapes() {
        let t = parse_tag("B-geo-loc", Scheme::Bio).unwrap();
        assert_eq!((t.prefix, t.ty), (Prefix::B, "geo-loc"));
        assert_eq!(parse_tag("O", Scheme::Iob1).unwrap().prefix, Prefix::O);
        assert_eq!(parse_tag("L-x", Scheme::Bioes).unwrap().prefix, Prefix::E);
        assert_eq!(parse_tag("U-x", Scheme::Bioes).unwrap().prefix, Prefix::S);
        for bad in ["X-foo", "B-", "Bfoo", "", "o", "O-x", "-x", "b-x"] {
            assert!(parse_tag(bad, Scheme::Bioes).is_err(), "{bad}");
        }
        assert!(parse_tag("E-x", Scheme::Bio).is_err());
        assert!(parse_tag("S-x", Scheme::Iob1).is_err());
    }

    #[test]
    fn tag_error_message_says_what_was_expected() {
        let e = parse_tag("B-", Scheme::Bio).unwrap_err().to_string();
        assert!(e.contains("expected a BIO tag"), "{e}");
        assert!(
            e.contains("`B-`") && e.contains("type after the prefix is empty"),
            "{e}"
        );
        let e = parse_tag("Bfoo", Scheme::Bio).unwrap_err().to_string();
        assert!(e.contains("missing `-`"), "{e}");
    }

    #[test]
    fn scheme_names_parse() {
        for s in [Scheme::Bio, Scheme::Iob1, Scheme::Bioes] {
            assert_eq!(s.name().parse::<Scheme>().unwrap(), s);
        }
        assert_eq!("BILOU".parse::<Scheme>().unwrap(), Scheme::Bioes);
        assert_eq!("iob2".parse::<Scheme>().unwrap(), Scheme::Bio);
        assert!("bilo".parse::<Scheme>().is_err());
    }

    #[test]
    fn repair_fixes_orphan_inside_tags() {
        assert_eq!(
            repair(&v("I-a I-a O I-b B-a I-b I-b")),
            v("B-a I-a O B-b B-a B-b I-b")
        );
        assert!(is_valid_bio(&repair(&v("I-a I-b O I-a"))));
        assert!(!is_valid_bio(&v("O I-a")));
        assert!(!is_valid_bio(&v("B-a I-b")));
        assert!(!is_valid_bio(&v("B-a E-a")));
        assert!(is_valid_bio(&v("B-a I-a B-a O")));
    }

    #[test]
    fn bioes_conversion_examples() {
        let bio = v("B-a I-a I-a O B-b B-b I-b O I-c");
        let bioes = from_bio(&bio, Scheme::Bioes);
        assert_eq!(bioes, v("B-a I-a E-a O S-b B-b E-b O S-c"));
        assert_eq!(to_bio(&bioes, Scheme::Bioes), repair(&bio));
        let bilou = v("B-a L-a U-b O");
        assert_eq!(to_bio(&bilou, Scheme::Bioes), v("B-a I-a B-b O"));
    }

    #[test]
    fn iob1_conversion_examples() {
        let bio = v("B-a I-a B-a O B-b B-a I-a");
        let iob1 = from_bio(&bio, Scheme::Iob1);
        assert_eq!(iob1, v("I-a I-a B-a O I-b I-a I-a"));
        assert_eq!(to_bio(&iob1, Scheme::Iob1), bio);
    }

    #[test]
    fn uninterpretable_tags_pass_through() {
        let tags = v("B-a weird I-a");
        assert_eq!(to_bio(&tags, Scheme::Iob1), v("B-a weird B-a"));
        assert_eq!(from_bio(&tags, Scheme::Bioes), v("S-a weird S-a"));
        assert_eq!(from_bio(&tags, Scheme::Bio), tags);
    }

    #[test]
    fn round_trips_are_identity_on_valid_bio() {
        let mut rng = Rng::new(7);
        for _ in 0..3000 {
            let raw = random_bio(&mut rng);
            let bio = repair(&raw);
            assert!(is_valid_bio(&bio), "{bio:?}");
            for s in [Scheme::Bioes, Scheme::Iob1, Scheme::Bio] {
                let there = from_bio(&bio, s);
                assert_eq!(to_bio(&there, s), bio, "{s} {bio:?} -> {there:?}");
                // Any BIO, valid or not, comes back as the scorer reads it.
                if s != Scheme::Bio {
                    assert_eq!(to_bio(&from_bio(&raw, s), s), bio, "{s} {raw:?}");
                }
            }
        }
    }

    #[test]
    fn conversions_keep_the_spans() {
        let mut rng = Rng::new(11);
        for _ in 0..2000 {
            let bio = random_bio(&mut rng);
            let want = crate::spans(&bio);
            assert_eq!(crate::spans(&repair(&bio)), want, "{bio:?}");
            for s in [Scheme::Bioes, Scheme::Iob1] {
                let there = from_bio(&bio, s);
                assert_eq!(crate::spans_in(&there, s), want, "{s} {bio:?} -> {there:?}");
            }
        }
    }
}
