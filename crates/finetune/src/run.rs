//! A whole fine-tuning run: set-up or resume, epochs with dev selection, the
//! finished model directory.

use std::fs;
use std::path::Path;
use std::time::Instant;

use tweetner_data::Sentence;
use tweetner_eval::{evaluate, Report};
use tweetner_tagger::{DataFile, ModelCard};
use tweetner_transformer::burn::module::Module;
use tweetner_transformer::burn::optim::{GradientsAccumulator, GradientsParams};
use tweetner_transformer::burn::tensor::Device;
use tweetner_transformer::{
    cpu_device, load_encoder, load_model_dir, save_model_dir, word_scores, AlignedSentence,
    Decoder, HeadSpec, SubwordTokenizer, TokenClassifier, WindowConfig, KIND_TRANSFORMER,
};

use crate::checkpoint::{
    find_checkpoint, read_state, remove_checkpoint, restore, save_checkpoint, EpochRecord,
    TrainState,
};
use crate::config::FinetuneConfig;
use crate::error::FinetuneError;
use crate::optim::{adamw, freeze, scheduled_lr, update};
use crate::{FinetuneOptions, FinetuneSummary};
use tweetner_trainkit::{
    dev_scores, dropout_seed, epoch_bar, epoch_batches, gold_ids, read_splits, sha256_file,
    utc_timestamp, write_curves, write_log, CurvePoint, Datasets, Splits,
};

/// The config, copied into the model directory.
pub const CONFIG_COPY: &str = "train-config.toml";
/// Tweets per dev-scoring batch.
const EVAL_BATCH: usize = 32;

/// Settings a checkpoint must share with the config resuming it. Paths are blanked:
/// the data files enter by checksum, and the encoder by its `config.json` and
/// `tokenizer.json` (its weights come from the checkpoint on resume).
fn fingerprint(config: &FinetuneConfig, data: &[DataFile]) -> Result<String, FinetuneError> {
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
    Ok(tweetner_trainkit::fingerprint(&c, &inputs))
}

/// Conlleval report of `model` (any device) on `dev`.
pub fn evaluate_dev(
    model: &TokenClassifier,
    tokenizer: &SubwordTokenizer,
    aligned: &[AlignedSentence],
    dev: &[Sentence],
) -> Result<Report, FinetuneError> {
    let valid = model.valid();
    let decoder = Decoder::new(&valid)?;
    let scores = word_scores(&valid, tokenizer, aligned, EVAL_BATCH, 1, &cpu_device())?;
    let labels = decoder.labels().to_vec();
    let pairs = dev.iter().zip(&scores).map(|(s, sc)| {
        let p = decoder.decode(sc);
        let tags = p
            .tags
            .iter()
            .map(|&y| labels.get(y).cloned().unwrap_or_else(|| "O".into()))
            .collect();
        (s.tags.clone(), tags)
    });
    Ok(evaluate(pairs)?)
}

