//! A whole training run: set-up or resume, the epoch loop with selection on dev, and
//! the finished model directory.

use std::fs;
use std::path::{Path, PathBuf};

use tweetner_features::{FeatureExtractor, FEATURES_FILE, GAZETTEER_FILE};
use tweetner_model::burn::module::Module;
use tweetner_model::burn::tensor::Device;
use tweetner_model::BiLstmCrf;
use tweetner_tagger::{
    write_model, DataFile, ModelCard, ModelManifest, NeuralTagger, WeightPrecision, CARD_FILE,
    CARD_MD_FILE, CURVES_STEM, KIND_BILSTM_CRF, LABELS_FILE, MANIFEST_FILE, TRAIN_LOG_FILE,
    WEIGHTS_FILE,
};

use crate::checkpoint::{find_checkpoint, read_state, remove_checkpoint, restore, TrainState};
use crate::config::TrainConfig;
use crate::data::load_datasets;
use crate::epoch::score;
use crate::error::TrainError;
use crate::optim::build_optimizer;
use crate::setup::{
    build_extractor, encode, init_file, init_network, network_config, start_from_model,
};
use crate::trainer::{BiLstmTrainer, Encoded};
use crate::{TrainOptions, TrainSummary};
use tweetner_trainkit::{
    dev_scores, final_epochs, run_dir, run_epochs, utc_timestamp, LoopOptions, Trainer,
    FINAL_MODEL_NOTE,
};

/// The training config, copied into the model directory for reproduction.
pub const CONFIG_COPY: &str = "train-config.toml";

/// Settings that must stay the same for a checkpoint to be resumed (the epoch budget,
/// patience, thread count and output location may change). Paths are blanked: the
/// data files the resume reads again enter by checksum, and embeddings and gazetteer
/// are not read again (the model directory holds what the run took from them).
fn fingerprint(config: &TrainConfig, final_model: bool, data: &[DataFile]) -> String {
    let mut c = config.clone();
    c.train.epochs = 0;
    c.train.patience = 0;
    c.train.threads = 0;
    c.output.dir = PathBuf::new();
    c.output.keep_checkpoint = false;
    c.data.train = PathBuf::new();
    c.data.dev = PathBuf::new();
    c.data.extra.clear();
    if let Some(e) = c.embeddings.as_mut() {
        // Keep only the distinction "pretrained" / "random" (`"none"`).
        e.path = e.path.take().filter(|p| p == "none");
    }
    if let Some(g) = c.features.gazetteer.as_mut() {
        *g = PathBuf::new();
    }
    if let Some(l) = c.features.lexicon.as_mut() {
        *l = PathBuf::new();
    }
    if let Some(l) = c.features.lexicon_seen_in.as_mut() {
        *l = PathBuf::new();
    }
    if let Some(i) = c.train.init_from.as_mut() {
        *i = PathBuf::new();
    }
    tweetner_trainkit::fingerprint(&(c, final_model), data)
}

fn precision(config: &TrainConfig) -> WeightPrecision {
    if config.output.f16_embeddings {
        WeightPrecision::F16Embeddings
    } else {
        WeightPrecision::F32
    }
}

/// Where a run writes: `--out`, else `[output] dir` (with `-final` appended for a
/// final model, so the selection run it takes its epoch count from stays intact).
pub fn output_dir(config: &TrainConfig, opts: &TrainOptions) -> PathBuf {
    run_dir(
        opts.out_dir.as_deref(),
        &config.output.dir,
        opts.final_model,
    )
}

/// Epoch count of a final model: `--epochs`, else the kept epoch of the selection run.
fn epochs_of_final(
    config: &TrainConfig,
    opts: &TrainOptions,
) -> Result<(usize, String), TrainError> {
    let run = opts.selection_run.as_deref().unwrap_or(&config.output.dir);
    Ok(final_epochs(opts.final_epochs, run)?)
}

