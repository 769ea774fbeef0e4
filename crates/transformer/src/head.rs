//! Token classification on top of an [`Encoder`]: dropout + linear layer
//! (the Hugging Face `…ForTokenClassification` head), trained either with a
//! per-piece softmax cross-entropy or with the project's linear-chain CRF over
//! per-word emissions.
//!
//! Why two heads: the softmax head is exactly what Python `transformers`
//! runs, so an exported model gives the same argmax labels there; the CRF
//! head scores whole label sequences (no `I-x` after `O`) and reads one
//! emission per word (its first piece), which is what the BIO constraints are
//! defined over. The CRF is `tweetner_model::Crf`, shared with the BiLSTM-CRF.
//!
//! The CRF head may also read entry-list features per word (`lexicon_dim`
//! columns from `tweetner_lexicon`): a second linear layer turns them into
//! scores that are added to the words' emissions. That is the same as
//! concatenating them to the encoder output before one linear layer, but it
//! leaves the classifier's shape (and Python export) alone, and it starts at
//! zero, so training begins from the plain model and learns how far to trust
//! the lists.

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use tweetner_model::Crf;

use crate::encoder::Encoder;
use crate::error::TransformerError;
use crate::subword::{AlignedSentence, SubwordTokenizer};
use crate::window::{PieceLabelling, WindowConfig, Windows, IGNORE_INDEX};

/// Which loss (and decoder) sits on the linear layer's scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadKind {
    /// Independent softmax per piece, cross-entropy ignoring [`IGNORE_INDEX`].
    #[default]
    Softmax,
    /// Linear-chain CRF over the words (first-piece emissions), BIO-constrained.
    Crf,
}

/// Everything about the head besides its weights; stored in the model manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadSpec {
    /// Softmax or CRF.
    pub kind: HeadKind,
    /// Which pieces carry labels in training (the CRF always uses first pieces).
    pub labelling: PieceLabelling,
    /// Dropout on encoder states before the linear layer (training only).
    pub dropout: f64,
    /// BIO labels in output order.
    pub labels: Vec<String>,
    /// How tweets are cut into encoder inputs.
    pub window: WindowConfig,
    /// Entry-list feature columns per word added to the CRF emissions; 0:
    /// none (older manifests have no such field).
    #[serde(default)]
    pub lexicon_dim: usize,
}

