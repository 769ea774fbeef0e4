//! A whole fine-tuning run: set-up or resume, epochs with dev selection, the
//! finished model directory.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use tweetner_data::Sentence;
use tweetner_lexicon::{load_entry_list, BuildOptions, Lexicon, LicencePolicy};
use tweetner_tagger::{DataFile, ModelCard};
use tweetner_transformer::burn::module::Module;
use tweetner_transformer::burn::tensor::Device;
use tweetner_transformer::{
    cpu_device, load_encoder, load_model_dir, AlignedSentence, HeadSpec, SubwordTokenizer,
    TokenClassifier, TransformerTagger, WindowConfig, KIND_TRANSFORMER, LEXICON_FILE,
};

use crate::checkpoint::{find_checkpoint, read_state, remove_checkpoint, restore, TrainState};
use crate::config::FinetuneConfig;
use crate::error::FinetuneError;
use crate::optim::{adamw, freeze};
use crate::trainer::{score_dev, Aligned, Start, TransformerTrainer};
use crate::{FinetuneOptions, FinetuneSummary};
use tweetner_trainkit::{
    dev_scores, final_epochs, gold_ids, merge_dev_into_train, read_splits, run_dir, run_epochs,
    sha256_file, utc_timestamp, Datasets, LoopEnd, LoopOptions, Splits, Trainer, FINAL_MODEL_NOTE,
};

/// The model card's note that the directory loads in Python's
/// `transformers` (`tweetner models compact` removes it from its copy).
pub const HF_CHECKPOINT_NOTE: &str = "the directory is also a Hugging Face token-classification checkpoint (config.json, model.safetensors, tokenizer.json)";

/// The config, copied into the model directory.
pub const CONFIG_COPY: &str = "train-config.toml";

/// Settings a checkpoint must share with the config resuming it. Paths are blanked:
/// the data files enter by checksum, and the encoder by its `config.json` and
/// `tokenizer.json` (its weights come from the checkpoint on resume).
fn fingerprint(
    config: &FinetuneConfig,
    final_model: bool,
    data: &[DataFile],
) -> Result<String, FinetuneError> {
    let mut c = config.clone();
    c.train.epochs = 0;
    c.train.patience = 0;
    c.train.threads = 0;
    c.output = crate::config::OutputSection {
        dir: Default::default(),
        keep_checkpoint: false,
        name: None,
    };
    c.data.train = Default::default();
    c.data.dev = Default::default();
    c.data.extra.clear();
    c.encoder.path = Default::default();
    let mut inputs = data.to_vec();
    for name in ["config.json", "tokenizer.json"] {
        let path = config.encoder.path.join(name);
        inputs.push(DataFile {
            role: format!("encoder {name}"),
            path: path.display().to_string(),
            sha256: sha256_file(&path)?,
            items: 0,
        });
    }
    Ok(tweetner_trainkit::fingerprint(&(c, final_model), &inputs))
}