/// Remove what a previous run left, so no stale file survives next to new weights.
fn clean_outputs(dir: &Path) -> Result<(), TrainError> {
    let png = format!("{CURVES_STEM}.png");
    let svg = format!("{CURVES_STEM}.svg");
    for f in [
        MANIFEST_FILE,
        WEIGHTS_FILE,
        LABELS_FILE,
        FEATURES_FILE,
        GAZETTEER_FILE,
        CARD_FILE,
        CARD_MD_FILE,
        TRAIN_LOG_FILE,
        CONFIG_COPY,
        &png,
        &svg,
    ] {
        let p = dir.join(f);
        if p.is_file() {
            fs::remove_file(&p).map_err(|e| TrainError::io(&p, e))?;
        }
    }
    Ok(())
}

/// Run training as configured (inside the thread pool set up by [`crate::train`]).
pub fn run(config: &TrainConfig, opts: &TrainOptions) -> Result<TrainSummary, TrainError> {
    let out_dir = output_dir(config, opts);
    let (total_epochs, epoch_note) = if opts.final_model {
        let (n, note) = epochs_of_final(config, opts)?;
        (n, Some(note))
    } else {
        (config.train.epochs, None)
    };
    let mut data = load_datasets(config, opts.final_model)?;
    let device = Device::default().autodiff();
    // The starting model's weights, hashed once: for the fingerprint and the card.
    let init = match &config.train.init_from {
        Some(dir) => Some((dir, init_file(dir)?)),
        None => None,
    };
    let mut inputs = data.files.clone();
    inputs.extend(init.iter().map(|(_, file)| file.clone()));
    let fp = fingerprint(config, opts.final_model, &inputs);
    let labels = data.labels.bio_tags();
    let name = config.model_name(&out_dir);
    let prec = precision(config);

    let (extractor, model, optim, state) = if opts.resume {
        let ck = find_checkpoint(&out_dir)
            .ok_or_else(|| TrainError::checkpoint(&out_dir, "no checkpoint to resume from"))?;
        let mut state = read_state(&ck)?;
        if state.fingerprint != fp {
            return Err(TrainError::checkpoint(
                &ck,
                "the checkpoint was written with different settings (data, model, \
                 optimizer or --final); restore them or train from scratch",
            ));
        }
        state.progress.total_epochs = total_epochs;
        let extractor = FeatureExtractor::load(&out_dir)?;
        let manifest = ModelManifest::read(&out_dir)?;
        let fresh = BiLstmCrf::new(manifest.network, &device)?;
        let (model, optim) = restore(&ck, fresh, build_optimizer(&config.train))?;
        if !opts.quiet {
            eprintln!(
                "resuming {} after epoch {}",
                out_dir.display(),
                state.progress.epochs_done
            );
        }
        (extractor, model, optim, state)
    } else {
        if let Some(ck) = find_checkpoint(&out_dir) {
            return Err(TrainError::checkpoint(
                ck,
                "an interrupted run left this checkpoint: pass --resume to continue it, \
                 or delete it to start over",
            ));
        }
        fs::create_dir_all(&out_dir).map_err(|e| TrainError::io(&out_dir, e))?;
        clean_outputs(&out_dir)?;
        let (ex, model) = match init {
            Some((dir, file)) => start_from_model(dir, file, &device)?,
            None => {
                let ex = build_extractor(config, &data.train)?;
                let dim = ex.embeddings.as_ref().map(|e| e.dim);
                let net = network_config(config, &ex.extractor, dim, &labels)?;
                let model = init_network(
                    net,
                    &ex.extractor,
                    ex.embeddings.as_ref(),
                    config.seed,
                    &device,
                )?;
                (ex, model)
            }
        };
        // The directory is loadable from the start (initial weights), so a killed run
        // never leaves a manifest without weights.
        write_model(&out_dir, &name, &model, &ex.extractor, prec)?;
        let copy = out_dir.join(CONFIG_COPY);
        fs::copy(&config.source, &copy).map_err(|e| TrainError::io(&copy, e))?;
        let mut state = TrainState::new(fp, opts.final_model, total_epochs);
        state.files = data.files.clone();
        state.files.extend(ex.files);
        state.notes = ex.notes;
        state.notes.extend(epoch_note);
        (ex.extractor, model, build_optimizer(&config.train), state)
    };
    if model.config.labels != labels {
        return Err(TrainError::Config {
            path: config.source.clone(),
            message: format!(
                "the model predicts {:?} but the data's labels are {:?}",
                model.config.labels, labels
            ),
        });
    }

    let (train, gold) = encode(&extractor, &labels, &data.train)?;
    let (dev_inputs, _) = encode(&extractor, &labels, &data.dev)?;
    let encoded = Encoded {
        train,
        gold,
        soft: std::mem::take(&mut data.soft),
        dev_inputs,
        dev: (!opts.final_model).then_some(data.dev.as_slice()),
    };
    let mut trainer = BiLstmTrainer::new(
        config, &out_dir, device, model, optim, state, encoded, prec, opts.quiet,
    );
    run_epochs(
        &mut trainer,
        &LoopOptions {
            out_dir: &out_dir,
            patience: config.train.patience,
            quiet: opts.quiet,
            stop_after_epochs: None,
            keep_last: config.train.keep == crate::config::KeepEpoch::Last,
        },
    )?;
    if opts.final_model {
        trainer.save_best()?;
    }
    let model = trainer.model()?;
    let summary = finish(
        config,
        opts,
        &out_dir,
        &name,
        &trainer.state,
        model,
        trainer.dev_inputs(),
        &data.dev,
    )?;
    if !config.output.keep_checkpoint {
        remove_checkpoint(&out_dir)?;
    }
    Ok(summary)
}