impl HeadSpec {
    /// Reject combinations the head cannot train.
    pub fn check(&self) -> Result<(), TransformerError> {
        if self.labels.is_empty() {
            return Err(TransformerError::Input(
                "the head needs at least one label".into(),
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(TransformerError::Input(format!(
                "head dropout {} is not in [0, 1)",
                self.dropout
            )));
        }
        if self.lexicon_dim > 0 && self.kind != HeadKind::Crf {
            return Err(TransformerError::Input(
                "entry-list features need the CRF head (they score words, not pieces)".into(),
            ));
        }
        if self.kind == HeadKind::Crf && self.labelling == PieceLabelling::AllPieces {
            return Err(TransformerError::Input(
                "the CRF head reads one emission per word: use first_piece labelling".into(),
            ));
        }
        Ok(())
    }

    /// Index of the label continuing `label` on a later piece of the same
    /// word (`B-x` → `I-x`; anything else → itself).
    pub fn continuation(&self, label: usize) -> usize {
        let Some(ty) = self.labels.get(label).and_then(|l| l.strip_prefix("B-")) else {
            return label;
        };
        let inside = format!("I-{ty}");
        self.labels
            .iter()
            .position(|l| *l == inside)
            .unwrap_or(label)
    }

    /// Windows for `sentences`, labelled as this head trains.
    pub fn windows(
        &self,
        sentences: &[AlignedSentence],
        tokenizer: &SubwordTokenizer,
    ) -> Result<Windows, TransformerError> {
        let mut config = self.window;
        if self.kind == HeadKind::Crf {
            config.labelling = PieceLabelling::FirstPiece;
        } else {
            config.labelling = self.labelling;
        }
        Windows::new(sentences, tokenizer, &config)
    }
}

/// Encoder + dropout + linear classifier (+ CRF).
#[derive(Module, Debug)]
pub struct TokenClassifier {
    /// The (pretrained) encoder.
    pub encoder: Encoder,
    /// Dropout on the encoder output.
    pub dropout: Dropout,
    /// `[hidden, labels]` scores per piece.
    pub classifier: Linear,
    /// Present for [`HeadKind::Crf`].
    pub crf: Option<Crf>,
    /// `[lexicon_dim, labels]` scores from entry-list features, present when
    /// `spec.lexicon_dim > 0`.
    pub lexicon: Option<Linear>,
    /// Labels, head kind, windows.
    #[module(skip)]
    pub spec: HeadSpec,
}

impl TokenClassifier {
    /// A fresh head (linear layer `N(0, 0.02)`, zero bias, zero CRF scores)
    /// on `encoder`.
    pub fn new(
        encoder: Encoder,
        spec: HeadSpec,
        device: &Device,
    ) -> Result<Self, TransformerError> {
        spec.check()?;
        let l = spec.labels.len();
        let classifier = LinearConfig::new(encoder.hidden_size(), l)
            .with_initializer(Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            })
            .init(device);
        let mut classifier = classifier;
        classifier.bias = Some(Param::from_tensor(Tensor::zeros([l], device)));
        let crf = (spec.kind == HeadKind::Crf).then(|| Crf::new(&spec.labels, true, device));
        let lexicon = (spec.lexicon_dim > 0).then(|| {
            LinearConfig::new(spec.lexicon_dim, l)
                .with_initializer(Initializer::Zeros)
                .init(device)
        });
        Ok(TokenClassifier {
            encoder,
            dropout: DropoutConfig::new(spec.dropout).init(),
            classifier,
            crf,
            lexicon,
            spec,
        })
    }

    /// Number of labels.
    pub fn num_labels(&self) -> usize {
        self.spec.labels.len()
    }

    /// Scores `[windows, T, labels]` for all windows (padded to the longest).
    pub fn logits(
        &self,
        windows: &Windows,
        device: &Device,
    ) -> Result<Tensor<3>, TransformerError> {
        let input = self.encoder.input(&windows.input_rows(), device)?;
        let hidden = self.encoder.forward(&input);
        Ok(self.classifier.forward(self.dropout.forward(hidden)))
    }

    /// Training loss of a batch of tweets (`gold[tweet][word]` label ids):
    /// mean cross-entropy over labelled pieces, or mean CRF negative
    /// log-likelihood per tweet. `lexicon[tweet]` holds the tweet's
    /// entry-list features (`words × lexicon_dim`, flat) when the head reads
    /// them, and is empty otherwise.
    pub fn loss(
        &self,
        sentences: &[AlignedSentence],
        gold: &[Vec<usize>],
        lexicon: &[Vec<f32>],
        tokenizer: &SubwordTokenizer,
        device: &Device,
    ) -> Result<Tensor<1>, TransformerError> {
        let l = self.num_labels();
        if let Some(bad) = gold.iter().flatten().find(|&&y| y >= l) {
            return Err(TransformerError::Input(format!(
                "gold label id {bad} but the head has {l} labels"
            )));
        }
        let windows = self.spec.windows(sentences, tokenizer)?;
        let logits = self.logits(&windows, device)?;
        match &self.crf {
            None => {
                let labels = windows.label_ids(gold, |y| self.spec.continuation(y))?;
                softmax_cross_entropy(logits, &labels)
            }
            Some(crf) => {
                let (mut emissions, mask) = word_emissions(logits, &windows)?;
                if let Some(layer) = &self.lexicon {
                    let [s, w, _] = emissions.dims();
                    let features =
                        word_features(sentences, lexicon, self.spec.lexicon_dim, w, device)?;
                    debug_assert_eq!(features.dims()[0], s);
                    emissions = emissions + layer.forward(features);
                }
                let tags: Vec<Vec<usize>> = gold.to_vec();
                Ok(crf.nll(emissions, mask, &tags)?)
            }
        }
    }
}

/// The tweets' entry-list features as `[tweets, max_words, dim]`, zero past
/// each tweet's last word.
fn word_features(
    sentences: &[AlignedSentence],
    lexicon: &[Vec<f32>],
    dim: usize,
    max_words: usize,
    device: &Device,
) -> Result<Tensor<3>, TransformerError> {
    if lexicon.len() != sentences.len() {
        return Err(TransformerError::Input(format!(
            "entry-list features for {} tweets, the batch has {}",
            lexicon.len(),
            sentences.len()
        )));
    }
    let s = sentences.len();
    let mut flat = vec![0f32; s * max_words * dim];
    for (i, (sentence, f)) in sentences.iter().zip(lexicon).enumerate() {
        let words = sentence.num_words();
        if f.len() != words * dim || words > max_words {
            return Err(TransformerError::Input(format!(
                "tweet {i}: {} entry-list values for {words} words of {dim} columns",
                f.len()
            )));
        }
        flat[i * max_words * dim..i * max_words * dim + f.len()].copy_from_slice(f);
    }
    Ok(Tensor::from_data(
        TensorData::new(flat, [s, max_words, dim]),
        device,
    ))
}

/// The entry-list scores of a trained head as plain `f32`, for inference:
/// added to each word's label scores before decoding.
#[derive(Debug, Clone)]
pub struct LexiconScores {
    /// `[dim][labels]`, row-major.
    weight: Vec<f32>,
    bias: Vec<f32>,
    dim: usize,
}

impl LexiconScores {
    /// The plain copy of `model`'s entry-list layer (`None` when it has none).
    pub fn of(model: &TokenClassifier) -> Result<Option<Self>, TransformerError> {
        let Some(layer) = &model.lexicon else {
            return Ok(None);
        };
        let read = |t: Tensor<2>| {
            t.into_data()
                .try_into_vec_as::<f32>()
                .map_err(|e| TransformerError::Tensor(format!("reading entry-list weights: {e:?}")))
        };
        let [dim, _] = layer.weight.val().dims();
        let weight = read(layer.weight.val())?;
        let bias =
            match &layer.bias {
                Some(b) => b.val().into_data().try_into_vec_as::<f32>().map_err(|e| {
                    TransformerError::Tensor(format!("reading entry-list bias: {e:?}"))
                })?,
                None => vec![0.0; model.num_labels()],
            };
        Ok(Some(LexiconScores { weight, bias, dim }))
    }