/// Run `config` (inside the thread pool set up by [`crate::finetune`]).
pub fn run(
    config: &FinetuneConfig,
    opts: &FinetuneOptions,
) -> Result<FinetuneSummary, FinetuneError> {
    let out_dir = opts
        .out_dir
        .clone()
        .unwrap_or_else(|| config.output.dir.clone());
    let name = config.name(&out_dir);
    let Datasets {
        train,
        dev,
        files,
        labels,
    } = read_splits(&Splits {
        train: &config.data.train,
        extra: &config.data.extra,
        dev: &config.data.dev,
        labels: &config.data.labels,
        max_train: config.data.max_train_sentences,
        max_dev: config.data.max_dev_sentences,
    })?;
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
    };
    let t = &config.train;
    let model = TokenClassifier::new(load_encoder(enc_dir, &device)?, spec, &device)?;
    let (mut enc_opt, mut head_opt) = (adamw(t), adamw(t));
    let fp = fingerprint(config, &files)?;
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
                state.epochs_done
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
        (model, TrainState::new(fp, files))
    };
    model = freeze(model, t);

    let align = |s: &[Sentence]| -> Result<Vec<AlignedSentence>, FinetuneError> {
        Ok(s.iter()
            .map(|x| tokenizer.tokenize(&x.tokens))
            .collect::<Result<Vec<_>, _>>()?)
    };
    let train_aligned = align(&train)?;
    let dev_aligned = align(&dev)?;
    let lengths: Vec<usize> = train_aligned.iter().map(|a| a.pieces.len()).collect();
    let batches_per_epoch = train.len().div_ceil(t.batch_size);
    let updates_per_epoch = batches_per_epoch.div_ceil(t.grad_accum);
    let total_steps = updates_per_epoch * t.epochs;
    let warmup_steps = (t.warmup * total_steps as f64).round() as usize;

    let mut session_epochs = 0usize;
    while state.epochs_done < t.epochs && !state.selection.stopped_early {
        if opts.stop_after_epochs.is_some_and(|n| session_epochs >= n) {
            return Ok(FinetuneSummary {
                out_dir: out_dir.clone(),
                epochs_run: state.epochs_done,
                best_epoch: state.selection.best_epoch,
                dev: None,
                history: state.history.clone(),
                training_seconds: state.selection.elapsed_seconds,
                seconds_to_best: state.selection.seconds_to_best,
                stopped_early: false,
                interrupted: true,
            });
        }
        session_epochs += 1;
        let e0 = state.epochs_done;
        let started = Instant::now();
        device.seed(dropout_seed(config.seed, e0));
        let batches = epoch_batches(&lengths, t.batch_size, t.bucketing, config.seed, e0);
        let bar = epoch_bar(train.len(), (e0 + 1).to_string(), opts.quiet);
        let (mut loss_sum, mut max_norm) = (0.0f64, 0.0f64);
        let (mut lr_e, mut lr_h) = (0.0, 0.0);
        let mut acc = GradientsAccumulator::<TokenClassifier>::new();
        let mut pending = 0usize;
        for (bi, ids) in batches.iter().enumerate() {
            let a: Vec<AlignedSentence> = ids.iter().map(|&i| train_aligned[i].clone()).collect();
            let g: Vec<Vec<usize>> = ids.iter().map(|&i| gold[i].clone()).collect();
            let loss = model.loss(&a, &g, &tokenizer, &device)?;
            let value = loss
                .clone()
                .into_data()
                .iter::<f32>()
                .next()
                .map_or(f64::NAN, f64::from);
            if !value.is_finite() {
                return Err(FinetuneError::Diverged {
                    epoch: e0 + 1,
                    batch: bi,
                    loss: value,
                });
            }
            let loss = if t.grad_accum > 1 {
                loss.div_scalar(t.grad_accum as f32)
            } else {
                loss
            };
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            acc.accumulate(&model, grads);
            pending += 1;
            if pending == t.grad_accum || bi + 1 == batches.len() {
                lr_e = scheduled_lr(t.lr_encoder, state.steps, warmup_steps, total_steps);
                lr_h = scheduled_lr(t.lr_head, state.steps, warmup_steps, total_steps);
                let (m, norm) = update(
                    model,
                    acc.grads(),
                    &mut enc_opt,
                    &mut head_opt,
                    lr_e,
                    lr_h,
                    t.clip_norm,
                );
                model = m;
                max_norm = max_norm.max(norm);
                state.steps += 1;
                pending = 0;
            }
            loss_sum += value;
            bar.inc(ids.len() as u64);
            bar.set_message(format!("loss {:.4}", loss_sum / (bi + 1) as f64));
        }
        bar.finish_and_clear();
        let train_seconds = started.elapsed().as_secs_f64();
        let report = evaluate_dev(&model, &tokenizer, &dev_aligned, &dev)?;
        state.epochs_done += 1;
        if state.selection.improves(report.f1) {
            save_model_dir(&out_dir, &model.valid(), enc_dir, &name)?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let improved =
            state
                .selection
                .record(state.epochs_done, Some(report.f1), seconds, t.patience);
        state.history.push(EpochRecord {
            epoch: state.epochs_done,
            train_loss: loss_sum / batches.len().max(1) as f64,
            dev_precision: Some(report.precision),
            dev_recall: Some(report.recall),
            dev_f1: Some(report.f1),
            lr: lr_e,
            lr_head: lr_h,
            steps: state.steps,
            seconds,
            sentences_per_second: train.len() as f64 / train_seconds.max(1e-9),
            max_grad_norm: max_norm,
        });
        write_log(&out_dir, &state.history)?;
        let points = state
            .history
            .iter()
            .map(|r| CurvePoint::new(r.epoch, r.train_loss, r.dev_f1));
        write_curves(&out_dir, points)?;
        save_checkpoint(&out_dir, &model, &enc_opt, &head_opt, &state)?;
        if !opts.quiet {
            eprintln!(
                "epoch {}/{}: loss {:.4} dev P/R/F1 {:.2}/{:.2}/{:.2}, lr {:.2e}/{:.2e}, {:.0} s{}",
                state.epochs_done,
                t.epochs,
                loss_sum / batches.len().max(1) as f64,
                report.precision,
                report.recall,
                report.f1,
                lr_e,
                lr_h,
                seconds,
                if improved { " *best*" } else { "" }
            );
        }
    }
    let summary = finish(
        config,
        &out_dir,
        &name,
        &state,
        &tokenizer,
        &dev_aligned,
        &dev,
    )?;
    if !config.output.keep_checkpoint {
        remove_checkpoint(&out_dir)?;
    }
    Ok(summary)
}