/// Score the weights as written (reloaded from disk, so the card describes exactly what
/// ships), write the card and build the summary.
#[allow(clippy::too_many_arguments)]
fn finish(
    config: &TrainConfig,
    opts: &TrainOptions,
    out_dir: &Path,
    name: &str,
    state: &TrainState,
    model: &BiLstmCrf,
    dev_inputs: &[tweetner_model::SentenceInput],
    dev: &[tweetner_data::Sentence],
) -> Result<TrainSummary, TrainError> {
    let tagger = NeuralTagger::load(out_dir)?;
    let dev_scores = if opts.final_model {
        None
    } else {
        Some(dev_scores(&score(tagger.network(), dev_inputs, dev)?))
    };
    let weights = out_dir.join(WEIGHTS_FILE);
    let weights_bytes = fs::metadata(&weights)
        .map_err(|e| TrainError::io(&weights, e))?
        .len();
    let threads = rayon::current_num_threads();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut notes = state.notes.clone();
    notes.push(format!(
        "trained on CPU with {threads} backend threads ({cores} cores visible); timings \
         depend on what else the machine was running"
    ));
    if opts.final_model {
        notes.push(FINAL_MODEL_NOTE.into());
    }
    let mut settings = serde_json::to_value(config).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = settings.as_object_mut() {
        obj.insert("final_model".into(), opts.final_model.into());
        obj.insert("epochs_run".into(), state.progress.epochs_done.into());
    }
    let card = ModelCard {
        name: name.to_string(),
        kind: KIND_BILSTM_CRF.to_string(),
        tweetner_version: env!("CARGO_PKG_VERSION").to_string(),
        created: utc_timestamp(),
        final_model: opts.final_model,
        data: state.files.clone(),
        settings,
        dev: dev_scores.clone(),
        best_epoch: if opts.final_model {
            None
        } else {
            state.progress.selection.best_epoch
        },
        epochs_trained: state.progress.epochs_done,
        training_seconds: state.progress.selection.elapsed_seconds,
        seconds_to_best: if opts.final_model {
            None
        } else {
            state.progress.selection.seconds_to_best
        },
        parameters: model.num_params(),
        weights_bytes,
        notes,
    };
    card.write(out_dir)?;
    Ok(TrainSummary {
        final_model: opts.final_model,
        best_epoch: card.best_epoch,
        dev: dev_scores,
        seconds_to_best: card.seconds_to_best,
        weights_bytes,
        parameters: card.parameters,
        ..TrainSummary::of(out_dir, &state.progress)
    })
}
