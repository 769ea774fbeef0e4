//! Sub-word alignment and window tests on a tiny WordPiece tokenizer.

use crate::subword::{AlignedSentence, SubwordTokenizer};
use crate::testutil::{tiny_tokenizer, Rng};
use crate::window::{PieceLabelling, WindowConfig, Windows, IGNORE_INDEX};

fn tokenizer() -> SubwordTokenizer {
    let dir = tempfile::tempdir().expect("tempdir");
    SubwordTokenizer::from_file(&tiny_tokenizer(dir.path())).expect("tiny tokenizer")
}

/// Every word owns ≥ 1 piece, pieces are in word order, no special id
/// appears among the pieces.
fn check_alignment(words: usize, s: &AlignedSentence, tok: &SubwordTokenizer) {
    assert_eq!(s.num_words(), words);
    assert_eq!(s.piece_word.len(), s.pieces.len());
    for w in 0..words {
        let r = s.word_pieces(w);
        assert!(!r.is_empty(), "word {w} has no piece");
        assert!(s.piece_word[r.clone()].iter().all(|&x| x == w));
        assert!(s.is_first_piece(r.start));
    }
    for &id in s.pieces.iter() {
        assert!(!tok.prefix().contains(&id) && !tok.suffix().contains(&id));
    }
}

#[test]
fn words_map_to_pieces_with_repairs() {
    let tok = tokenizer();
    assert_eq!(
        (tok.prefix(), tok.suffix(), tok.unk_id()),
        (&[2u32][..], &[3u32][..], 1)
    );
    let words = [
        "The",
        "cats",
        "\u{FE0F}",
        "[SEP]",
        "&lt;",
        "http://fb.me",
        "\u{7}",
        "sat",
        "\u{200B}",
        " ",
        "\u{3000}",
        "a b",
    ];
    let s = tok.tokenize(&words).expect("tokenize");
    check_alignment(words.len(), &s, &tok);
    let text = |w: usize| -> Vec<String> {
        s.word_pieces(w)
            .map(|p| tok.piece_text(s.pieces[p]).unwrap_or_default())
            .collect()
    };
    assert_eq!(text(1), ["cat", "##s"]);
    assert_eq!(text(4), ["&", "lt", ";"]);
    assert_eq!(text(5), ["http", ":", "/", "/", "fb", ".", "me"]);
    // Pieceless words (a lone variation selector, a control character) and a
    // spelled-out separator all become [UNK]; only the first two were empty.
    assert_eq!(text(2), ["[UNK]"]);
    assert_eq!(text(3), ["[UNK]"]);
    assert_eq!(text(6), ["[UNK]"]);
    // Zero-width and odd spaces vanish in normalisation too; a word with an
    // inner space keeps both halves as its pieces.
    for w in 8..=10 {
        assert_eq!(text(w), ["[UNK]"], "word {w}");
    }
    assert_eq!(text(11), ["a", "[UNK]"]);
    assert_eq!(s.unknown_words, vec![2, 6, 8, 9, 10]);
    // The file's truncation (4) and padding (16) are off.
    assert_eq!(s.pieces.len(), 1 + 2 + 1 + 1 + 3 + 7 + 1 + 1 + 3 + 2);
    assert_eq!(tok.with_specials(&s.pieces).len(), s.pieces.len() + 2);
    let empty = tok.tokenize::<&str>(&[]).expect("empty");
    assert_eq!((empty.pieces.len(), empty.num_words()), (0, 0));
}

fn random_sentence(rng: &mut Rng, words: usize) -> AlignedSentence {
    let mut s = AlignedSentence {
        pieces: Vec::new(),
        piece_word: Vec::new(),
        word_start: Vec::new(),
        unknown_words: Vec::new(),
    };
    for w in 0..words {
        s.word_start.push(s.pieces.len());
        // Mostly short words, now and then a very long hashtag.
        let n = if rng.below(10) == 0 {
            1 + rng.below(12)
        } else {
            1 + rng.below(3)
        };
        for _ in 0..n {
            s.pieces.push(5 + rng.below(20) as u32);
            s.piece_word.push(w);
        }
    }
    s
}

