//! Helpers shared by the unit tests: tiny configs and tokenizers written to disk.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::config::EncoderConfig;

/// Write a tiny `config.json` for `arch` ("bert" or "mpnet") into `dir` and read it back.
pub fn tiny_config(dir: &Path, arch: &str, vocab_size: usize) -> EncoderConfig {
    let path = dir.join("config.json");
    let text = json!({
        "model_type": arch,
        "vocab_size": vocab_size,
        "hidden_size": 16,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 24,
        "max_position_embeddings": 40,
        "type_vocab_size": if arch == "bert" { 2 } else { 0 },
        "relative_attention_num_buckets": 32,
        "hidden_act": "gelu",
    });
    std::fs::write(&path, text.to_string()).expect("write config");
    EncoderConfig::from_file(&path).expect("tiny config")
}

/// Pieces of the tiny WordPiece vocabulary after the five specials
/// (`[PAD] [UNK] [CLS] [SEP] [MASK]` = ids 0..5).
pub const TINY_PIECES: &[&str] = &[
    "the", "cat", "##s", "sat", "on", "mat", "disney", "world", "&", "lt", ";", "#", "love",
    "##ly", "http", ":", "/", "fb", ".", "me", "3", "a", "rt", "@", "user", "##name", "!",
];

/// Write a BERT-style `tokenizer.json` (lower-casing BERT normaliser, BERT
/// pre-tokenizer, `[CLS] … [SEP]` template) over [`TINY_PIECES`], with the
/// padding and truncation that real checkpoints ship switched on.
pub fn tiny_tokenizer(dir: &Path) -> PathBuf {
    let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
    let mut vocab = serde_json::Map::new();
    for (i, t) in specials.iter().chain(TINY_PIECES).enumerate() {
        vocab.insert(t.to_string(), json!(i));
    }
    let added: Vec<_> = specials
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({"id": i, "content": t, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let special = |t: &str| json!({"SpecialToken": {"id": t, "type_id": 0}});
    let text = json!({
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": 4, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": 16}, "direction": "Right", "pad_to_multiple_of": null,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                       "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, special("[SEP]")],
            "pair": [special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, special("[SEP]"),
                     {"Sequence": {"id": "B", "type_id": 1}}, special("[SEP]")],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    });
    let path = dir.join("tokenizer.json");
    std::fs::write(&path, text.to_string()).expect("write tokenizer");
    path
}

/// The project's seeded generator, for test inputs.
pub use tweetner_core::rng::SplitMix64 as Rng;