/// Run `config` (inside the thread pool set up by [`crate::finetune`]).
pub fn run(
    config: &FinetuneConfig,
    opts: &FinetuneOptions,
) -> Result<FinetuneSummary, FinetuneError> {
    let out_dir = run_dir(
        opts.out_dir.as_deref(),
        &config.output.dir,
        opts.final_model,
    );
    let (total_epochs, epoch_note) = if opts.final_model {
        let run = opts.selection_run.as_deref().unwrap_or(&config.output.dir);
        let (n, note) = final_epochs(opts.final_epochs, run)?;
        (n, Some(note))
    } else {
        (config.train.epochs, None)
    };
    let mut datasets = read_splits(&Splits {
        train: &config.data.train,
        extra: &config.data.extra,
        dev: &config.data.dev,
        labels: &config.data.labels,
        max_train: config.data.max_train_sentences,
        max_dev: config.data.max_dev_sentences,
        soft_labels: false,
    })?;
    if opts.final_model {
        merge_dev_into_train(&mut datasets);
    }
    let Datasets {
        train,
        dev,
        files,
        labels,
        soft: _,
    } = datasets;
    if train.is_empty() {
        return Err(FinetuneError::Config {
            path: config.source.clone(),
            message: "no training sentences".into(),
        });
    }
    let labels = labels.bio_tags();
    let gold = gold_ids(&train, &labels)?;

    let device: Device = cpu_device().autodiff();
    device.seed(config.seed);
    let enc_dir = &config.encoder.path;
    if !enc_dir.join("config.json").is_file() {
        return Err(FinetuneError::Config {
            path: config.source.clone(),
            message: format!(
                "field `encoder.path`: {} holds no config.json (run scripts/fetch-encoders.sh)",
                enc_dir.display()
            ),
        });
    }
    let tokenizer = SubwordTokenizer::from_file(&enc_dir.join("tokenizer.json"))?;
    let lexicon = entry_list(config)?;
    let spec = HeadSpec {
        kind: config.head.kind,
        labelling: config.head.labelling,
        dropout: config.head.dropout,
        labels: labels.clone(),
        window: WindowConfig {
            max_length: config.head.max_length,
            overlap: config.head.overlap,
            labelling: config.head.labelling,
        },
        lexicon_dim: lexicon.as_ref().map_or(0, |l| l.feature_dim()),
    };
    let t = &config.train;
    let model = TokenClassifier::new(load_encoder(enc_dir, &device)?, spec, &device)?;
    let (mut enc_opt, mut head_opt) = (adamw(t), adamw(t));
    let fp = fingerprint(config, opts.final_model, &files)?;
    let (mut model, mut state) = if opts.resume {
        let ck = find_checkpoint(&out_dir)
            .ok_or_else(|| FinetuneError::checkpoint(&out_dir, "no checkpoint to resume from"))?;
        let state = read_state(&ck)?;
        if state.fingerprint != fp {
            return Err(FinetuneError::checkpoint(
                &ck,
                "written with different settings (data, encoder, head or optimizer); restore them or start over",
            ));
        }
        let (m, e, h) = restore(&ck, model, enc_opt, head_opt)?;
        enc_opt = e;
        head_opt = h;
        if !opts.quiet {
            eprintln!(
                "resuming {} after epoch {}",
                out_dir.display(),
                state.progress.epochs_done
            );
        }
        (m, state)
    } else {
        if let Some(ck) = find_checkpoint(&out_dir) {
            return Err(FinetuneError::checkpoint(
                ck,
                "an interrupted run left this checkpoint: pass --resume to continue it, or delete it",
            ));
        }
        fs::create_dir_all(&out_dir).map_err(|e| FinetuneError::io(&out_dir, e))?;
        let copy = out_dir.join(CONFIG_COPY);
        fs::copy(&config.source, &copy).map_err(|e| FinetuneError::io(&copy, e))?;
        let mut state = TrainState::new(fp, files);
        state.notes.extend(epoch_note);
        (model, state)
    };
    model = freeze(model, t);
    // The list ships with the model (and a resumed run rebuilds the same one).
    if let Some(lex) = &lexicon {
        let path = out_dir.join(LEXICON_FILE);
        lex.write(&path)
            .map_err(|e| FinetuneError::checkpoint(&path, e.to_string()))?;
    }

    state.progress.total_epochs = total_epochs;
    let align = |s: &[Sentence]| -> Result<Vec<AlignedSentence>, FinetuneError> {
        Ok(s.iter()
            .map(|x| tokenizer.tokenize(&x.tokens))
            .collect::<Result<Vec<_>, _>>()?)
    };
    let lexicon_rows = match &lexicon {
        Some(lex) => train.iter().map(|s| lex.feature_rows(&s.tokens)).collect(),
        None => Vec::new(),
    };
    let data = Aligned {
        train: align(&train)?,
        gold,
        lexicon: lexicon.clone(),
        lexicon_rows,
        dev: &dev,
    };
    let start = Start {
        model,
        encoder_opt: enc_opt,
        head_opt,
        state,
    };
    let mut trainer = TransformerTrainer::new(
        config, &out_dir, device, &tokenizer, start, data, opts.quiet,
    );
    let end = run_epochs(
        &mut trainer,
        &LoopOptions {
            out_dir: &out_dir,
            patience: t.patience,
            quiet: opts.quiet,
            stop_after_epochs: opts.stop_after_epochs,
            keep_last: false,
        },
    )?;
    let state = &trainer.state;
    let p = &state.progress;
    if end == LoopEnd::Paused {
        return Ok(FinetuneSummary {
            stopped_early: false,
            interrupted: true,
            ..FinetuneSummary::of(&out_dir, p)
        });
    }
    if opts.final_model {
        // No dev score chose an epoch, so nothing was kept along the way.
        trainer.save_best()?;
    }
    let state = &trainer.state;
    let summary = finish(config, opts, &out_dir, state, lexicon.as_ref(), &dev)?;
    if !config.output.keep_checkpoint {
        remove_checkpoint(&out_dir)?;
    }
    Ok(summary)
}