/// Brute-force checks of coverage, sizes, ownership and labels.
#[test]
fn windows_cover_everything_and_each_word_is_read_once() {
    let tok = tokenizer();
    let mut rng = Rng::new(11);
    for trial in 0..200 {
        let n_sent = 1 + rng.below(3);
        let sentences: Vec<AlignedSentence> = (0..n_sent)
            .map(|_| {
                let words = rng.below(40);
                random_sentence(&mut rng, words)
            })
            .collect();
        let max_length = 4 + rng.below(20);
        let budget = max_length - 2;
        let labelling = if trial % 2 == 0 {
            PieceLabelling::FirstPiece
        } else {
            PieceLabelling::AllPieces
        };
        let config = WindowConfig {
            max_length,
            overlap: rng.below(budget),
            labelling,
        };
        let win = Windows::new(&sentences, &tok, &config).expect("windows");
        let gold: Vec<Vec<usize>> = sentences
            .iter()
            .map(|s| (0..s.num_words()).map(|w| 2 * (w % 5) + 1).collect())
            .collect();
        let labels = win.label_ids(&gold, |l| l + 1).expect("labels");
        for (si, s) in sentences.iter().enumerate() {
            let mine: Vec<usize> = (0..win.windows.len())
                .filter(|&k| win.windows[k].sentence == si)
                .collect();
            assert_eq!(mine.is_empty(), s.pieces.is_empty());
            let mut labelled = 0;
            for &k in &mine {
                let w = &win.windows[k];
                assert!(w.input_ids.len() <= max_length);
                assert_eq!(
                    &w.input_ids[1..w.input_ids.len() - 1],
                    &s.pieces[w.start..w.end]
                );
                assert_eq!((w.input_ids[0], w.input_ids[w.input_ids.len() - 1]), (2, 3));
                labelled += labels[k].iter().filter(|&&l| l != IGNORE_INDEX).count();
                assert_eq!(labels[k][0], IGNORE_INDEX);
            }
            // Consecutive windows overlap or touch, and the last reaches the end.
            for pair in mine.windows(2) {
                let (a, b) = (&win.windows[pair[0]], &win.windows[pair[1]]);
                assert!(b.start > a.start && b.start <= a.end);
            }
            if let Some(&last) = mine.last() {
                assert_eq!(win.windows[last].end, s.pieces.len());
            }
            let expected = match labelling {
                PieceLabelling::FirstPiece => s.num_words(),
                PieceLabelling::AllPieces => s.pieces.len(),
            };
            assert_eq!(labelled, expected, "each labelled piece exactly once");
            for (wi, loc) in win.word_locations[si].iter().enumerate() {
                let p = s.word_start[wi];
                let w = &win.windows[loc.window];
                assert_eq!(w.sentence, si);
                assert_eq!(w.start + loc.position - w.offset, p);
                assert_eq!(labels[loc.window][loc.position], gold[si][wi] as i64);
                // No window holds p more centrally.
                let centrality = |a: usize, b: usize| (p - a).min(b - 1 - p);
                let best = mine
                    .iter()
                    .map(|&k| &win.windows[k])
                    .filter(|x| x.start <= p && p < x.end)
                    .map(|x| centrality(x.start, x.end))
                    .max();
                assert_eq!(Some(centrality(w.start, w.end)), best);
            }
        }
        // Gathering per-position outputs returns each word's first piece.
        let outputs: Vec<Vec<(usize, usize)>> = win
            .windows
            .iter()
            .map(|w| {
                (0..w.input_ids.len())
                    .map(|pos| (w.sentence, (w.start + pos).wrapping_sub(w.offset)))
                    .collect()
            })
            .collect();
        let gathered = win.gather_words(&outputs).expect("gather");
        for (si, s) in sentences.iter().enumerate() {
            let want: Vec<(usize, usize)> = s.word_start.iter().map(|&p| (si, p)).collect();
            assert_eq!(gathered[si], want);
        }
    }
}

