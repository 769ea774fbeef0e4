//! The reader must never panic, whatever bytes it is given.

mod common;

use common::{read_bytes, Rng};
use tweetner_data::{LabelSet, ReadOptions, Scheme, TagColumn};

/// Byte strings biased towards the reader's interesting characters.
fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    const PIECES: [&[u8]; 16] = [
        b"\t",
        b"\n",
        b"\r\n",
        b" ",
        b"O",
        b"B-",
        b"I-",
        b"E-",
        b"S-",
        b"person",
        b"-DOCSTART-",
        b"x",
        b"\xff",
        b"\xe2\x82",
        b"\xef\xbb\xbf",
        b"-",
    ];
    let len = rng.below(64);
    let mut out = Vec::new();
    for _ in 0..len {
        if rng.below(4) == 0 {
            out.push(rng.below(256) as u8);
        } else {
            out.extend_from_slice(PIECES[rng.below(PIECES.len())]);
        }
    }
    out
}

/// A mostly well-formed file with the odd corrupted byte or line, so that
/// the reader gets past the first line and into its later states.
fn near_valid(rng: &mut Rng) -> Vec<u8> {
    const TAGS: [&str; 8] = [
        "O", "O", "B-person", "I-person", "S-other", "E-movie", "I-x", "B-",
    ];
    const TOKENS: [&str; 6] = ["a", "@u", "-DOCSTART-", "é", "#", "New York"];
    let mut out = Vec::new();
    for _ in 0..rng.below(12) {
        match rng.below(8) {
            0 => out.extend_from_slice(b"\n"),
            1 => out.extend_from_slice(b"  \r\n"),
            _ => {
                out.extend_from_slice(TOKENS[rng.below(TOKENS.len())].as_bytes());
                out.extend_from_slice(if rng.below(2) == 0 { b"\t" } else { b" " });
                if rng.below(3) == 0 {
                    out.extend_from_slice(b"NN\t");
                }
                out.extend_from_slice(TAGS[rng.below(TAGS.len())].as_bytes());
                out.extend_from_slice(if rng.below(4) == 0 { b"\r\n" } else { b"\n" });
            }
        }
    }
    if !out.is_empty() && rng.below(10) == 0 {
        let at = rng.below(out.len());
        out[at] = rng.below(256) as u8;
    }
    if rng.below(5) == 0 {
        out.truncate(rng.below(out.len() + 1));
    }
    out
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(42);
    let option_sets = [
        ReadOptions::default(),
        ReadOptions {
            scheme: Scheme::Bioes,
            labels: Some(LabelSet::wnut16()),
            repair: true,
            tag_column: TagColumn::Last,
        },
        ReadOptions {
            scheme: Scheme::Iob1,
            labels: None,
            repair: true,
            tag_column: TagColumn::Index(1),
        },
    ];
    let (mut ok, mut err) = (0, 0);
    for i in 0..20_000 {
        let bytes = if i % 2 == 0 {
            random_bytes(&mut rng)
        } else {
            near_valid(&mut rng)
        };
        let opts = option_sets[i % option_sets.len()].clone();
        match read_bytes(&bytes, opts) {
            Ok(sentences) => {
                ok += 1;
                for s in &sentences {
                    assert_eq!(s.tokens.len(), s.tags.len());
                    assert!(s.line >= 1);
                    let _ = tweetner_data::stats(std::slice::from_ref(s));
                }
            }
            Err(e) => {
                err += 1;
                assert!(e.line().is_some_and(|l| l >= 1), "{e}");
            }
        }
    }
    // The generator must exercise both outcomes, or the test proves little.
    assert!(ok > 1000 && err > 1000, "ok {ok}, err {err}");
}
