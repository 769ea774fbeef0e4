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

fn report(gold: &[Vec<String>], tags: &Tags, keep: impl Fn(usize) -> bool) -> Result<Report> {
    let pairs = gold
        .iter()
        .zip(tags)
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, (g, p))| (g.clone(), p.clone()));
    Ok(tweetner_eval::evaluate(pairs)?)
}

/// Index into `grid` of the best F1 on the selected tweets; on a tie the bias
/// closest to 0.
fn best_index(
    grid: &[f32],
    gold: &[Vec<String>],
    by_bias: &[Tags],
    keep: impl Fn(usize) -> bool + Copy,
) -> Result<usize> {
    let mut best = (f64::NEG_INFINITY, f32::INFINITY, ZERO);
    for (j, tags) in by_bias.iter().enumerate() {
        let f1 = report(gold, tags, keep)?.f1;
        let dist = grid[j].abs();
        if f1 > best.0 || (f1 == best.0 && dist < best.1) {
            best = (f1, dist, j);
        }
    }
    Ok(best.2)
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
    writeln!(out, "entity bias  precision  recall     F1  (all tweets)")?;
    for (b, tags) in grid.iter().zip(&by_bias) {
        let r = report(gold, tags, |_| true)?;
        writeln!(
            out,
            "{b:>11.1}  {:>9.2}  {:>6.2}  {:>5.2}",
            r.precision, r.recall, r.f1
        )?;
    }
    writeln!(out, "fold  fitted bias  held-out F1 at 0  at fitted")?;
    let mut pooled: Tags = vec![Vec::new(); tokens.len()];
    for f in 0..folds {
        let j = best_index(&grid, gold, &by_bias, |i| i % folds != f)?;
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
    let j = best_index(&grid, gold, &by_bias, |_| true)?;
    let fit = BiasFit {
        bias: grid[j],
        trained: report(gold, &by_bias[ZERO], |_| true)?,
        fitted: report(gold, &by_bias[j], |_| true)?,
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
        assert_eq!(
            best_index(&grid, &gold, &by_bias, |_| true).unwrap(),
            ZERO + 5
        );
        // Tweet 0 alone: 0.3, 0.5 and 0.7 all find its entity; 0.3 is the least change.
        assert_eq!(
            best_index(&grid, &gold, &by_bias, |i| i == 0).unwrap(),
            ZERO + 3
        );
        // Nothing to gain: stay at 0.
        let flat = vec![one; grid.len()];
        assert_eq!(best_index(&grid, &gold, &flat, |_| true).unwrap(), ZERO);
    }
}
