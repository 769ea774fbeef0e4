//! A fine-tuned transformer as a tweetner model directory that is at the same
//! time a Hugging Face token-classification checkpoint.
//!
//! One set of files serves both worlds, so what Python `transformers` loads
//! is exactly what `tweetner` tags with (no second export to drift):
//!
//! | file | content |
//! |---|---|
//! | `config.json` | the encoder's config plus `architectures` (`BertForTokenClassification` / `MPNetForTokenClassification`), `id2label`, `label2id` |
//! | `model.safetensors` | encoder tensors under HF names with the `bert.` / `mpnet.` prefix, `classifier.weight` `[labels, hidden]`, `classifier.bias` |
//! | `tokenizer.json` (+ `vocab.txt`, `tokenizer_config.json`, `special_tokens_map.json` when the encoder had them) | the encoder's tokenizer, unchanged |
//! | `crf.json` | CRF head only: learned `transitions` (`[L·L]`, prev × next), `start`, `end` (without the BIO mask, which is re-derived from the labels) |
//! | `tweetner-model.json` | [`TransformerManifest`]: `kind` = `"transformer"`, the [`HeadSpec`] |
//! | `labels.json` | the labels in output order |
//! | `lexicon.lex` | with `lexicon_dim > 0` only: the compiled entry list the features come from (written by the trainer); its layer is `tweetner_lexicon.weight` `[labels, dim]` and `.bias` in `model.safetensors` |

use std::fs;
use std::path::Path;

use burn::module::Module;
use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use tweetner_model::Crf;

use crate::config::{Architecture, EncoderConfig};
use crate::error::TransformerError;
use crate::export::{write_safetensors, NamedTensor};
use crate::head::{HeadKind, HeadSpec, TokenClassifier};
use crate::load::{load_weights, CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE};
use crate::subword::SubwordTokenizer;
use crate::weights::WeightReader;

/// The manifest file name shared by every tweetner model kind.
pub const MANIFEST_FILE: &str = "tweetner-model.json";
/// `kind` of a fine-tuned transformer.
pub const KIND_TRANSFORMER: &str = "transformer";
/// CRF scores of a CRF head.
pub const CRF_FILE: &str = "crf.json";
/// Labels in output order.
pub const LABELS_FILE: &str = "labels.json";
/// Manifest format written and read.
pub const FORMAT_VERSION: u32 = 1;
/// Tokenizer companions copied when present, so `AutoTokenizer` works too.
const TOKENIZER_EXTRAS: [&str; 3] = [
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
];

/// Contents of `tweetner-model.json` for a transformer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransformerManifest {
    /// [`FORMAT_VERSION`].
    pub format: u32,
    /// [`KIND_TRANSFORMER`].
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Version of tweetner that wrote it.
    pub tweetner_version: String,
    /// The head (labels, loss, windows).
    pub head: HeadSpec,
}

/// Learned CRF scores as stored in [`CRF_FILE`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrfFile {
    /// Labels the scores index.
    pub labels: Vec<String>,
    /// `[L·L]` transitions, prev × next, row-major.
    pub transitions: Vec<f32>,
    /// `[L]` start scores.
    pub start: Vec<f32>,
    /// `[L]` end scores.
    pub end: Vec<f32>,
}

fn io(path: &Path, source: std::io::Error) -> TransformerError {
    TransformerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn invalid(path: &Path, message: impl Into<String>) -> TransformerError {
    TransformerError::ModelDir {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

use tweetner_core::fsio::{commit_file, temp_sibling as temp_of};

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TransformerError> {
    tweetner_core::fsio::write_atomic(path, bytes).map_err(|e| io(path, e))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), TransformerError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| invalid(path, format!("serialising: {e}")))?;
    write_atomic(path, format!("{text}\n").as_bytes())
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, TransformerError> {
    let text = fs::read_to_string(path).map_err(|e| io(path, e))?;
    serde_json::from_str(&text).map_err(|e| TransformerError::json(path, &e))
}

/// HF class name and weight prefix of a token-classification model.
fn hf_names(arch: Architecture) -> (&'static str, &'static str) {
    match arch {
        Architecture::Bert => ("BertForTokenClassification", "bert."),
        Architecture::Mpnet => ("MPNetForTokenClassification", "mpnet."),
    }
}

/// The encoder's `config.json` extended into a token-classification config.
fn classification_config(
    base: &Path,
    arch: Architecture,
    labels: &[String],
) -> Result<serde_json::Value, TransformerError> {
    let mut value: serde_json::Value = read_json(base)?;
    let obj = value
        .as_object_mut()
        .ok_or_else(|| invalid(base, "config.json is not a JSON object"))?;
    let (class, _) = hf_names(arch);
    obj.insert("architectures".into(), serde_json::json!([class]));
    let id2label: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), l.clone().into()))
        .collect();
    let label2id: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), i.into()))
        .collect();
    obj.insert("id2label".into(), id2label.into());
    obj.insert("label2id".into(), label2id.into());
    Ok(value)
}

