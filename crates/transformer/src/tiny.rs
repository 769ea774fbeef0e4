//! A tiny randomly initialised BERT written to disk: an encoder directory
//! (`config.json`, `tokenizer.json`, `model.safetensors`) that tests and
//! examples can fine-tune in seconds without downloading one.
//!
//! Its uncased WordPiece vocabulary is the alphanumeric words of the texts it
//! is made for plus ASCII punctuation, so those texts tokenize into whole
//! words and anything else into `[UNK]`; 2 layers of width 32 learn a small
//! training set well enough to check that labels, saving and loading work.

use std::path::Path;

use serde_json::json;

use crate::config::EncoderConfig;
use crate::encoder::Encoder;
use crate::error::TransformerError;
use crate::export::write_safetensors;

const SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

fn write(path: &Path, text: String) -> Result<(), TransformerError> {
    std::fs::write(path, text).map_err(|source| TransformerError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// An uncased BERT `tokenizer.json` (BERT normaliser and pre-tokenizer,
/// `[CLS] … [SEP]` template, WordPiece) whose vocabulary is the five
/// specials (`[PAD] [UNK] [CLS] [SEP] [MASK]`, ids 0–4) then `pieces`, with
/// no truncation or padding.
pub fn wordpiece_tokenizer_json<S: AsRef<str>>(pieces: &[S]) -> serde_json::Value {
    let mut vocab = serde_json::Map::new();
    let all = SPECIALS
        .iter()
        .copied()
        .chain(pieces.iter().map(AsRef::as_ref));
    for (i, t) in all.enumerate() {
        vocab.insert(t.to_string(), json!(i));
    }
    let added: Vec<_> = SPECIALS
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({"id": i, "content": t, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let special = |t: &str| json!({"SpecialToken": {"id": t, "type_id": 0}});
    let sequence = |id: &str, type_id: u32| json!({"Sequence": {"id": id, "type_id": type_id}});
    json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                       "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
            "single": [special("[CLS]"), sequence("A", 0), special("[SEP]")],
            "pair": [special("[CLS]"), sequence("A", 0), special("[SEP]"), sequence("B", 1),
                     special("[SEP]")],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    })
}

/// Write the tiny encoder for the words of `texts` into `dir` (which must
/// exist), its weights drawn from the backend's generator seeded with `seed`.
///
/// # Errors
/// A file cannot be written.
pub fn write_tiny_bert(
    dir: &Path,
    texts: &[Vec<String>],
    seed: u64,
) -> Result<(), TransformerError> {
    let mut words: Vec<String> = texts
        .iter()
        .flatten()
        .map(|w| w.to_lowercase())
        .filter(|w| w.chars().all(char::is_alphanumeric))
        .collect();
    words.extend("!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~".chars().map(String::from));
    words.sort();
    words.dedup();
    let tokenizer = wordpiece_tokenizer_json(&words);
    write(&dir.join("tokenizer.json"), tokenizer.to_string())?;
    let config = json!({
        "model_type": "bert", "vocab_size": SPECIALS.len() + words.len(), "hidden_size": 32,
        "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
        "max_position_embeddings": 64, "type_vocab_size": 2, "hidden_act": "gelu",
        "pad_token_id": 0, "layer_norm_eps": 1e-12,
    });
    let config_path = dir.join("config.json");
    write(&config_path, config.to_string())?;
    let config = EncoderConfig::from_file(&config_path)?;
    let device = crate::cpu_device();
    device.seed(seed);
    let encoder = Encoder::new(config, &device)?;
    write_safetensors(&encoder.hf_tensors("")?, &dir.join("model.safetensors"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subword::SubwordTokenizer;

    #[test]
    fn the_words_it_was_made_for_are_whole_pieces() {
        let d = tempfile::tempdir().expect("dir");
        let texts = vec![vec!["Obama".to_string(), "visits".into(), "Paris".into()]];
        write_tiny_bert(d.path(), &texts, 1).expect("written");
        let tok = SubwordTokenizer::from_file(&d.path().join("tokenizer.json")).expect("tokenizer");
        let a = tok
            .tokenize(&["obama", "visits", "London"])
            .expect("tokenized");
        assert_eq!(a.pieces.len(), 3);
        assert_eq!(a.pieces[2], 1, "an unseen word is [UNK]");
        let encoder = crate::load_encoder(d.path(), &crate::cpu_device()).expect("loads");
        assert_eq!(encoder.config.hidden_size, 32);
    }
}
