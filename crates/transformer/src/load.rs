//! Building an [`Encoder`] from a Hugging Face checkpoint directory.

use std::fs;
use std::path::Path;

use burn::nn::DropoutConfig;
use burn::tensor::Device;

use crate::config::{Activation, Architecture, EncoderConfig};
use crate::encoder::{Embeddings, Encoder, EncoderLayer, SelfAttention};
use crate::error::TransformerError;
use crate::names;
use crate::weights::WeightReader;

/// File name of the hyper-parameters inside a checkpoint directory.
pub const CONFIG_FILE: &str = "config.json";
/// File name of the weights inside a checkpoint directory.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// File name of the tokenizer inside a checkpoint directory.
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// Load `dir/config.json` and `dir/model.safetensors` onto `device`.
pub fn load_encoder(dir: &Path, device: &Device) -> Result<Encoder, TransformerError> {
    let config = EncoderConfig::from_file(&dir.join(CONFIG_FILE))?;
    load_weights(config, &dir.join(WEIGHTS_FILE), device)
}

/// Build an encoder for `config` from the safetensors file at `path`. Every
/// tensor the config implies must be present with its shape; extra tensors
/// (a pooler, a task head) are ignored.
pub fn load_weights(
    config: EncoderConfig,
    path: &Path,
    device: &Device,
) -> Result<Encoder, TransformerError> {
    let config = config.checked()?;
    let bytes = fs::read(path).map_err(|source| TransformerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let w = WeightReader::new(&bytes, path)?;
    let arch = config.model_type;
    let h = config.hidden_size;
    let eps = config.layer_norm_eps();
    let hidden_dropout = || DropoutConfig::new(config.hidden_dropout_prob).init();

    let en = names::embeddings(arch);
    let token_type = match en.token_type {
        Some(name) if config.type_vocab_size > 0 => {
            Some(w.embedding(name, config.type_vocab_size, h, device)?)
        }
        _ => None,
    };
    let embeddings = Embeddings {
        word: w.embedding(en.word, config.vocab_size, h, device)?,
        position: w.embedding(en.position, config.max_position_embeddings, h, device)?,
        token_type,
        layer_norm: w.layer_norm(en.layer_norm, h, eps, device)?,
        dropout: hidden_dropout(),
    };

    let mut layers = Vec::with_capacity(config.num_hidden_layers);
    for i in 0..config.num_hidden_layers {
        let n = names::layer(arch, i);
        layers.push(EncoderLayer {
            attention: SelfAttention {
                query: w.linear(&n.query, h, h, device)?,
                key: w.linear(&n.key, h, h, device)?,
                value: w.linear(&n.value, h, h, device)?,
                output: w.linear(&n.attention_output, h, h, device)?,
                layer_norm: w.layer_norm(&n.attention_layer_norm, h, eps, device)?,
                probs_dropout: DropoutConfig::new(config.attention_probs_dropout_prob).init(),
                output_dropout: hidden_dropout(),
                heads: config.num_attention_heads,
            },
            intermediate: w.linear(&n.intermediate, h, config.intermediate_size, device)?,
            output: w.linear(&n.output, config.intermediate_size, h, device)?,
            layer_norm: w.layer_norm(&n.output_layer_norm, h, eps, device)?,
            dropout: hidden_dropout(),
            gelu_tanh: config.hidden_act == Activation::GeluTanh,
        });
    }

    let relative_attention_bias = match arch {
        Architecture::Mpnet => Some(w.embedding(
            names::RELATIVE_ATTENTION_BIAS,
            config.relative_attention_num_buckets,
            config.num_attention_heads,
            device,
        )?),
        Architecture::Bert => None,
    };
    Ok(Encoder {
        embeddings,
        layers,
        relative_attention_bias,
        config,
    })
}