/// Write `model` as a model directory (see the module docs). `source` is the
/// directory the encoder came from (its `config.json` and tokenizer files
/// are carried over; it may be `dir` itself). Returns the size of
/// `model.safetensors`.
pub fn save_model_dir(
    dir: &Path,
    model: &TokenClassifier,
    source: &Path,
    name: &str,
) -> Result<u64, TransformerError> {
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let arch = model.encoder.config.model_type;
    let (_, prefix) = hf_names(arch);
    let labels = &model.spec.labels;
    // Config first (from the source, which may be `dir`), then the rest.
    let config = classification_config(&source.join(CONFIG_FILE), arch, labels)?;
    let same_dir = fs::canonicalize(source).ok() == fs::canonicalize(dir).ok();
    if !same_dir {
        for f in std::iter::once(TOKENIZER_FILE).chain(TOKENIZER_EXTRAS) {
            let from = source.join(f);
            if from.is_file() {
                let to = dir.join(f);
                let tmp = temp_of(&to);
                fs::copy(&from, &tmp).map_err(|e| io(&from, e))?;
                commit_file(&tmp, &to).map_err(|e| io(&to, e))?;
            }
        }
    }
    write_json(&dir.join(CONFIG_FILE), &config)?;
    let mut tensors = model.encoder.hf_tensors(prefix)?;
    let c = model.classifier.valid();
    tensors.push(NamedTensor::from_tensor(
        "classifier.weight".into(),
        c.weight.val().transpose(),
    )?);
    if let Some(b) = &c.bias {
        tensors.push(NamedTensor::from_tensor("classifier.bias".into(), b.val())?);
    }
    // The entry-list layer, `[labels, dim]` like the classifier (our own
    // names: Python's `transformers` has no such layer and ignores them).
    if let Some(lex) = &model.lexicon {
        let lex = lex.valid();
        tensors.push(NamedTensor::from_tensor(
            LEXICON_WEIGHT.into(),
            lex.weight.val().transpose(),
        )?);
        if let Some(b) = &lex.bias {
            tensors.push(NamedTensor::from_tensor(LEXICON_BIAS.into(), b.val())?);
        }
    }
    let weights = dir.join(WEIGHTS_FILE);
    let tmp = temp_of(&weights);
    write_safetensors(&tensors, &tmp)?;
    commit_file(&tmp, &weights).map_err(|e| io(&weights, e))?;
    let crf_path = dir.join(CRF_FILE);
    match &model.crf {
        Some(crf) => {
            let file = CrfFile {
                labels: labels.clone(),
                transitions: NamedTensor::from_tensor(String::new(), crf.transitions.val())?.values,
                start: NamedTensor::from_tensor(String::new(), crf.start.val())?.values,
                end: NamedTensor::from_tensor(String::new(), crf.end.val())?.values,
            };
            write_json(&crf_path, &file)?;
        }
        None => {
            if crf_path.is_file() {
                fs::remove_file(&crf_path).map_err(|e| io(&crf_path, e))?;
            }
        }
    }
    write_json(&dir.join(LABELS_FILE), labels)?;
    write_json(
        &dir.join(MANIFEST_FILE),
        &TransformerManifest {
            format: FORMAT_VERSION,
            kind: KIND_TRANSFORMER.into(),
            name: name.into(),
            tweetner_version: env!("CARGO_PKG_VERSION").into(),
            head: model.spec.clone(),
        },
    )?;
    fs::metadata(&weights)
        .map(|m| m.len())
        .map_err(|e| io(&weights, e))
}

/// The compiled entry list of a head with `lexicon_dim > 0`.
pub const LEXICON_FILE: &str = "lexicon.lex";

