//! `tweetner models list`: the models `--model NAME` can name, where they
//! are, and what their cards say. `tweetner models compact`: a transformer
//! model directory with its large matrices stored in int8, to ship.
//! `tweetner models ensemble`: a directory naming several models whose
//! probabilities are averaged (a teacher for distillation).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;

use super::model::model_roots;

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// The models found in every place `--model NAME` looks, first match first.
    List,
    /// Copy a fine-tuned transformer's model directory with its large
    /// matrices (word table, encoder linears) stored as int8 with one scale
    /// per row: about a quarter of the size, tagged like any model
    /// (Python's `transformers` cannot read it; keep the source to share).
    Compact {
        /// The model directory to compact.
        model: PathBuf,
        /// Where to write the compacted copy (must not hold a model).
        #[arg(short, long)]
        out: PathBuf,
        /// Matrices with fewer values than this stay as they are.
        #[arg(long, default_value_t = tweetner_transformer::CompactOptions::default().min_elements as u32,
              value_parser = clap::value_parser!(u32).range(1..=1 << 30))]
        min_elements: u32,
        /// Gold CoNLL file to score the compacted model on; its scores
        /// replace the source's in the copy's model card.
        #[arg(long)]
        dev: Option<PathBuf>,
        /// A note for the copy's model card (licences, speed); repeatable.
        #[arg(long = "note")]
        notes: Vec<String>,
    },
    /// Add notes (speed, licences, provenance) to a model directory's card,
    /// rewriting MODEL_CARD.md from card.json.
    Note {
        /// The model directory.
        model: PathBuf,
        /// The notes, one per argument.
        #[arg(required = true)]
        notes: Vec<String>,
    },
    /// Write an ensemble: a model directory that tags with several models
    /// at once, averaging their per-token label probabilities (weighted) and
    /// decoding the average under BIO constraints. Slower than its members
    /// together; meant as a teacher.
    Ensemble {
        /// Member model directories (same label list; not ensembles).
        #[arg(required = true)]
        members: Vec<PathBuf>,
        /// Where to write the ensemble (must not hold a model).
        #[arg(short, long)]
        out: PathBuf,
        /// One weight per member, in order (default: all 1); each in (0, 1e6].
        #[arg(long, value_delimiter = ',', value_parser = parse_weight)]
        weights: Vec<f32>,
        /// Display name (default: the output directory's name).
        #[arg(long)]
        name: Option<String>,
        /// Gold CoNLL file to score the ensemble on.
        #[arg(long)]
        dev: Option<PathBuf>,
    },
}

/// Total size of the files directly in `dir`.
fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

pub fn run(cmd: ModelsCommand) -> Result<()> {
    match cmd {
        ModelsCommand::List => list(),
        ModelsCommand::Compact {
            model,
            out,
            min_elements,
            dev,
            notes,
        } => compact(&model, &out, min_elements, dev.as_deref(), notes),
        ModelsCommand::Note { model, notes } => {
            let mut card = tweetner_tagger::ModelCard::read(&model)
                .with_context(|| format!("reading the card of {}", model.display()))?;
            card.notes.extend(notes);
            card.write(&model)?;
            Ok(())
        }
        ModelsCommand::Ensemble {
            members,
            out,
            weights,
            name,
            dev,
        } => ensemble(&members, &out, &weights, name, dev.as_deref()),
    }
}

