//! Input generators for the scorer parity test: a deterministic PRNG, the
//! WNUT-16 files, tag-scheme conversions and entity-level corruptions that
//! mimic the errors a tagger makes.

use std::path::PathBuf;

/// The ten WNUT-16 entity types.
pub use tweetner_core::labels::WNUT16_TYPES as TYPES;

/// The project's generator ([`tweetner_core::rng::SplitMix64`]) with the
/// helpers the generated cases use.
pub struct Rng(tweetner_core::rng::SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(tweetner_core::rng::SplitMix64::new(
            seed ^ 0x5DEE_CE66_D1CE_4E5B,
        ))
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.0.unit() < p
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One sentence: tokens and their (gold) tags.
#[derive(Clone)]
pub struct Sentence {
    pub tokens: Vec<String>,
    pub tags: Vec<String>,
}

/// The shared data tree (`tweetner_testdata::shared_dir`).
pub fn shared_dir() -> PathBuf {
    tweetner_testdata::shared_dir()
}

/// Reads a `token<TAB>tag` file; spaces in tokens become `_` because the
/// scorer's input is space separated.
pub fn load_conll(name: &str) -> Vec<Sentence> {
    let path = tweetner_testdata::wnut16(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = Vec::new();
    let mut cur = Sentence {
        tokens: vec![],
        tags: vec![],
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            if !cur.tokens.is_empty() {
                out.push(std::mem::replace(
                    &mut cur,
                    Sentence {
                        tokens: vec![],
                        tags: vec![],
                    },
                ));
            }
            continue;
        }
        let (tok, tag) = line
            .rsplit_once('\t')
            .unwrap_or_else(|| panic!("{}:{}: no tab", path.display(), i + 1));
        cur.tokens.push(tok.replace(' ', "_"));
        cur.tags.push(tag.to_string());
    }
    if !cur.tokens.is_empty() {
        out.push(cur);
    }
    out
}

/// Entities of a BIO2 sequence as (start, end exclusive, type).
pub fn bio_entities(tags: &[String]) -> Vec<(usize, usize, String)> {
    let mut out: Vec<(usize, usize, String)> = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        match tag.split_once('-') {
            Some(("I", ty)) if out.last().is_some_and(|e| e.1 == i && e.2 == ty) => {
                if let Some(e) = out.last_mut() {
                    e.1 = i + 1;
                }
            }
            Some((_, ty)) => out.push((i, i + 1, ty.to_string())),
            None => {}
        }
    }
    out
}

/// IOB1: `B-` only where an entity directly follows one of the same type.
pub fn to_iob1(tags: &[String]) -> Vec<String> {
    let ents = bio_entities(tags);
    let mut out = vec!["O".to_string(); tags.len()];
    for (n, (s, e, ty)) in ents.iter().enumerate() {
        let follows_same = n > 0 && ents[n - 1].1 == *s && ents[n - 1].2 == *ty;
        for (k, tag) in out.iter_mut().enumerate().take(*e).skip(*s) {
            let p = if k == *s && follows_same { "B" } else { "I" };
            *tag = format!("{p}-{ty}");
        }
    }
    out
}

/// BIOES: single-token entities `S-`, last tokens `E-`.
pub fn to_bioes(tags: &[String]) -> Vec<String> {
    let mut out = vec!["O".to_string(); tags.len()];
    for (s, e, ty) in bio_entities(tags) {
        for (k, tag) in out.iter_mut().enumerate().take(e).skip(s) {
            let p = match (k == s, k + 1 == e) {
                (true, true) => "S",
                (true, false) => "B",
                (false, true) => "E",
                (false, false) => "I",
            };
            *tag = format!("{p}-{ty}");
        }
    }
    out
}

/// Kinds of tagger errors applied per entity.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    ChangeType,
    DropB,
    BToI,
    Shift,
    Delete,
    Spurious,
    Split,
    Mixed,
}

pub const SINGLE_OPS: [Op; 7] = [
    Op::ChangeType,
    Op::DropB,
    Op::BToI,
    Op::Shift,
    Op::Delete,
    Op::Spurious,
    Op::Split,
];

fn other_type(rng: &mut Rng, ty: &str) -> String {
    loop {
        let t = rng.pick(&TYPES);
        if t != ty {
            return t.to_string();
        }
    }
}