/// Names of the entry-list layer's tensors in `model.safetensors`.
const LEXICON_WEIGHT: &str = "tweetner_lexicon.weight";
const LEXICON_BIAS: &str = "tweetner_lexicon.bias";

/// A `[d_in, d_out]` linear layer from weights stored `[d_out, d_in]` (the
/// PyTorch layout) and a bias.
fn linear_from(w: &[f32], b: Vec<f32>, d_in: usize, d_out: usize, device: &Device) -> Linear {
    let mut t = vec![0.0f32; w.len()];
    for (o, row) in w.chunks_exact(d_in).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            t[i * d_out + o] = v;
        }
    }
    let mut layer: Linear = LinearConfig::new(d_in, d_out).init(device);
    layer.weight = Param::from_tensor(Tensor::from_data(TensorData::new(t, [d_in, d_out]), device));
    layer.bias = Some(Param::from_tensor(Tensor::from_data(
        TensorData::new(b, [d_out]),
        device,
    )));
    layer
}

/// Read and check `dir/tweetner-model.json` of a transformer.
pub fn read_manifest(dir: &Path) -> Result<TransformerManifest, TransformerError> {
    let path = dir.join(MANIFEST_FILE);
    if !path.is_file() {
        return Err(invalid(
            dir,
            format!("not a model directory (no {MANIFEST_FILE})"),
        ));
    }
    let m: TransformerManifest = read_json(&path)?;
    if m.format != FORMAT_VERSION || m.kind != KIND_TRANSFORMER {
        return Err(invalid(
            &path,
            format!(
                "format {} kind {:?}: this build reads format {FORMAT_VERSION} kind {KIND_TRANSFORMER:?}",
                m.format, m.kind
            ),
        ));
    }
    m.head.check().map_err(|e| invalid(&path, e.to_string()))?;
    Ok(m)
}

/// Load a model directory written by [`save_model_dir`] onto `device`.
pub fn load_model_dir(
    dir: &Path,
    device: &Device,
) -> Result<(TokenClassifier, SubwordTokenizer, TransformerManifest), TransformerError> {
    let manifest = read_manifest(dir)?;
    let labels = manifest.head.labels.clone();
    let l = labels.len();
    let config_path = dir.join(CONFIG_FILE);
    let raw: serde_json::Value = read_json(&config_path)?;
    if let Some(id2label) = raw.get("id2label").and_then(|v| v.as_object()) {
        for (i, want) in labels.iter().enumerate() {
            let got = id2label.get(&i.to_string()).and_then(|v| v.as_str());
            if got != Some(want.as_str()) {
                return Err(invalid(
                    &config_path,
                    format!("id2label[{i}] is {got:?}, the manifest says {want:?}"),
                ));
            }
        }
    }
    let config = EncoderConfig::from_file(&config_path)?;
    let h = config.hidden_size;
    let weights = dir.join(WEIGHTS_FILE);
    let encoder = load_weights(config, &weights, device)?;
    let bytes = fs::read(&weights).map_err(|e| io(&weights, e))?;
    let reader = WeightReader::new(&bytes, &weights)?;
    let w = reader.unprefixed_values("classifier.weight", &[l, h])?;
    let b = reader.unprefixed_values("classifier.bias", &[l])?;
    let mut model = TokenClassifier::new(encoder, manifest.head.clone(), device)?;
    model.classifier = linear_from(&w, b, h, l, device);
    let d = manifest.head.lexicon_dim;
    if d > 0 {
        model.lexicon = Some(linear_from(
            &reader.unprefixed_values(LEXICON_WEIGHT, &[l, d])?,
            reader.unprefixed_values(LEXICON_BIAS, &[l])?,
            d,
            l,
            device,
        ));
    }
    if manifest.head.kind == HeadKind::Crf {
        let path = dir.join(CRF_FILE);
        let file: CrfFile = read_json(&path)?;
        if file.labels != labels {
            return Err(invalid(&path, "labels differ from the manifest's"));
        }
        let crf = Crf::new(&labels, true, device)
            .set_scores(file.transitions, file.start, file.end)
            .map_err(|e| invalid(&path, e.to_string()))?;
        model.crf = Some(crf);
    }
    let tokenizer = SubwordTokenizer::from_file(&dir.join(TOKENIZER_FILE))?;
    Ok((model, tokenizer, manifest))
}
