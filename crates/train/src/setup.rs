//! Building the feature extractor and the initial network from a config.

use std::path::Path;

use tweetner_data::Sentence;
use tweetner_embed::Embeddings;
use tweetner_features::{compile_wnut_lexicon, FeatureConfig, FeatureExtractor, WordVocabConfig};
use tweetner_model::burn::module::{Module, ModuleMapper, Param, ParamId};
use tweetner_model::burn::tensor::{Device, Tensor};
use tweetner_model::{BiLstmCrf, BiLstmCrfConfig, CharEncoderConfig, SentenceInput};
use tweetner_tagger::{load_weights, to_input, DataFile, ModelCard, ModelManifest};
use tweetner_trainkit::{sha256_dir, sha256_file};

use crate::config::{CharEncoderKind, EmbeddingsSource, TrainConfig};
use crate::error::TrainError;

/// Word width used when neither the config nor embeddings give one.
const DEFAULT_WORD_DIM: usize = 100;

/// The extractor of a fresh run, the embeddings it was built with and what they are.
pub struct Extraction {
    /// Built from training tokens (and embedding words), never from dev text.
    pub extractor: FeatureExtractor,
    /// The pretrained table, when configured.
    pub embeddings: Option<Embeddings>,
    /// Embeddings and gazetteer files, with checksums.
    pub files: Vec<DataFile>,
    /// Remarks for the card (coverage, pruning).
    pub notes: Vec<String>,
}

/// Read embeddings and lexicon and build the vocabularies from `train`.
pub fn build_extractor(config: &TrainConfig, train: &[Sentence]) -> Result<Extraction, TrainError> {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let embeddings = match config.embeddings_source() {
        EmbeddingsSource::None => None,
        EmbeddingsSource::File(path) => {
            if !path.is_file() {
                return Err(TrainError::Config {
                    path: config.source.clone(),
                    message: format!(
                        "embeddings file {} not found (run scripts/fetch-embeddings.sh, or set \
                         [embeddings] path = \"none\" for random initialisation)",
                        path.display()
                    ),
                });
            }
            let emb = Embeddings::load(&path)?;
            files.push(DataFile {
                role: "embeddings".into(),
                path: path.display().to_string(),
                sha256: sha256_file(&path)?,
                items: emb.len(),
            });
            Some(emb)
        }
    };
    let f = &config.features;
    let gazetteer = match &f.gazetteer {
        None => None,
        Some(dir) => {
            if !dir.is_dir() {
                return Err(TrainError::Config {
                    path: config.source.clone(),
                    message: format!("gazetteer directory {} not found", dir.display()),
                });
            }
            let (gaz, report) = compile_wnut_lexicon(dir, f.max_ngram)?;
            files.push(DataFile {
                role: "gazetteer".into(),
                path: dir.display().to_string(),
                sha256: sha256_dir(dir)?,
                items: report.files_read.iter().map(|(_, n)| n).sum(),
            });
            if !report.missing.is_empty() {
                notes.push(format!(
                    "gazetteer files named but absent: {}",
                    report.missing.join(", ")
                ));
            }
            Some(gaz)
        }
    };
    let lexicon = match &f.lexicon {
        None => None,
        Some(path) => Some(crate::lexicon::entry_list(
            config, path, &mut files, &mut notes,
        )?),
    };
    let feature_config = FeatureConfig {
        word: WordVocabConfig {
            min_count: f.min_word_count,
            max_pretrained: config.embeddings.as_ref().and_then(|e| e.max_words),
        },
        char_min_count: f.min_char_count,
        max_word_chars: f.max_word_chars,
        max_ngram: f.max_ngram,
    };
    let tokens: Vec<Vec<&str>> = train
        .iter()
        .map(|s| s.tokens.iter().map(String::as_str).collect())
        .collect();
    let extractor =
        FeatureExtractor::build(&tokens, embeddings.as_ref(), gazetteer, feature_config)
            .with_lexicon(lexicon);
    let cov = extractor
        .word_vocab
        .coverage(train.iter().flat_map(|s| s.tokens.iter()));
    notes.push(format!(
        "word vocabulary: {} ids ({} pretrained); covers {:.1}% of training tokens",
        extractor.word_vocab.len(),
        extractor.word_vocab.pretrained_count(),
        100.0 * cov.token_rate()
    ));
    Ok(Extraction {
        extractor,
        embeddings,
        files,
        notes,
    })
}

/// The network hyper-parameters for `config` on top of `extractor`.
pub fn network_config(
    config: &TrainConfig,
    extractor: &FeatureExtractor,
    embeddings_dim: Option<usize>,
    labels: &[String],
) -> Result<BiLstmCrfConfig, TrainError> {
    let m = &config.model;
    let word_dim = match (m.word_dim, embeddings_dim) {
        (Some(w), Some(e)) if w != e => {
            return Err(TrainError::Config {
                path: config.source.clone(),
                message: format!("`model.word_dim` = {w} but the embeddings have {e} dimensions"),
            })
        }
        (Some(w), _) => w,
        (None, Some(e)) => e,
        (None, None) => DEFAULT_WORD_DIM,
    };
    let char_encoder = match m.char_encoder {
        CharEncoderKind::None => CharEncoderConfig::None,
        CharEncoderKind::Cnn => CharEncoderConfig::Cnn {
            filters: m.char_filters,
            kernel_size: m.char_kernel,
        },
        CharEncoderKind::Lstm => CharEncoderConfig::Lstm {
            hidden: m.char_hidden,
        },
    };
    let c = BiLstmCrfConfig {
        word_vocab_size: extractor.word_vocab.len(),
        word_dim,
        freeze_word_embeddings: config.embeddings.as_ref().is_some_and(|e| e.freeze),
        char_vocab_size: extractor.char_vocab.len(),
        char_dim: m.char_dim,
        char_encoder,
        max_word_chars: config.features.max_word_chars,
        dense_dim: extractor.dense_dim(),
        hidden_size: m.hidden,
        num_layers: m.layers,
        dropout: m.dropout,
        labels: labels.to_vec(),
        bio_constraints: m.bio_constraints,
    };
    c.validate().map_err(|e| TrainError::Config {
        path: config.source.clone(),
        message: e.to_string(),
    })?;
    Ok(c)
}

