//! `tweetner calibrate`: fit the temperature of a BiLSTM-CRF model's entity
//! scores on held-out tweets.
//!
//! The CRF's span probabilities rank entities well but are over-confident
//! (README, "Confidence calibration"). Dividing all CRF scores by one
//! temperature leaves the tags unchanged and only rescales the scores, so
//! fitting it cannot cost F1. The fit minimises the Brier score of the
//! predicted entities over a grid of temperatures. Its effect is reported
//! with k-fold cross-fitting (fit on k−1 folds, score the one left out), so
//! the reported error never comes from the tweets the temperature was fitted on.
//!
//! `--entity-bias` first fits the one setting that does change the tags (see
//! [`super::entity_bias`]), then the temperature at it.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use tweetner_data::{read_conll, ReadOptions};
use tweetner_eval::{Calibration, Calibrator, ScoredSpan};
use tweetner_tagger::{ModelCard, ModelManifest, NeuralTagger, Tagger, CARD_FILE, MANIFEST_FILE};

use super::eval::scored_spans;
use super::model::{default_threads, resolve_model_dir};

#[derive(Args)]
pub struct CalibrateArgs {
    /// Held-out CoNLL file with gold tags (e.g. dev; never the test split).
    pub file: PathBuf,
    /// BiLSTM-CRF model directory (default: the shipped model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Folds for the cross-fitted report (tweet i goes to fold i mod k).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..=20))]
    pub folds: u32,
    /// Equal-width score buckets of the expected calibration error.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub bins: u32,
    /// First fit the entity bias (added to every `B-x` label's score; it
    /// changes the tags) for the best F1 on the file, then the temperature at
    /// that bias.
    #[arg(long)]
    pub entity_bias: bool,
    /// Store what was fitted on the whole file in the model directory (with a
    /// bias, the card's dev scores become those at the bias).
    #[arg(long)]
    pub write: bool,
    /// Worker threads (default: all cores; at most 1024).
    #[arg(long, value_parser = super::limits::ranged::<usize>(super::limits::THREADS))]
    pub threads: Option<usize>,
}

/// How the card's note on the fitted temperature begins.
const CARD_NOTE: &str = "entity scores divided by temperature";
/// How the card's note on the fitted entity bias begins.
const BIAS_NOTE: &str = "B- labels' scores raised by";

/// Index of t = 1 (the scores as trained) in [`grid`].
const UNIT: usize = 14;

/// Temperatures tried: 47 steps, evenly spaced in log, from 0.5 to 5; `grid()[UNIT]`
/// is exactly 1 (`exp(0)`).
fn grid() -> Vec<f32> {
    (0..47)
        .map(|k| (0.05 * (k as f64 - UNIT as f64)).exp() as f32)
        .collect()
}

/// Scored entities per tweet, at one temperature.
type Tweets = Vec<Vec<ScoredSpan>>;

/// The reliability summary of the tweets `keep` selects.
fn score(
    gold: &[Vec<String>],
    spans: &Tweets,
    bins: usize,
    keep: impl Fn(usize) -> bool,
) -> Result<Calibration> {
    let mut cal = Calibrator::new(bins)?;
    for (i, (g, s)) in gold.iter().zip(spans).enumerate() {
        if keep(i) {
            cal.add_sentence(g, s)
                .with_context(|| format!("tweet {}", i + 1))?;
        }
    }
    Ok(cal.finish())
}

/// Index into `grid` of the lowest Brier score on the selected tweets; on a tie
/// the temperature closest to 1, the smallest change.
fn best_index(
    grid: &[f32],
    gold: &[Vec<String>],
    by_t: &[Tweets],
    keep: impl Fn(usize) -> bool + Copy,
) -> Result<usize> {
    let mut best = (f64::INFINITY, f32::INFINITY, 0);
    for (j, spans) in by_t.iter().enumerate() {
        let b = score(gold, spans, 1, keep)?.brier.unwrap_or(f64::INFINITY);
        let dist = grid[j].ln().abs();
        if b < best.0 || (b == best.0 && dist < best.1) {
            best = (b, dist, j);
        }
    }
    Ok(best.2)
}