#[test]
fn windows_start_at_word_boundaries_when_they_can() {
    let tok = tokenizer();
    // Words of 3 pieces each, a budget of 8 pieces and overlap 3: the nominal
    // starts (0, 5, 8, …) fall mid-word and must move back to word starts.
    let mut s = random_sentence(&mut Rng::new(1), 0);
    for w in 0..8 {
        s.word_start.push(s.pieces.len());
        for _ in 0..3 {
            s.pieces.push(7);
            s.piece_word.push(w);
        }
    }
    let config = WindowConfig {
        max_length: 10,
        overlap: 3,
        labelling: PieceLabelling::FirstPiece,
    };
    let win = Windows::new(std::slice::from_ref(&s), &tok, &config).expect("windows");
    let starts: Vec<usize> = win.windows.iter().map(|w| w.start).collect();
    assert!(starts.iter().all(|p| p % 3 == 0), "{starts:?}");
    assert!(starts.windows(2).all(|p| p[1] > p[0]));
    assert_eq!(win.windows.last().map(|w| w.end), Some(24));
}

#[test]
fn bad_window_settings_and_label_shapes_are_errors() {
    let tok = tokenizer();
    let s = tok.tokenize(&["the", "cat"]).expect("tokenize");
    for (max_length, overlap, needle) in [(2, 0, "no room"), (6, 4, "overlap 4"), (6, 5, "overlap")]
    {
        let config = WindowConfig {
            max_length,
            overlap,
            labelling: PieceLabelling::FirstPiece,
        };
        let err = Windows::new(std::slice::from_ref(&s), &tok, &config)
            .expect_err(needle)
            .to_string();
        assert!(err.contains(needle), "{err}");
    }
    let win =
        Windows::new(std::slice::from_ref(&s), &tok, &WindowConfig::default()).expect("windows");
    assert!(win.label_ids(&[vec![1]], |l| l).is_err());
    assert!(win.label_ids(&[], |l| l).is_err());
    assert!(win.gather_words::<u8>(&[]).is_err());
    assert_eq!(win.word_rows(7), vec![vec![1, 2]]);
}

/// Every tweet of WNUT-16 train and WNUT-17 dev (emoji, U+FE0F, URLs,
/// `&lt;`, long hashtags) keeps all its words, even with a vocabulary so
/// small that most pieces are unknown and windows so short that long tweets
/// need several.
#[test]
fn all_shared_tweets_align_and_window() {
    let tok = tokenizer();
    let config = WindowConfig {
        max_length: 24,
        overlap: 6,
        labelling: PieceLabelling::FirstPiece,
    };
    for rel in ["wnut16/train.conll", "extra/wnut17/emerging.dev.conll"] {
        let path = tweetner_testdata::data_file(rel);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let tweets: Vec<Vec<&str>> = text
            .split("\n\n")
            .map(|b| {
                b.lines()
                    .filter_map(|l| l.split('\t').next())
                    .filter(|w| !w.is_empty())
                    .collect()
            })
            .filter(|t: &Vec<&str>| !t.is_empty())
            .collect();
        assert!(tweets.len() > 900, "{rel}");
        let aligned: Vec<AlignedSentence> = tweets
            .iter()
            .map(|t| tok.tokenize(t).expect("tokenize"))
            .collect();
        for (t, s) in tweets.iter().zip(&aligned) {
            check_alignment(t.len(), s, &tok);
        }
        let win = Windows::new(&aligned, &tok, &config).expect("windows");
        assert!(
            win.windows.len() > tweets.len(),
            "some tweets need several windows"
        );
        assert!(win.windows.iter().all(|w| w.input_ids.len() <= 24));
        let counts: Vec<usize> = win.word_locations.iter().map(Vec::len).collect();
        assert_eq!(counts, tweets.iter().map(Vec::len).collect::<Vec<_>>());
    }
}
