//! The encoder's parameters under their Hugging Face names and layout (linear
//! weights back to `[out, in]`), the inverse of [`crate::load_weights`]. A
//! fine-tuned model is exported by adding its head's tensors and writing all
//! of them with [`write_safetensors`].

use std::path::Path;

use burn::nn::{Embedding, LayerNorm, Linear};
use burn::tensor::Tensor;
use safetensors::{Dtype, View};

use crate::config::Architecture;
use crate::encoder::Encoder;
use crate::error::TransformerError;
use crate::names;

/// One named `f32` tensor in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// Full name, prefix included.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Values.
    pub values: Vec<f32>,
}

impl NamedTensor {
    /// Read a burn tensor back into a named tensor.
    pub fn from_tensor<const D: usize>(
        name: String,
        t: Tensor<D>,
    ) -> Result<Self, TransformerError> {
        let shape = t.dims().to_vec();
        let values = t
            .into_data()
            .try_into_vec_as::<f32>()
            .map_err(|e| TransformerError::Tensor(format!("reading `{name}`: {e:?}")))?;
        Ok(NamedTensor {
            name,
            shape,
            values,
        })
    }
}

struct Collector<'a> {
    prefix: &'a str,
    out: Vec<NamedTensor>,
}

impl Collector<'_> {
    fn push<const D: usize>(&mut self, name: &str, t: Tensor<D>) -> Result<(), TransformerError> {
        let full = format!("{}{name}", self.prefix);
        self.out.push(NamedTensor::from_tensor(full, t)?);
        Ok(())
    }

    fn embedding(&mut self, name: &str, e: &Embedding) -> Result<(), TransformerError> {
        self.push(&format!("{name}.weight"), e.weight.val())
    }

    fn linear(&mut self, name: &str, l: &Linear) -> Result<(), TransformerError> {
        self.push(&format!("{name}.weight"), l.weight.val().transpose())?;
        if let Some(b) = &l.bias {
            self.push(&format!("{name}.bias"), b.val())?;
        }
        Ok(())
    }

    fn layer_norm(&mut self, name: &str, ln: &LayerNorm) -> Result<(), TransformerError> {
        self.push(&format!("{name}.weight"), ln.gamma.val())?;
        if let Some(b) = &ln.beta {
            self.push(&format!("{name}.bias"), b.val())?;
        }
        Ok(())
    }
}

impl Encoder {
    /// All parameters under Hugging Face names, each prefixed by `prefix`
    /// (`""` for a bare encoder, `"bert."` / `"mpnet."` next to a task head).
    pub fn hf_tensors(&self, prefix: &str) -> Result<Vec<NamedTensor>, TransformerError> {
        let arch = self.config.model_type;
        let mut c = Collector {
            prefix,
            out: Vec::new(),
        };
        let en = names::embeddings(arch);
        c.embedding(en.word, &self.embeddings.word)?;
        c.embedding(en.position, &self.embeddings.position)?;
        if let (Some(name), Some(tt)) = (en.token_type, &self.embeddings.token_type) {
            c.embedding(name, tt)?;
        }
        c.layer_norm(en.layer_norm, &self.embeddings.layer_norm)?;
        for (i, layer) in self.layers.iter().enumerate() {
            let n = names::layer(arch, i);
            let a = &layer.attention;
            c.linear(&n.query, &a.query)?;
            c.linear(&n.key, &a.key)?;
            c.linear(&n.value, &a.value)?;
            c.linear(&n.attention_output, &a.output)?;
            c.layer_norm(&n.attention_layer_norm, &a.layer_norm)?;
            c.linear(&n.intermediate, &layer.intermediate)?;
            c.linear(&n.output, &layer.output)?;
            c.layer_norm(&n.output_layer_norm, &layer.layer_norm)?;
        }
        if let (Architecture::Mpnet, Some(bias)) = (arch, &self.relative_attention_bias) {
            c.embedding(names::RELATIVE_ATTENTION_BIAS, bias)?;
        }
        Ok(c.out)
    }
}

struct F32View<'a>(&'a NamedTensor);

impl View for F32View<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }
    fn shape(&self) -> &[usize] {
        &self.0.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Owned(self.0.values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }
    fn data_len(&self) -> usize {
        self.0.values.len() * 4
    }
}

/// Write tensors as a `model.safetensors` (`format: pt` metadata, as
/// Hugging Face loaders expect).
pub fn write_safetensors(tensors: &[NamedTensor], path: &Path) -> Result<(), TransformerError> {
    let metadata = Some(
        [("format".to_string(), "pt".to_string())]
            .into_iter()
            .collect(),
    );
    let views = tensors.iter().map(|t| (t.name.as_str(), F32View(t)));
    safetensors::serialize_to_file(views, metadata, path).map_err(|e| TransformerError::Weights {
        path: path.to_path_buf(),
        message: format!("writing: {e}"),
    })
}