    /// Adds the scores of `features` (`words × dim`, flat) to `scores`
    /// (`words × labels`, flat).
    pub fn add_to(&self, scores: &mut [f32], features: &[f32]) {
        let l = self.bias.len();
        for (row, f) in scores
            .chunks_exact_mut(l)
            .zip(features.chunks_exact(self.dim))
        {
            for (o, b) in row.iter_mut().zip(&self.bias) {
                *o += b;
            }
            for (d, &x) in f.iter().enumerate() {
                if x != 0.0 {
                    for (o, w) in row.iter_mut().zip(&self.weight[d * l..(d + 1) * l]) {
                        *o += x * w;
                    }
                }
            }
        }
    }
}

/// Mean softmax cross-entropy of `logits: [B, T, L]` against `labels[b][t]`
/// (rows may be shorter than `T`; missing and [`IGNORE_INDEX`] positions are
/// ignored). Zero when nothing is labelled.
pub fn softmax_cross_entropy(
    logits: Tensor<3>,
    labels: &[Vec<i64>],
) -> Result<Tensor<1>, TransformerError> {
    let [b, t, l] = logits.dims();
    let device = logits.device();
    if labels.len() != b {
        return Err(TransformerError::Input(format!(
            "{} label rows for {b} windows",
            labels.len()
        )));
    }
    let mut index = vec![0i64; b * t];
    let mut weight = vec![0f32; b * t];
    let mut count = 0usize;
    for (r, row) in labels.iter().enumerate() {
        if row.len() > t {
            return Err(TransformerError::Input(format!(
                "label row {r} has {} positions, the batch {t}",
                row.len()
            )));
        }
        for (j, &y) in row.iter().enumerate() {
            if y == IGNORE_INDEX {
                continue;
            }
            if y < 0 || y as usize >= l {
                return Err(TransformerError::Input(format!(
                    "label {y} at window {r}, position {j} is outside 0..{l}"
                )));
            }
            index[r * t + j] = y;
            weight[r * t + j] = 1.0;
            count += 1;
        }
    }
    let logp = log_softmax(logits.reshape([b * t, l]), 1);
    let index: Tensor<2, Int> = Tensor::from_data(TensorData::new(index, [b * t, 1]), &device);
    let weight: Tensor<2> = Tensor::from_data(TensorData::new(weight, [b * t, 1]), &device);
    let picked = logp.gather(1, index) * weight;
    Ok(picked.sum().neg().div_scalar(count.max(1) as f32))
}

/// Per-word scores `[tweets, max_words, L]` read at each word's owned first
/// piece, and the `[tweets, max_words]` 0/1 mask of real words.
pub fn word_emissions(
    logits: Tensor<3>,
    windows: &Windows,
) -> Result<(Tensor<3>, Tensor<2>), TransformerError> {
    let [n, t, l] = logits.dims();
    let device = logits.device();
    let rows = windows.word_rows(t);
    let s = rows.len();
    let w = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut index = vec![0i64; s * w];
    let mut mask = vec![0f32; s * w];
    for (i, words) in rows.iter().enumerate() {
        for (j, &r) in words.iter().enumerate() {
            if r >= n * t {
                return Err(TransformerError::Input(format!(
                    "word row {r} outside the {n}×{t} output"
                )));
            }
            index[i * w + j] = r as i64;
            mask[i * w + j] = 1.0;
        }
    }
    let index: Tensor<1, Int> = Tensor::from_data(TensorData::new(index, [s * w]), &device);
    let emissions = logits
        .reshape([n * t, l])
        .select(0, index)
        .reshape([s, w, l]);
    let mask = Tensor::from_data(TensorData::new(mask, [s, w]), &device);
    Ok((emissions, mask))
}