/// Gives every parameter a fixed id by position. Optimizer state is stored per
/// parameter id, and burn draws ids at random; fixed ids let a resumed run (whose
/// network is rebuilt from a checkpoint) find its Adam moments again.
struct PositionalIds(u64);

impl ModuleMapper for PositionalIds {
    fn map_float<const D: usize>(&mut self, mut param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        self.0 += 1;
        param.id = ParamId::from(self.0);
        param
    }
}

/// See [`PositionalIds`].
pub fn with_positional_ids(model: BiLstmCrf) -> BiLstmCrf {
    model.map(&mut PositionalIds(0))
}

/// A freshly initialised network on `device` (seeded), with the word table copied from
/// the pretrained vectors (other rows random at their scale).
pub fn init_network(
    config: BiLstmCrfConfig,
    extractor: &FeatureExtractor,
    embeddings: Option<&Embeddings>,
    seed: u64,
    device: &Device,
) -> Result<BiLstmCrf, TrainError> {
    device.seed(seed);
    let matrix = extractor
        .word_vocab
        .embedding_matrix(embeddings, config.word_dim, seed)?;
    let model = BiLstmCrf::new(config, device)?.with_pretrained_words(matrix.data)?;
    Ok(with_positional_ids(model))
}

/// Network inputs and gold label indices of `sentences`.
pub fn encode(
    extractor: &FeatureExtractor,
    labels: &[String],
    sentences: &[Sentence],
) -> Result<(Vec<SentenceInput>, Vec<Vec<usize>>), TrainError> {
    let mut inputs = Vec::with_capacity(sentences.len());
    let mut gold = Vec::with_capacity(sentences.len());
    for s in sentences {
        inputs.push(to_input(extractor.extract(&s.tokens)));
        let mut ids = Vec::with_capacity(s.len());
        for (i, t) in s.tags.iter().enumerate() {
            match labels.iter().position(|l| l == t) {
                Some(id) => ids.push(id),
                None => {
                    return Err(TrainError::Model(tweetner_model::ModelError::Index(
                        format!(
                            "line {}: tag {t:?} is not a label of the network",
                            s.line_of(i)
                        ),
                    )))
                }
            }
        }
        gold.push(ids);
    }
    Ok((inputs, gold))
}

/// The weights file of a model directory a run starts from, pinned by checksum:
/// it enters the checkpoint fingerprint and the model card.
pub fn init_file(dir: &Path) -> Result<DataFile, TrainError> {
    let manifest = ModelManifest::read(dir)?;
    let path = dir.join(&manifest.weights.file);
    Ok(DataFile {
        role: "init".into(),
        path: path.display().to_string(),
        sha256: sha256_file(&path)?,
        items: 0,
    })
}

/// The extractor and trained network of the model directory `dir`, for a run that
/// goes on training it (`[train] init_from`); `init` is its [`init_file`].
pub fn start_from_model(
    dir: &Path,
    init: DataFile,
    device: &Device,
) -> Result<(Extraction, BiLstmCrf), TrainError> {
    let manifest = ModelManifest::read(dir)?;
    let extractor = FeatureExtractor::load(dir)?;
    let fresh = BiLstmCrf::new(manifest.network.clone(), device)?;
    let weights = dir.join(&manifest.weights.file);
    let model = load_weights(fresh, &weights, manifest.weights.precision)?;
    // The card of the starting model tells what its weights were trained on; its
    // inputs are listed again (as `init …`) so this card shows the whole lineage.
    let mut files = vec![init];
    let mut notes = vec![format!("started from the trained model {}", dir.display())];
    if let Ok(card) = ModelCard::read(dir) {
        files.extend(card.data.into_iter().map(|d| DataFile {
            role: format!("init {}", d.role),
            ..d
        }));
        let dev = card
            .dev
            .map_or("none".to_string(), |d| format!("{:.2}", d.overall.f1));
        notes.push(format!(
            "that model: {} epochs trained, kept epoch {}, {:.0} s to it, dev F1 {dev}",
            card.epochs_trained,
            card.best_epoch.map_or("-".to_string(), |e| e.to_string()),
            card.seconds_to_best.unwrap_or(card.training_seconds),
        ));
        // The entry list travels with the model (and its licences with it).
        notes.extend(
            card.notes
                .iter()
                .filter(|n| n.starts_with("entry list"))
                .map(|n| format!("that model's {n}")),
        );
    }
    let ex = Extraction {
        extractor,
        embeddings: None,
        files,
        notes,
    };
    Ok((ex, with_positional_ids(model)))
}