/// Applies `op` to each entity of BIO2 `gold` with probability `rate`.
pub fn corrupt(rng: &mut Rng, gold: &[String], op: Op, rate: f64) -> Vec<String> {
    let n = gold.len();
    let mut tags = gold.to_vec();
    for (s, e, ty) in bio_entities(gold) {
        if !rng.chance(rate) {
            continue;
        }
        let op = match op {
            Op::Mixed => SINGLE_OPS[rng.below(SINGLE_OPS.len())],
            o => o,
        };
        match op {
            Op::ChangeType => {
                let t = other_type(rng, &ty);
                for (k, tag) in tags.iter_mut().enumerate().take(e).skip(s) {
                    *tag = format!("{}-{t}", if k == s { "B" } else { "I" });
                }
            }
            Op::DropB => tags[s] = "O".into(),
            Op::BToI => tags[s] = format!("I-{ty}"),
            Op::Shift => match rng.below(4) {
                0 if s > 0 && tags[s - 1] == "O" => {
                    tags[s - 1] = format!("B-{ty}");
                    tags[s] = format!("I-{ty}");
                }
                1 if e < n && tags[e] == "O" => tags[e] = format!("I-{ty}"),
                2 if e - s > 1 => {
                    tags[s] = "O".into();
                    tags[s + 1] = format!("B-{ty}");
                }
                _ if e - s > 1 => tags[e - 1] = "O".into(),
                _ => {}
            },
            Op::Delete => tags[s..e].iter_mut().for_each(|t| *t = "O".into()),
            Op::Split if e - s > 1 => tags[s + 1 + rng.below(e - s - 1)] = format!("B-{ty}"),
            Op::Split | Op::Spurious | Op::Mixed => {}
        }
    }
    if matches!(op, Op::Spurious | Op::Mixed) {
        let mut i = 0;
        while i < n {
            if gold[i] == "O" && tags[i] == "O" && rng.chance(rate / 5.0) {
                let ty = rng.pick(&TYPES);
                tags[i] = format!("B-{ty}");
                let len = 1 + rng.below(3);
                let mut k = i + 1;
                while k < n && k < i + len && tags[k] == "O" {
                    tags[k] = format!("I-{ty}");
                    k += 1;
                }
                i = k;
            }
            i += 1;
        }
    }
    tags
}

/// Tags the scorer has rules for (or quirks with) beyond plain BIO.
pub const ODD_TAGS: [&str; 22] = [
    "E-person",
    "S-person",
    "S-geo-loc",
    "E-geo-loc",
    "[-person",
    "]-person",
    ".-person",
    "B",
    "I",
    "E",
    "S",
    "O-person",
    "B-0",
    "B-",
    "I-",
    "X-person",
    "-person",
    "weird",
    "B-geo-loc-extra",
    "[",
    "]",
    ".",
];

/// Replaces each tag with an odd one with probability `rate`.
pub fn sprinkle_odd(rng: &mut Rng, tags: &[String], rate: f64) -> Vec<String> {
    tags.iter()
        .map(|t| {
            if rng.chance(rate) {
                rng.pick(&ODD_TAGS).to_string()
            } else {
                t.clone()
            }
        })
        .collect()
}

/// Random valid BIO2 sequences over `types` with many adjacent entities.
pub fn random_bio(rng: &mut Rng, sentences: usize, types: &[&str]) -> Vec<Sentence> {
    (0..sentences)
        .map(|_| {
            let len = 1 + rng.below(12);
            let mut tags = Vec::with_capacity(len);
            let mut prev_ty: Option<&str> = None;
            for _ in 0..len {
                let r = rng.below(10);
                let tag = if r < 3 {
                    prev_ty = None;
                    "O".to_string()
                } else if r < 6 || prev_ty.is_none() {
                    let ty = rng.pick(types);
                    prev_ty = Some(ty);
                    format!("B-{ty}")
                } else {
                    format!("I-{}", prev_ty.unwrap_or("other"))
                };
                tags.push(tag);
            }
            Sentence {
                tokens: (0..len).map(|k| format!("w{k}")).collect(),
                tags,
            }
        })
        .collect()
}

/// Scorer input: `token gold pred` lines joined by `delim`, a blank line (or
/// `sep`, when given) after each sentence, lines ended by `eol`.
pub fn render(
    sents: &[Sentence],
    preds: &[Vec<String>],
    delim: &str,
    sep: Option<&str>,
    eol: &str,
) -> Vec<u8> {
    let mut out = String::new();
    for (s, p) in sents.iter().zip(preds) {
        for ((tok, g), pr) in s.tokens.iter().zip(&s.tags).zip(p) {
            out.push_str(&format!("{tok}{delim}{g}{delim}{pr}{eol}"));
        }
        out.push_str(sep.unwrap_or(""));
        out.push_str(eol);
    }
    out.into_bytes()
}
