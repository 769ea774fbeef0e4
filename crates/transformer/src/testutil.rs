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
    let mut text = crate::tiny::wordpiece_tokenizer_json(TINY_PIECES);
    text["truncation"] =
        json!({"direction": "Right", "max_length": 4, "strategy": "LongestFirst", "stride": 0});
    text["padding"] = json!({"strategy": {"Fixed": 16}, "direction": "Right",
        "pad_to_multiple_of": null, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"});
    let path = dir.join("tokenizer.json");
    std::fs::write(&path, text.to_string()).expect("write tokenizer");
    path
}

/// The project's seeded generator, for test inputs.
pub use tweetner_core::rng::SplitMix64 as Rng;
