//! Sub-word alignment with the real MiniLM and MPNet tokenizers on nasty
//! tweets from the shared data (URLs, `&lt;`, long hashtags, emoji, lone
//! U+FE0F). Skips with a SKIP line when `scripts/fetch-encoders.sh` has not run.

use std::path::PathBuf;

use tweetner_transformer::{
    AlignedSentence, SubwordTokenizer, WindowConfig, Windows, IGNORE_INDEX,
};

fn encoder_cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("TWEETNER_ENCODERS") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("tweetner/encoders")
}

fn tweets(rel: &str) -> Vec<Vec<String>> {
    let path = tweetner_testdata::data_file(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter_map(|l| l.split('\t').next())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

fn pieces_of(tok: &SubwordTokenizer, s: &AlignedSentence, w: usize) -> Vec<String> {
    s.word_pieces(w)
        .map(|p| tok.piece_text(s.pieces[p]).unwrap_or_default())
        .collect()
}

fn find<'a>(all: &'a [Vec<String>], word: &str) -> (usize, &'a Vec<String>) {
    all.iter()
        .enumerate()
        .find(|(_, t)| t.iter().any(|w| w == word))
        .unwrap_or_else(|| panic!("no tweet contains {word:?}"))
}

fn load(model: &str) -> Option<SubwordTokenizer> {
    let path = encoder_cache().join(model).join("tokenizer.json");
    if !path.is_file() {
        println!(
            "SKIP: no {} (run scripts/fetch-encoders.sh)",
            path.display()
        );
        return None;
    }
    Some(SubwordTokenizer::from_file(&path).expect("tokenizer"))
}

#[test]
fn nasty_tweets_keep_every_word() {
    for model in ["minilm", "mpnet"] {
        let Some(tok) = load(model) else { continue };
        let train = tweets("wnut16/train.conll");
        let emerging = tweets("extra/wnut17/emerging.dev.conll");
        let mut total_unknown = 0;
        for t in train.iter().chain(&emerging) {
            let s = tok.tokenize(t).expect("tokenize");
            assert_eq!(s.num_words(), t.len());
            for (w, word) in t.iter().enumerate() {
                assert!(!s.word_pieces(w).is_empty(), "{model}: {word:?} lost");
            }
            total_unknown += s.unknown_words.len();
        }
        assert!(
            total_unknown >= 4,
            "{model}: the lone U+FE0F words of WNUT-17 dev"
        );

        let (_, t) = find(&train, "&lt;");
        let s = tok.tokenize(t).expect("tokenize");
        let w = t.iter().position(|x| x == "&lt;").unwrap_or(0);
        assert_eq!(pieces_of(&tok, &s, w), ["&", "lt", ";"], "{model}");

        let (_, t) = find(&train, "#wavesindexfingerintheair");
        let s = tok.tokenize(t).expect("tokenize");
        let w = t
            .iter()
            .position(|x| x == "#wavesindexfingerintheair")
            .unwrap_or(0);
        let hashtag = pieces_of(&tok, &s, w);
        assert_eq!(hashtag[0], "#");
        assert!(
            hashtag.len() >= 4 && hashtag[2..].iter().all(|p| p.starts_with("##")),
            "{hashtag:?}"
        );
        assert!(s.is_first_piece(s.word_start[w]) && !s.is_first_piece(s.word_start[w] + 1));

        let (_, t) = find(&train, "http://fb.me/xLeN7MAe");
        let s = tok.tokenize(t).expect("tokenize");
        let w = t
            .iter()
            .position(|x| x == "http://fb.me/xLeN7MAe")
            .unwrap_or(0);
        assert_eq!(pieces_of(&tok, &s, w)[..3], ["http", ":", "/"]);

        let (_, t) = find(&emerging, "\u{FE0F}");
        let s = tok.tokenize(t).expect("tokenize");
        let w = t.iter().position(|x| x == "\u{FE0F}").unwrap_or(0);
        assert_eq!(s.word_pieces(w).len(), 1);
        assert_eq!(s.pieces[s.word_start[w]], tok.unk_id());
        assert!(s.unknown_words.contains(&w));
        // The emoji before it keeps its own piece(s).
        let heart = t.iter().position(|x| x == "❤").unwrap_or(0);
        assert!(!s.word_pieces(heart).is_empty());
    }
}

/// Several tweets joined into one far longer than a window still keep every
/// word, each labelled exactly once.
#[test]
fn long_tweets_are_windowed_not_truncated() {
    for model in ["minilm", "mpnet"] {
        let Some(tok) = load(model) else { continue };
        let train = tweets("wnut16/train.conll");
        let long: Vec<String> = train.iter().take(40).flatten().cloned().collect();
        let s = tok.tokenize(&long).expect("tokenize");
        assert!(s.pieces.len() > 600, "{}", s.pieces.len());
        let config = WindowConfig::default();
        let win = Windows::new(std::slice::from_ref(&s), &tok, &config).expect("windows");
        assert!(win.windows.len() >= 6, "{}", win.windows.len());
        assert!(win
            .windows
            .iter()
            .all(|w| w.input_ids.len() <= config.max_length));
        let gold: Vec<Vec<usize>> = vec![(0..long.len()).map(|w| w % 7 + 1).collect()];
        let labels = win.label_ids(&gold, |l| l).expect("labels");
        let used: usize = labels
            .iter()
            .flatten()
            .filter(|&&l| l != IGNORE_INDEX)
            .count();
        assert_eq!(used, long.len(), "{model}");
        assert_eq!(win.word_locations[0].len(), long.len());
    }
}
