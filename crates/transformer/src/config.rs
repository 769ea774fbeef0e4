//! The encoder's hyper-parameters, read from a Hugging Face `config.json`.
//!
//! Only the fields the forward pass needs are read; everything else in the
//! file (`architectures`, `transformers_version`, …) is ignored. Fields whose
//! default differs between BERT and MPNet are optional here and resolved by
//! [`EncoderConfig::layer_norm_eps`] and [`EncoderConfig::pad_token_id`].

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::TransformerError;

/// Which encoder family a checkpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// BERT: learned absolute positions from 0, token-type embeddings.
    Bert,
    /// MPNet: learned absolute positions starting after the padding id (as in
    /// RoBERTa) plus a bucketed relative-position bias on attention scores.
    Mpnet,
}

/// The feed-forward activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// Exact GELU, `x·Φ(x)` (the `"gelu"` of both checkpoints used here).
    #[serde(rename = "gelu")]
    Gelu,
    /// The tanh approximation of GELU (`"gelu_new"`, `"gelu_pytorch_tanh"`).
    #[serde(rename = "gelu_new", alias = "gelu_pytorch_tanh")]
    GeluTanh,
}

fn default_activation() -> Activation {
    Activation::Gelu
}

fn default_dropout() -> f64 {
    0.1
}

fn default_buckets() -> usize {
    32
}

/// Hyper-parameters of a BERT or MPNet encoder, with the field names of the
/// Hugging Face `config.json` so a checkpoint's file deserialises directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderConfig {
    /// `"bert"` or `"mpnet"`.
    pub model_type: Architecture,
    /// Number of token ids.
    pub vocab_size: usize,
    /// Width of every hidden state.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer (must divide `hidden_size`).
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Feed-forward activation.
    #[serde(default = "default_activation")]
    pub hidden_act: Activation,
    /// Rows of the absolute position table. For MPNet the first
    /// `pad_token_id + 1` rows are never used by real tokens.
    pub max_position_embeddings: usize,
    /// Rows of the token-type table (BERT only; 0 for none).
    #[serde(default)]
    pub type_vocab_size: usize,
    /// LayerNorm epsilon; defaults to 1e-12 (BERT) or 1e-5 (MPNet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_norm_eps: Option<f64>,
    /// Padding token id; defaults to 0 (BERT) or 1 (MPNet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pad_token_id: Option<u32>,
    /// Buckets of MPNet's relative-position bias.
    #[serde(default = "default_buckets")]
    pub relative_attention_num_buckets: usize,
    /// Dropout on embeddings and on each sub-layer output (training only).
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    /// Dropout on attention probabilities (training only).
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
}

/// Largest relative distance MPNet's buckets distinguish; fixed in the model
/// definition rather than stored in its config.
pub const MPNET_MAX_DISTANCE: usize = 128;