/// Re-score the directory as written (so the card describes what ships),
/// write the card, build the summary.
fn finish(
    config: &FinetuneConfig,
    out_dir: &Path,
    name: &str,
    state: &TrainState,
    tokenizer: &SubwordTokenizer,
    dev_aligned: &[AlignedSentence],
    dev: &[Sentence],
) -> Result<FinetuneSummary, FinetuneError> {
    let (model, _, _) = load_model_dir(out_dir, &cpu_device())?;
    let report = evaluate_dev(&model, tokenizer, dev_aligned, dev)?;
    let scores = dev_scores(&report);
    let weights = out_dir.join("model.safetensors");
    let weights_bytes = fs::metadata(&weights)
        .map_err(|e| FinetuneError::io(&weights, e))?
        .len();
    let threads = rayon::current_num_threads();
    let mut settings = serde_json::to_value(config).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = settings.as_object_mut() {
        obj.insert("epochs_run".into(), state.epochs_done.into());
        obj.insert("updates".into(), state.steps.into());
    }
    let card = ModelCard {
        name: name.into(),
        kind: KIND_TRANSFORMER.into(),
        tweetner_version: env!("CARGO_PKG_VERSION").into(),
        created: utc_timestamp(),
        final_model: false,
        data: state.files.clone(),
        settings,
        dev: Some(scores.clone()),
        best_epoch: state.selection.best_epoch,
        epochs_trained: state.epochs_done,
        training_seconds: state.selection.elapsed_seconds,
        seconds_to_best: state.selection.seconds_to_best,
        parameters: model.num_params(),
        weights_bytes,
        notes: vec![
            format!(
                "fine-tuned on CPU with {threads} backend threads; timings depend on what else the machine ran"
            ),
            format!("encoder from {}", config.encoder.path.display()),
            "the directory is also a Hugging Face token-classification checkpoint (config.json, model.safetensors, tokenizer.json)".into(),
        ],
    };
    card.write(out_dir)?;
    Ok(FinetuneSummary {
        out_dir: out_dir.to_path_buf(),
        epochs_run: state.epochs_done,
        best_epoch: state.selection.best_epoch,
        dev: Some(scores),
        history: state.history.clone(),
        training_seconds: state.selection.elapsed_seconds,
        seconds_to_best: state.selection.seconds_to_best,
        stopped_early: state.selection.stopped_early,
        interrupted: false,
    })
}
