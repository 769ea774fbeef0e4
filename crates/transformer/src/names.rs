//! Hugging Face tensor names of each encoder part, per architecture, in one
//! place so that loading (and a later HF-layout export) agree on them. Names
//! are given without the checkpoint's prefix (`bert.`, `mpnet.`, or none) and
//! without the `.weight` / `.bias` suffix.

use crate::config::Architecture;

/// Embedding-block names.
pub struct EmbeddingNames {
    /// Token table.
    pub word: &'static str,
    /// Absolute position table.
    pub position: &'static str,
    /// Token-type table (BERT only).
    pub token_type: Option<&'static str>,
    /// LayerNorm after the sum.
    pub layer_norm: &'static str,
}

/// Names of one transformer layer's parts.
pub struct LayerNames {
    /// Query projection.
    pub query: String,
    /// Key projection.
    pub key: String,
    /// Value projection.
    pub value: String,
    /// Attention output projection.
    pub attention_output: String,
    /// LayerNorm after the attention residual.
    pub attention_layer_norm: String,
    /// Feed-forward up-projection.
    pub intermediate: String,
    /// Feed-forward down-projection.
    pub output: String,
    /// LayerNorm after the feed-forward residual.
    pub output_layer_norm: String,
}

/// Names of the embedding block.
pub fn embeddings(arch: Architecture) -> EmbeddingNames {
    EmbeddingNames {
        word: "embeddings.word_embeddings",
        position: "embeddings.position_embeddings",
        token_type: match arch {
            Architecture::Bert => Some("embeddings.token_type_embeddings"),
            Architecture::Mpnet => None,
        },
        layer_norm: "embeddings.LayerNorm",
    }
}

/// Names of layer `i`.
pub fn layer(arch: Architecture, i: usize) -> LayerNames {
    let p = format!("encoder.layer.{i}");
    let (q, k, v, o, ln) = match arch {
        Architecture::Bert => (
            "attention.self.query",
            "attention.self.key",
            "attention.self.value",
            "attention.output.dense",
            "attention.output.LayerNorm",
        ),
        Architecture::Mpnet => (
            "attention.attn.q",
            "attention.attn.k",
            "attention.attn.v",
            "attention.attn.o",
            "attention.LayerNorm",
        ),
    };
    LayerNames {
        query: format!("{p}.{q}"),
        key: format!("{p}.{k}"),
        value: format!("{p}.{v}"),
        attention_output: format!("{p}.{o}"),
        attention_layer_norm: format!("{p}.{ln}"),
        intermediate: format!("{p}.intermediate.dense"),
        output: format!("{p}.output.dense"),
        output_layer_norm: format!("{p}.output.LayerNorm"),
    }
}

/// The table of MPNet's relative-position bias, shared by all layers.
pub const RELATIVE_ATTENTION_BIAS: &str = "encoder.relative_attention_bias";