impl EncoderConfig {
    /// Read and validate a `config.json`.
    pub fn from_file(path: &Path) -> Result<Self, TransformerError> {
        let text = fs::read_to_string(path).map_err(|source| TransformerError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let config: EncoderConfig =
            serde_json::from_str(&text).map_err(|e| TransformerError::json(path, &e))?;
        config
            .validate()
            .map_err(|message| TransformerError::Config {
                path: path.to_path_buf(),
                message,
            })?;
        Ok(config)
    }

    /// Validate a config built in code (errors name `<memory>` as the file).
    pub fn checked(self) -> Result<Self, TransformerError> {
        self.validate()
            .map_err(|message| TransformerError::Config {
                path: PathBuf::from("<memory>"),
                message,
            })
            .map(|()| self)
    }

    /// The LayerNorm epsilon, with the architecture's default.
    pub fn layer_norm_eps(&self) -> f64 {
        self.layer_norm_eps.unwrap_or(match self.model_type {
            Architecture::Bert => 1e-12,
            Architecture::Mpnet => 1e-5,
        })
    }

    /// The padding id, with the architecture's default.
    pub fn pad_token_id(&self) -> u32 {
        self.pad_token_id.unwrap_or(match self.model_type {
            Architecture::Bert => 0,
            Architecture::Mpnet => 1,
        })
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads.max(1)
    }

    /// Position id of the first real token: 0 for BERT; for MPNet positions
    /// count from `pad_token_id + 1`, the padding id's own row being reserved.
    pub fn first_position(&self) -> usize {
        match self.model_type {
            Architecture::Bert => 0,
            Architecture::Mpnet => self.pad_token_id() as usize + 1,
        }
    }

    /// Longest input (special tokens included) the position table can embed.
    pub fn max_input_len(&self) -> usize {
        self.max_position_embeddings
            .saturating_sub(self.first_position())
    }

    fn validate(&self) -> Result<(), String> {
        let positive = [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_position_embeddings", self.max_position_embeddings),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(format!("{name} must be positive"));
            }
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        let eps = self.layer_norm_eps();
        if !(eps.is_finite() && eps > 0.0) {
            return Err(format!("layer_norm_eps must be positive, got {eps}"));
        }
        if self.pad_token_id() as usize >= self.vocab_size {
            return Err(format!(
                "pad_token_id {} is outside the vocabulary of {}",
                self.pad_token_id(),
                self.vocab_size
            ));
        }
        for (name, p) in [
            ("hidden_dropout_prob", self.hidden_dropout_prob),
            (
                "attention_probs_dropout_prob",
                self.attention_probs_dropout_prob,
            ),
        ] {
            if !(p.is_finite() && (0.0..1.0).contains(&p)) {
                return Err(format!("{name} must be in [0, 1), got {p}"));
            }
        }
        if self.max_input_len() < 3 {
            return Err(format!(
                "max_position_embeddings {} leaves no room for an input",
                self.max_position_embeddings
            ));
        }
        if self.model_type == Architecture::Mpnet && self.relative_attention_num_buckets < 4 {
            return Err(format!(
                "relative_attention_num_buckets must be at least 4, got {}",
                self.relative_attention_num_buckets
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("config.json");
        fs::write(&path, text).expect("write config");
        path
    }

    #[test]
    fn reads_hf_bert_and_mpnet_configs_with_architecture_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bert = EncoderConfig::from_file(&write(
            dir.path(),
            r#"{"architectures": ["BertModel"], "model_type": "bert", "vocab_size": 100,
                "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
                "intermediate_size": 16, "max_position_embeddings": 32, "type_vocab_size": 2,
                "hidden_act": "gelu", "transformers_version": "4.8.2"}"#,
        ))
        .expect("bert config");
        assert_eq!(bert.model_type, Architecture::Bert);
        assert_eq!((bert.layer_norm_eps(), bert.pad_token_id()), (1e-12, 0));
        assert_eq!((bert.first_position(), bert.max_input_len()), (0, 32));
        let mpnet = EncoderConfig::from_file(&write(
            dir.path(),
            r#"{"model_type": "mpnet", "vocab_size": 100, "hidden_size": 8,
                "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 16,
                "max_position_embeddings": 34, "hidden_act": "gelu_new"}"#,
        ))
        .expect("mpnet config");
        assert_eq!(mpnet.hidden_act, Activation::GeluTanh);
        assert_eq!((mpnet.layer_norm_eps(), mpnet.pad_token_id()), (1e-5, 1));
        assert_eq!((mpnet.first_position(), mpnet.max_input_len()), (2, 32));
        assert_eq!(mpnet.relative_attention_num_buckets, 32);
        assert_eq!(mpnet.head_dim(), 2);
        // Written back, unset optional fields are left out rather than `null`
        // (Hugging Face loaders would take a `null` epsilon literally).
        let json = serde_json::to_string(&mpnet).expect("serialise");
        assert!(!json.contains("null"), "{json}");
        let back: EncoderConfig = serde_json::from_str(&json).expect("parse back");
        assert_eq!(back, mpnet);
    }

    #[test]
    fn bad_configs_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases = [
            (r#"{"model_type": "gpt2"}"#, "line 1"),
            (
                r#"{"model_type": "bert", "vocab_size": 10, "hidden_size": 6,
                    "num_hidden_layers": 1, "num_attention_heads": 4,
                    "intermediate_size": 4, "max_position_embeddings": 8}"#,
                "not a multiple",
            ),
            (
                r#"{"model_type": "bert", "vocab_size": 10, "hidden_size": 8,
                    "num_hidden_layers": 1, "num_attention_heads": 4, "pad_token_id": 10,
                    "intermediate_size": 4, "max_position_embeddings": 8}"#,
                "pad_token_id",
            ),
            (
                r#"{"model_type": "bert", "vocab_size": 10, "hidden_size": 8,
                    "num_hidden_layers": 1, "num_attention_heads": 4, "hidden_act": "swish",
                    "intermediate_size": 4, "max_position_embeddings": 8}"#,
                "line 2",
            ),
        ];
        for (text, needle) in cases {
            let path = write(dir.path(), text);
            let err = EncoderConfig::from_file(&path).expect_err(text).to_string();
            assert!(err.contains("config.json"), "{err}");
            assert!(err.contains(needle), "{err} lacks {needle}");
        }
    }
}
