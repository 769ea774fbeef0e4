//! `tweetner calibrate --entity-bias`: fit one number added to the score of
//! every entity's first label (`B-x`), the balance between precision and recall.
//!
//! A student trained on silver tags (or any model trained on data where many
//! entities go untagged) says `O` too often: the shipped BiLSTM-CRF had 59.8
//! precision against 46.6 recall on dev. Shifting every `B-x` score by one
//! bias moves that balance; the bias with the best F1 on the held-out file
//! is kept (ties go to the smallest change). One number fitted on a thousand
//! tweets cannot overfit much, and the report says how much it did: k-fold
//! cross-fitting tags every tweet at the bias fitted without its fold.

use std::io::Write;

use anyhow::{Context, Result};
use tweetner_eval::Report;
use tweetner_tagger::{NeuralTagger, Tagger};

/// Biases tried: -1.0 to 3.0 in steps of 0.1; `grid()[ZERO]` is exactly 0.
fn grid() -> Vec<f32> {
    (0..41).map(|k| (k as f32 - ZERO as f32) / 10.0).collect()
}

/// Index of bias 0 (the tags as trained) in [`grid`].
const ZERO: usize = 10;

/// Tags of every tweet at one bias.
type Tags = Vec<Vec<String>>;

/// The outcome of a fit.
pub struct BiasFit {
    /// The bias with the best F1 on the whole file.
    pub bias: f32,
    /// conlleval report at bias 0 and at the fitted bias, whole file.
    pub trained: Report,
    pub fitted: Report,
    /// F1 with each tweet tagged at the bias fitted without its fold.
    pub held_out_f1: f64,
}

/// The conlleval report of the tweets `keep` selects.
fn report(gold: &[Vec<String>], tags: &Tags, keep: impl Fn(usize) -> bool) -> Result<Report> {
    let mut ev = tweetner_eval::Evaluator::new();
    for (i, (g, p)) in gold.iter().zip(tags).enumerate() {
        if keep(i) {
            ev.add_sentence(g, p)
                .with_context(|| format!("tweet {}", i + 1))?;
        }
    }
    Ok(ev.finish())
}

/// F1 at every bias on the tweets `keep` selects.
fn f1s(
    gold: &[Vec<String>],
    by_bias: &[Tags],
    keep: impl Fn(usize) -> bool + Copy,
) -> Result<Vec<f64>> {
    by_bias
        .iter()
        .map(|tags| Ok(report(gold, tags, keep)?.f1))
        .collect()
}

/// Index into `grid` of the best of `f1` (one per bias); on a tie the bias
/// closest to 0.
fn best_index(grid: &[f32], f1: &[f64]) -> usize {
    let mut best = (f64::NEG_INFINITY, f32::INFINITY, ZERO);
    for (j, (&f, &b)) in f1.iter().zip(grid).enumerate() {
        let dist = b.abs();
        if f > best.0 || (f == best.0 && dist < best.1) {
            best = (f, dist, j);
        }
    }
    best.2
}

/// Tag `tokens` at every bias of the grid, fit the bias, report the fit to
/// `out`, and leave `tagger` set to the fitted bias.
pub fn fit(
    tagger: &mut NeuralTagger,
    tokens: &[Vec<String>],
    gold: &[Vec<String>],
    folds: usize,
    out: &mut impl Write,
) -> Result<BiasFit> {
    let grid = grid();
    let mut by_bias: Vec<Tags> = Vec::with_capacity(grid.len());
    for &b in &grid {
        tagger.set_entity_bias(b)?;
        let tagged = tagger
            .tag_batch(tokens)
            .with_context(|| format!("tagging at entity bias {b}"))?;
        by_bias.push(tagged.into_iter().map(|t| t.tags).collect());
    }
    let all: Vec<Report> = by_bias
        .iter()
        .map(|tags| report(gold, tags, |_| true))
        .collect::<Result<_>>()?;
    writeln!(out, "entity bias  precision  recall     F1  (all tweets)")?;
    for (b, r) in grid.iter().zip(&all) {
        writeln!(
            out,
            "{b:>11.1}  {:>9.2}  {:>6.2}  {:>5.2}",
            r.precision, r.recall, r.f1
        )?;
    }
    writeln!(out, "fold  fitted bias  held-out F1 at 0  at fitted")?;
    let mut pooled: Tags = vec![Vec::new(); tokens.len()];
    for f in 0..folds {
        let j = best_index(&grid, &f1s(gold, &by_bias, |i| i % folds != f)?);
        let held = |i: usize| i % folds == f;
        writeln!(
            out,
            "{:>4}  {:>11.1}  {:>16.2}  {:>9.2}",
            f + 1,
            grid[j],
            report(gold, &by_bias[ZERO], held)?.f1,
            report(gold, &by_bias[j], held)?.f1
        )?;
        for (i, tags) in pooled.iter_mut().enumerate().filter(|(i, _)| held(*i)) {
            tags.clone_from(&by_bias[j][i]);
        }
    }
    let j = best_index(&grid, &all.iter().map(|r| r.f1).collect::<Vec<_>>());
    let fit = BiasFit {
        bias: grid[j],
        trained: all[ZERO].clone(),
        fitted: all[j].clone(),
        held_out_f1: report(gold, &pooled, |_| true)?.f1,
    };
    let pr = |r: &Report| format!("P/R/F1 {:.2}/{:.2}/{:.2}", r.precision, r.recall, r.f1);
    writeln!(
        out,
        "entity bias fitted on all {} tweets: {:.1}; {} -> {} (held out, {folds}-fold: F1 {:.2})",
        tokens.len(),
        fit.bias,
        pr(&fit.trained),
        pr(&fit.fitted),
        fit.held_out_f1
    )?;
    tagger.set_entity_bias(fit.bias)?;
    Ok(fit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_runs_from_minus_one_to_three_through_zero() {
        let g = grid();
        assert_eq!((g[0], g[ZERO], g[g.len() - 1]), (-1.0, 0.0, 3.0));
        assert!(g.windows(2).all(|w| w[0] < w[1]));
    }

    fn tags(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn best_index_takes_the_best_f1_and_on_a_tie_the_smallest_change() {
        let gold = vec![tags(&["B-a", "O"]), tags(&["O", "B-a"])];
        let none = vec![tags(&["O", "O"]), tags(&["O", "O"])];
        let one = vec![tags(&["B-a", "O"]), tags(&["O", "O"])];
        let both = vec![tags(&["B-a", "O"]), tags(&["O", "B-a"])];
        let grid = grid();
        let mut by_bias = vec![none.clone(); grid.len()];
        by_bias[ZERO + 3] = one.clone();
        by_bias[ZERO + 5] = both.clone();
        by_bias[ZERO + 7] = both;
        let best = |by_bias: &[Tags], keep: fn(usize) -> bool| {
            best_index(&grid, &f1s(&gold, by_bias, keep).unwrap())
        };
        assert_eq!(best(&by_bias, |_| true), ZERO + 5);
        // Tweet 0 alone: 0.3, 0.5 and 0.7 all find its entity; 0.3 is the least change.
        assert_eq!(best(&by_bias, |i| i == 0), ZERO + 3);
        // Nothing to gain: stay at 0.
        let flat = vec![one; grid.len()];
        assert_eq!(best(&flat, |_| true), ZERO);
    }
}