/// `models ensemble`: the manifest (member paths relative to `out`, so that
/// the runs can move together), checked by loading it.
fn ensemble(
    members: &[PathBuf],
    out: &Path,
    weights: &[f32],
    name: Option<String>,
    dev: Option<&Path>,
) -> Result<()> {
    if !weights.is_empty() && weights.len() != members.len() {
        anyhow::bail!(
            "--weights: {} values for {} members",
            weights.len(),
            members.len()
        );
    }
    if out.join(tweetner_tagger::MANIFEST_FILE).exists() {
        anyhow::bail!("{}: already holds a model", out.display());
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let base = out
        .canonicalize()
        .with_context(|| format!("resolving {}", out.display()))?;
    let mut list = Vec::with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        let abs = m
            .canonicalize()
            .with_context(|| format!("member {}: {}", i, m.display()))?;
        list.push(tweetner_tagger::EnsembleMember {
            path: relative_to(&abs, &base),
            weight: weights.get(i).copied().unwrap_or(1.0),
        });
    }
    let manifest = tweetner_tagger::EnsembleManifest {
        format: tweetner_tagger::FORMAT_VERSION,
        kind: tweetner_tagger::KIND_ENSEMBLE.into(),
        name: name.unwrap_or_else(|| {
            base.file_name()
                .map_or("ensemble".into(), |n| n.to_string_lossy().into_owned())
        }),
        members: list,
    };
    let loaded = manifest
        .write(out)
        .map_err(anyhow::Error::from)
        .and_then(|()| load(out));
    let tagger = match loaded {
        Ok(t) => t,
        Err(e) => {
            // A manifest that does not load is not left behind as a model.
            let _ = std::fs::remove_file(out.join(tweetner_tagger::MANIFEST_FILE));
            return Err(e);
        }
    };
    println!("{}: ensemble of {} models", out.display(), members.len());
    if let Some(dev) = dev {
        // The members are loaded once: the check above already did it.
        let r = score_with(tagger.as_ref(), dev)?;
        println!(
            "dev F1 {:.2} (P {:.2} / R {:.2}) on {}",
            r.f1,
            r.precision,
            r.recall,
            dev.display()
        );
    }
    Ok(())
}

/// An ensemble weight: positive, finite and at most 1e6 (only ratios
/// matter, so a larger one can only be a typo).
fn parse_weight(s: &str) -> Result<f32, String> {
    let w: f32 = s.trim().parse().map_err(|e| format!("{s:?}: {e}"))?;
    if w.is_finite() && w > 0.0 && w <= 1e6 {
        Ok(w)
    } else {
        Err(format!("{s}: a weight must be in (0, 1e6]"))
    }
}