pub fn run(args: CalibrateArgs) -> Result<()> {
    let dir = resolve_model_dir(args.model.as_deref())?;
    if tweetner_tagger::int8_applies(&dir)? {
        bail!(
            "{}: calibrate works on BiLSTM-CRF model directories only",
            dir.display()
        );
    }
    let threads = args.threads.unwrap_or_else(default_threads).max(1);
    let mut tagger = NeuralTagger::load(&dir)
        .with_context(|| format!("loading model {}", dir.display()))?
        .with_threads(threads);
    let gold = read_conll(&args.file, &ReadOptions::default())?;
    if gold.is_empty() {
        bail!("{}: no tweets", args.file.display());
    }
    let tokens: Vec<Vec<String>> = gold.iter().map(|s| s.tokens.clone()).collect();
    let gold: Vec<Vec<String>> = gold.into_iter().map(|s| s.tags).collect();
    let (k, bins) = (args.folds as usize, args.bins as usize);
    let mut out = std::io::stdout().lock();
    let bias = if args.entity_bias {
        Some(super::entity_bias::fit(
            &mut tagger,
            &tokens,
            &gold,
            k,
            &mut out,
        )?)
    } else {
        None
    };
    let grid = grid();
    let mut by_t: Vec<Tweets> = Vec::with_capacity(grid.len());
    for &t in &grid {
        tagger.set_temperature(t)?;
        let tagged = tagger.tag_batch(&tokens)?;
        by_t.push(tagged.iter().map(scored_spans).collect());
    }
    writeln!(
        out,
        "{} tweets, {k} folds (tweet i in fold i mod {k}); temperatures {:.2}..{:.2} in {} steps",
        tokens.len(),
        grid[0],
        grid[grid.len() - 1],
        grid.len()
    )?;
    writeln!(out, "fold  fitted t  held-out Brier at t=1  at fitted t")?;
    // Every tweet scored once, at the temperature fitted without its fold.
    let mut pooled: Tweets = vec![Vec::new(); tokens.len()];
    for f in 0..k {
        let j = best_index(&grid, &gold, &by_t, |i| i % k != f)?;
        let held = |i: usize| i % k == f;
        writeln!(
            out,
            "{:>4}  {:>8.3}  {:>21}  {:>11}",
            f + 1,
            grid[j],
            fmt(score(&gold, &by_t[UNIT], bins, held)?.brier),
            fmt(score(&gold, &by_t[j], bins, held)?.brier)
        )?;
        for (i, spans) in pooled.iter_mut().enumerate().filter(|(i, _)| held(*i)) {
            spans.clone_from(&by_t[j][i]);
        }
    }
    let before = score(&gold, &by_t[UNIT], bins, |_| true)?;
    let after = score(&gold, &pooled, bins, |_| true)?;
    writeln!(
        out,
        "held out, all folds ({} entities): ECE {:.4} -> {:.4}, MCE {:.4} -> {:.4}, Brier {} -> {}",
        after.predicted,
        before.ece,
        after.ece,
        before.mce,
        after.mce,
        fmt(before.brier),
        fmt(after.brier)
    )?;
    let j = best_index(&grid, &gold, &by_t, |_| true)?;
    writeln!(
        out,
        "temperature fitted on all {} tweets: {:.3}",
        tokens.len(),
        grid[j]
    )?;
    if args.write {
        let mut manifest = ModelManifest::read(&dir)?;
        manifest.temperature = grid[j];
        if let Some(b) = &bias {
            manifest.entity_bias = b.bias;
        }
        manifest.write(&dir)?;
        // The card says so too, replacing the note of an earlier fit.
        if dir.join(CARD_FILE).is_file() {
            let mut card = ModelCard::read(&dir)?;
            card.notes.retain(|n| !n.starts_with(CARD_NOTE));
            if let Some(b) = &bias {
                card.notes.retain(|n| !n.starts_with(BIAS_NOTE));
                card.notes.push(format!(
                    "{BIAS_NOTE} {:.1}, fitted by `tweetner calibrate --entity-bias` for F1 on {} \
                     ({} tweets): dev P/R/F1 {:.2}/{:.2}/{:.2} -> {:.2}/{:.2}/{:.2}, \
                     {:.2} held out ({k}-fold cross-fitting); the dev scores above are at the bias",
                    b.bias,
                    args.file.display(),
                    tokens.len(),
                    b.trained.precision,
                    b.trained.recall,
                    b.trained.f1,
                    b.fitted.precision,
                    b.fitted.recall,
                    b.fitted.f1,
                    b.held_out_f1
                ));
                if card.dev.is_some() {
                    card.dev = Some(tweetner_trainkit::report::dev_scores(&b.fitted));
                }
            }
            card.notes.push(format!(
                "{CARD_NOTE} {:.3}, fitted by `tweetner calibrate` on {} ({} tweets); \
                 ECE {:.3} -> {:.3} held out ({k}-fold cross-fitting); tags unchanged",
                grid[j],
                args.file.display(),
                tokens.len(),
                before.ece,
                after.ece
            ));
            card.write(&dir)?;
        }
        writeln!(
            out,
            "wrote temperature {:.3}{} to {}",
            grid[j],
            bias.as_ref()
                .map_or(String::new(), |b| format!(" and entity bias {:.1}", b.bias)),
            dir.join(MANIFEST_FILE).display()
        )?;
    }
    Ok(())
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.4}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_spans_half_to_five_through_one() {
        let g = grid();
        assert!((g[0] - 0.5).abs() < 0.01 && (g[g.len() - 1] - 5.0).abs() < 0.1);
        assert_eq!(g.iter().filter(|&&t| t == 1.0).count(), 1);
        assert_eq!(g[UNIT], 1.0);
        assert!(g.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn best_index_picks_the_lowest_brier_on_the_selected_tweets() {
        let gold: Vec<Vec<String>> = vec![vec!["B-a".into()], vec!["O".into()]];
        let at = |s0: f64, s1: f64| -> Tweets {
            vec![
                vec![ScoredSpan::new(0, 1, "a", s0)], // correct
                vec![ScoredSpan::new(0, 1, "a", s1)], // wrong
            ]
        };
        let grid = [0.5f32, 1.0, 2.0];
        // Temperature 2 gives the best scores overall, 0.5 the best on tweet 0 alone.
        let by_t = vec![at(0.99, 0.9), at(0.9, 0.6), at(0.8, 0.1)];
        assert_eq!(best_index(&grid, &gold, &by_t, |_| true).unwrap(), 2);
        assert_eq!(best_index(&grid, &gold, &by_t, |i| i == 0).unwrap(), 0);
        // A tie keeps the temperature closest to 1.
        let flat = vec![at(0.5, 0.5), at(0.5, 0.5), at(0.5, 0.5)];
        assert_eq!(best_index(&grid, &gold, &flat, |_| true).unwrap(), 1);
    }
}
