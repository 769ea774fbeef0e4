//! The real WNUT-16 files: sizes from the task's published description.

mod common;

use common::wnut16;
use tweetner_data::{
    is_valid_bio, oov_rate, read_conll, stats, write_conll, ConllReader, LabelSet, ReadOptions,
    Sentence, WNUT16_TYPES,
};

fn load(split: &str) -> Vec<Sentence> {
    let opts = ReadOptions {
        labels: Some(LabelSet::wnut16()),
        ..ReadOptions::default()
    };
    let path = wnut16(split);
    read_conll(&path, &opts).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn train_and_dev_have_the_published_sizes() {
    for (split, tweets, tokens, entities) in
        [("train", 2394, 46469, 1496), ("dev", 1000, 16261, 661)]
    {
        let data = load(split);
        let st = stats(&data);
        assert_eq!(
            (st.tweets, st.tokens, st.entities),
            (tweets, tokens, entities),
            "{split}"
        );
        assert_eq!(st.b_tags, entities, "{split}: every entity starts with B-");
        assert_eq!(st.b_tags + st.i_tags + st.o_tags, tokens);
        let per_type: usize = st.entities_per_type.iter().map(|(_, n)| n).sum();
        assert_eq!(per_type, entities);
        assert!(st
            .entities_per_type
            .iter()
            .all(|(t, _)| WNUT16_TYPES.contains(&t.as_str())));
        assert!(data.iter().all(|s| is_valid_bio(&s.tags)), "{split}");
        assert_eq!(st.length.max, data.iter().map(Sentence::len).max().unwrap());
        assert!(st.length.p90 <= st.length.p95 && st.length.p95 <= st.length.p99);
        assert!(st.length.p99 <= st.length.max);
        assert!(st.vocab_size_lowercase < st.vocab_size);
        // Text rendering carries the headline numbers.
        let text = st.render_text();
        assert!(text.contains(&format!("tweets        {tweets}")), "{text}");
    }
}

#[test]
fn wnut16_types_are_the_types_of_train() {
    let train = load("train");
    let mut found = LabelSet::from_sentences(&train).types;
    let mut want: Vec<String> = WNUT16_TYPES.iter().map(|t| t.to_string()).collect();
    found.sort();
    want.sort();
    assert_eq!(found, want);
}

#[test]
fn dev_oov_against_train() {
    let (train, dev) = (load("train"), load("dev"));
    let o = oov_rate(&dev, &train);
    assert_eq!(o.tokens, 16261);
    assert!(o.oov_tokens_lowercase <= o.oov_tokens);
    assert!(o.token_rate > 0.0 && o.token_rate < 1.0);
    assert_eq!(o.entities, 661);
    let self_oov = oov_rate(&train, &train);
    assert_eq!((self_oov.oov_tokens, self_oov.oov_types), (0, 0));
    assert_eq!(self_oov.unseen_entities, 0);
}

#[test]
fn write_then_read_reproduces_the_file_byte_for_byte() {
    for split in ["train", "dev"] {
        let path = wnut16(split);
        let original = std::fs::read(&path).unwrap();
        let data = load(split);
        let mut out = Vec::new();
        write_conll(&mut out, &data).unwrap();
        assert!(
            out == original,
            "{split}: written file differs from the original"
        );
        let again: Vec<Sentence> = ConllReader::new(&out[..], "mem", ReadOptions::default())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(again, data);
    }
}