/// `target` as a path from `base` (both absolute): `../mpnet` for siblings.
fn relative_to(target: &Path, base: &Path) -> PathBuf {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `models compact`: the copy, its size, and a card that says what was done
/// (and, with `dev`, how the copy scores).
fn compact(
    model: &Path,
    out: &Path,
    min_elements: u32,
    dev: Option<&Path>,
    notes: Vec<String>,
) -> Result<()> {
    // A final model was trained on dev: scores on it would sit in the card as if
    // they were held out. Refused before anything is written.
    if let Some(dev) = dev {
        if model.join(tweetner_tagger::CARD_FILE).is_file()
            && tweetner_tagger::ModelCard::read(model)?.final_model
        {
            anyhow::bail!(
                "{} is a final model (its card: dev was part of training), so --dev {} would \
                 not be a held-out score; compact it without --dev",
                model.display(),
                dev.display()
            );
        }
    }
    let options = tweetner_transformer::CompactOptions {
        min_elements: min_elements as usize,
    };
    let r = tweetner_transformer::compact_model_dir(model, out, &options)
        .with_context(|| format!("compacting {}", model.display()))?;
    let sizes = format!(
        "model.safetensors {:.1} MB -> {:.1} MB ({} matrices in int8, {} tensors kept)",
        r.bytes_before as f64 / 1e6,
        r.bytes_after as f64 / 1e6,
        r.quantized,
        r.kept
    );
    println!(
        "{}: {sizes}; directory {:.1} MB",
        out.display(),
        size_of(out) as f64 / 1e6
    );
    if !out.join(tweetner_tagger::CARD_FILE).is_file() {
        if !notes.is_empty() {
            tracing::warn!("{} has no model card: --note ignored", model.display());
        }
        return Ok(());
    }
    let mut card = tweetner_tagger::ModelCard::read(out)?;
    card.notes
        .retain(|n| n != tweetner_finetune::HF_CHECKPOINT_NOTE);
    card.notes.push(format!(
        "weights stored in int8 by `tweetner models compact` from {}: {sizes}; runs in int8; \
         Python's transformers cannot read this copy (the source directory can)",
        model.display()
    ));
    if let Some(dev) = dev {
        let before = card.dev.as_ref().map(|d| d.overall.f1);
        let report = score(out, dev)?;
        println!(
            "dev F1 {:.2} (P {:.2} / R {:.2}); the source's card said {}",
            report.f1,
            report.precision,
            report.recall,
            before.map_or("nothing".into(), |f| format!("{f:.2}"))
        );
        card.dev = Some(tweetner_trainkit::dev_scores(&report));
        card.notes.push(format!(
            "dev scores above are the compacted model's on {} (the source's card: {})",
            dev.display(),
            before.map_or("none".into(), |f| format!("{f:.2}"))
        ));
    }
    card.notes.extend(notes);
    card.write(out)?;
    Ok(())
}

/// The model in `dir`, loaded for scoring (all cores, batches of 64, as stored).
fn load(dir: &Path) -> Result<tweetner_tagger::SharedTagger> {
    let threads = super::model::default_threads();
    Ok(super::model::load_tagger(Some(dir), threads, 64, false)?.1)
}

/// conlleval scores of the model in `dir` on the gold file `gold`.
fn score(dir: &Path, gold: &Path) -> Result<tweetner_eval::Report> {
    score_with(load(dir)?.as_ref(), gold)
}

/// conlleval scores of `tagger` on the gold file `gold`.
fn score_with(
    tagger: &(dyn tweetner_tagger::Tagger + Send + Sync),
    gold: &Path,
) -> Result<tweetner_eval::Report> {
    let (gold, predicted) = super::eval::tag_gold_file(tagger, gold)?;
    Ok(tweetner_eval::evaluate(
        gold.into_iter().zip(predicted).map(|(g, p)| (g, p.tags)),
    )?)
}

fn list() -> Result<()> {
    println!(
        "{:<16} {:<22} {:>8} {:>9}  path",
        "name", "kind", "dev F1", "size"
    );
    let mut names: Vec<String> = Vec::new();
    for root in model_roots() {
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut dirs: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        dirs.sort();
        for dir in dirs {
            let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            let Ok(info) = tweetner_tagger::model_info(&dir) else {
                continue;
            };
            // A name found earlier hides this one: say so rather than list it as usable.
            let shadowed = names.contains(&name);
            let f1 = info
                .card
                .as_ref()
                .and_then(|c| c.dev.as_ref())
                .map_or("-".to_string(), |d| format!("{:.2}", d.overall.f1));
            println!(
                "{:<16} {:<22} {:>8} {:>8.1}M  {}{}",
                name,
                info.kind,
                f1,
                size_of(&dir) as f64 / 1e6,
                dir.canonicalize().unwrap_or_else(|_| dir.clone()).display(),
                if shadowed {
                    "  (hidden by the one above)"
                } else {
                    ""
                }
            );
            names.push(name);
        }
    }
    if names.is_empty() {
        eprintln!(
            "no models found; looked in: {}",
            model_roots()
                .iter()
                .map(|r| r.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_must_be_positive_and_finite() {
        assert_eq!(parse_weight("1.5"), Ok(1.5));
        for bad in ["0", "-1", "nan", "inf", "1e300", "2e6", "x"] {
            assert!(parse_weight(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relative_paths_climb_to_the_common_ancestor() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            relative_to(&p("/w/runs/mpnet"), &p("/w/runs/ens")),
            p("../mpnet")
        );
        assert_eq!(
            relative_to(&p("/w/models/default"), &p("/w/runs/ens")),
            p("../../models/default")
        );
        assert_eq!(relative_to(&p("/w/runs/ens/a"), &p("/w/runs/ens")), p("a"));
        assert_eq!(relative_to(&p("/w/runs/ens"), &p("/w/runs/ens")), p("."));
    }
}