/// Re-score the directory as written (so the card describes what ships),
/// write the card, build the summary.
fn finish(
    config: &FinetuneConfig,
    opts: &FinetuneOptions,
    out_dir: &Path,
    state: &TrainState,
    lexicon: Option<&Arc<Lexicon>>,
    dev: &[Sentence],
) -> Result<FinetuneSummary, FinetuneError> {
    let (model, tokenizer, manifest) = load_model_dir(out_dir, &cpu_device())?;
    let parameters = model.num_params();
    let mut tagger = TransformerTagger::from_parts(model, tokenizer, manifest.name)?
        .with_threads(rayon::current_num_threads())?;
    if let Some(lex) = lexicon {
        tagger = tagger.with_lexicon(Arc::clone(lex))?;
    }
    let scores = if opts.final_model {
        None
    } else {
        Some(dev_scores(&score_dev(&tagger, dev)?))
    };
    let weights = out_dir.join("model.safetensors");
    let weights_bytes = fs::metadata(&weights)
        .map_err(|e| FinetuneError::io(&weights, e))?
        .len();
    let threads = rayon::current_num_threads();
    let mut settings = serde_json::to_value(config).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = settings.as_object_mut() {
        obj.insert("epochs_run".into(), state.progress.epochs_done.into());
        obj.insert("updates".into(), state.steps.into());
        obj.insert("final_model".into(), opts.final_model.into());
    }
    let mut notes = state.notes.clone();
    notes.extend([
        format!(
            "fine-tuned on CPU with {threads} backend threads; timings depend on what else the machine ran"
        ),
        format!("encoder from {}", config.encoder.path.display()),
        HF_CHECKPOINT_NOTE.into(),
    ]);
    if opts.final_model {
        notes.push(FINAL_MODEL_NOTE.into());
    }
    let mut card = ModelCard {
        name: tagger.name().into(),
        kind: KIND_TRANSFORMER.into(),
        tweetner_version: env!("CARGO_PKG_VERSION").into(),
        created: utc_timestamp(),
        final_model: opts.final_model,
        data: state.files.clone(),
        settings,
        dev: scores.clone(),
        best_epoch: state
            .progress
            .selection
            .best_epoch
            .filter(|_| !opts.final_model),
        epochs_trained: state.progress.epochs_done,
        training_seconds: state.progress.selection.elapsed_seconds,
        seconds_to_best: state
            .progress
            .selection
            .seconds_to_best
            .filter(|_| !opts.final_model),
        parameters,
        weights_bytes,
        notes,
    };
    if let Some(lex) = lexicon {
        card.notes.push(format!(
            "{}; its features are added to the CRF emissions by a layer Python's transformers does not know (tweetner_lexicon.*), so only tweetner tags with them",
            lex.describe()
        ));
    }
    card.write(out_dir)?;
    Ok(FinetuneSummary {
        final_model: opts.final_model,
        best_epoch: card.best_epoch,
        seconds_to_best: card.seconds_to_best,
        dev: scores,
        weights_bytes,
        parameters: card.parameters,
        ..FinetuneSummary::of(out_dir, &state.progress)
    })
}

/// The entry list of `[head] lexicon`, when set, under the licence policy.
fn entry_list(config: &FinetuneConfig) -> Result<Option<Arc<Lexicon>>, FinetuneError> {
    let Some(path) = &config.head.lexicon else {
        return Ok(None);
    };
    let licences = LicencePolicy::shippable_only(config.head.lexicon_shippable_only);
    load_entry_list(path, &BuildOptions { licences })
        .map(|l| Some(Arc::new(l)))
        .map_err(|e| FinetuneError::Config {
            path: config.source.clone(),
            message: format!("field `head.lexicon`: {e}"),
        })
}
