//! The Numenta Anomaly Benchmark's scoring, for judging the burst test on
//! NAB's `realTweets` series against the detectors NAB publishes
//! (`examples/nab.rs`; the data is fetched by the user, never shipped).
//!
//! NAB rewards finding each labelled anomaly window early and punishes
//! every alarm outside the windows (rules as NAB documents them):
//!
//! * the first 15 % of a file (at most 750 rows) is probation: not scored;
//! * a detection at row `i` of a window `[L, R]` of width `w` earns
//!   `σ(-(R - i + 1) / w) · tp / σ(-1)`, where `σ(p) = 2 / (1 + e^{5p}) - 1`
//!   (and -1 for `p > 3`): 1 at the left edge, near 0 at the right; only a
//!   window's earliest detection counts, and a window with none costs `fn`;
//! * a detection outside every window costs `fp`, less just after a window
//!   (`σ(|i - R| / (w - 1)) · fp`, `R`, `w` of the last window that ended);
//! * one threshold for the whole corpus, the one that maximises the summed
//!   score (ties: the highest threshold), and the sum is normalised so that
//!   detecting nothing scores 0 and detecting every window at its left edge
//!   with no false alarm scores 100.

/// The weights of one NAB application profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Its name in NAB's tables.
    pub name: &'static str,
    /// Weight of a true positive.
    pub tp: f64,
    /// Weight of a false positive.
    pub fp: f64,
    /// Weight of a missed window.
    pub fn_: f64,
}

/// NAB's three profiles.
pub const PROFILES: [Profile; 3] = [
    Profile {
        name: "standard",
        tp: 1.0,
        fp: 0.11,
        fn_: 1.0,
    },
    Profile {
        name: "reward_low_FP_rate",
        tp: 1.0,
        fp: 0.22,
        fn_: 1.0,
    },
    Profile {
        name: "reward_low_FN_rate",
        tp: 1.0,
        fp: 0.11,
        fn_: 2.0,
    },
];

/// One series: a score per row and its anomaly windows as inclusive row
/// ranges, sorted and disjoint.
#[derive(Debug, Clone, Default)]
pub struct ScoredFile {
    /// The detector's anomaly score of each row, in `[0, 1]`.
    pub scores: Vec<f64>,
    /// Labelled windows `(first row, last row)`.
    pub windows: Vec<(usize, usize)>,
}

/// Rows at the start of a file of `n` rows that are not scored.
pub fn probation(n: usize) -> usize {
    (n * 15 / 100).min(750)
}

fn scaled_sigmoid(p: f64) -> f64 {
    if p > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * p).exp()) - 1.0
    }
}

/// What a detection at each row would be worth, and the window it falls in.
fn row_values(
    n: usize,
    windows: &[(usize, usize)],
    profile: &Profile,
) -> Vec<(f64, Option<usize>)> {
    let max_tp = scaled_sigmoid(-1.0);
    let mut out = Vec::with_capacity(n);
    let mut last_ended: Option<(usize, usize)> = None;
    let mut w = 0;
    for i in 0..n {
        while w < windows.len() && windows[w].1 < i {
            last_ended = Some(windows[w]);
            w += 1;
        }
        let value = match windows.get(w) {
            Some(&(l, r)) if l <= i => {
                let width = (r - l + 1) as f64;
                let p = -((r - i + 1) as f64) / width;
                out.push((scaled_sigmoid(p) * profile.tp / max_tp, Some(w)));
                continue;
            }
            _ => match last_ended {
                None => -profile.fp,
                Some((l, r)) => {
                    let width = (r - l + 1) as f64;
                    let p = (i - r) as f64 / (width - 1.0).max(1.0);
                    scaled_sigmoid(p) * profile.fp
                }
            },
        };
        out.push((value, None));
    }
    out
}

/// The score of one file at `threshold` (rows with a score at or above it
/// are detections).
pub fn score_file(file: &ScoredFile, threshold: f64, profile: &Profile) -> f64 {
    let n = file.scores.len();
    let start = probation(n);
    let values = row_values(n, &file.windows, profile);
    let mut best: Vec<Option<f64>> = vec![None; file.windows.len()];
    let mut total = 0.0;
    for (i, &(value, window)) in values.iter().enumerate().skip(start) {
        if file.scores[i] < threshold {
            continue;
        }
        match window {
            Some(w) => best[w] = Some(best[w].map_or(value, |b: f64| b.max(value))),
            None => total += value,
        }
    }
    total + windows_part(&best, file, start, profile)
}

/// Each scored window's best detection, or the cost of missing it.
fn windows_part(best: &[Option<f64>], file: &ScoredFile, start: usize, profile: &Profile) -> f64 {
    best.iter()
        .zip(&file.windows)
        .filter(|(_, &(_, r))| r >= start)
        .map(|(b, _)| b.unwrap_or(-profile.fn_))
        .sum()
}

/// Windows that are scored (not wholly inside probation).
pub fn scored_windows(files: &[ScoredFile]) -> usize {
    files
        .iter()
        .map(|f| {
            let start = probation(f.scores.len());
            f.windows.iter().filter(|&&(_, r)| r >= start).count()
        })
        .sum()
}

/// NAB's threshold sweep: the threshold (1.1, meaning "nothing", or one of
/// the scores) that maximises the corpus score, with that score.
pub fn sweep(files: &[ScoredFile], profile: &Profile) -> (f64, f64) {
    struct Row {
        score: f64,
        value: f64,
        window: Option<(usize, usize)>,
    }
    let mut rows = Vec::new();
    let mut best_in: Vec<Vec<Option<f64>>> = Vec::with_capacity(files.len());
    for (f, file) in files.iter().enumerate() {
        let start = probation(file.scores.len());
        let values = row_values(file.scores.len(), &file.windows, profile);
        for (i, (value, window)) in values.into_iter().enumerate().skip(start) {
            rows.push(Row {
                score: file.scores[i],
                value,
                window: window.map(|w| (f, w)),
            });
        }
        best_in.push(vec![None; file.windows.len()]);
    }
    rows.sort_by(|a, b| b.score.total_cmp(&a.score));
    let windows = scored_windows(files) as f64;
    // Running total: false alarms so far, plus each window's best or its miss.
    let mut total = -profile.fn_ * windows;
    let mut best = (1.1, total);
    let mut i = 0;
    while i < rows.len() {
        let threshold = rows[i].score;
        while i < rows.len() && rows[i].score == threshold {
            let r = &rows[i];
            match r.window {
                None => total += r.value,
                Some((f, w)) => {
                    let slot = &mut best_in[f][w];
                    let old = slot.unwrap_or(-profile.fn_);
                    let new = slot.map_or(r.value, |b| b.max(r.value));
                    *slot = Some(new);
                    total += new - old;
                }
            }
            i += 1;
        }
        if total > best.1 {
            best = (threshold, total);
        }
    }
    best
}

/// A corpus score on NAB's 0–100 scale for `windows` scored windows.
pub fn normalized(raw: f64, windows: usize, profile: &Profile) -> f64 {
    let null = -profile.fn_ * windows as f64;
    let perfect = profile.tp * windows as f64;
    100.0 * (raw - null) / (perfect - null)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STANDARD: Profile = PROFILES[0];

    /// 1,000 rows (probation 150) with one window over rows 400..=499.
    fn file(detect: &[usize]) -> ScoredFile {
        let mut scores = vec![0.0; 1000];
        for &i in detect {
            scores[i] = 1.0;
        }
        ScoredFile {
            scores,
            windows: vec![(400, 499)],
        }
    }

    #[test]
    fn probation_is_fifteen_percent_up_to_750_rows() {
        assert_eq!(probation(1000), 150);
        assert_eq!(probation(15_903), 750);
    }

    #[test]
    fn the_left_edge_earns_the_full_weight_and_later_ones_less() {
        let at = |i| score_file(&file(&[i]), 0.5, &STANDARD);
        assert!((at(400) - 1.0).abs() < 1e-12);
        assert!(at(450) < at(400) && at(450) > 0.5);
        let right = at(499);
        let expected = (2.0 / (1.0 + (-5.0f64 / 100.0).exp()) - 1.0) / scaled_sigmoid(-1.0);
        assert!((right - expected).abs() < 1e-12, "{right} vs {expected}");
        // Only the earliest detection of a window counts.
        assert!((score_file(&file(&[400, 450, 499]), 0.5, &STANDARD) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn misses_and_false_alarms_cost_their_weights() {
        assert_eq!(score_file(&file(&[]), 0.5, &STANDARD), -1.0);
        // Before any window: the full false-positive weight.
        let early = score_file(&file(&[300]), 0.5, &STANDARD);
        assert!((early - (-1.0 - 0.11)).abs() < 1e-12);
        // During probation: nothing.
        assert_eq!(score_file(&file(&[10]), 0.5, &STANDARD), -1.0);
        // Just after the window costs almost nothing; far after, the full weight.
        let just_after = score_file(&file(&[500]), 0.5, &STANDARD) + 1.0;
        let far_after = score_file(&file(&[999]), 0.5, &STANDARD) + 1.0;
        assert!(just_after < 0.0 && just_after > -0.01, "{just_after}");
        assert!((far_after + 0.11).abs() < 1e-12, "{far_after}");
    }

    #[test]
    fn the_sweep_finds_the_best_threshold_and_prefers_the_higher_on_ties() {
        let mut f = file(&[]);
        f.scores[420] = 0.8; // in the window
        f.scores[300] = 0.9; // a false alarm scored higher
        f.scores[200] = 0.3; // another, lower
        let (threshold, total) = sweep(std::slice::from_ref(&f), &STANDARD);
        assert_eq!(threshold, 0.8);
        assert!((total - score_file(&f, 0.8, &STANDARD)).abs() < 1e-12);
        // Nothing scores: the "detect nothing" threshold.
        let (threshold, total) = sweep(&[file(&[])], &STANDARD);
        assert_eq!((threshold, total), (1.1, -1.0));
    }

    #[test]
    fn the_sweep_agrees_with_scoring_at_every_threshold() {
        let mut r = tweetner_core::rng::SplitMix64::new(3);
        let files: Vec<ScoredFile> = (0..4)
            .map(|k| ScoredFile {
                scores: (0..900).map(|_| (r.below(20) as f64) / 20.0).collect(),
                windows: vec![(300 + k * 10, 360 + k * 10), (600, 650)],
            })
            .collect();
        let (threshold, total) = sweep(&files, &PROFILES[1]);
        let at = |t: f64| {
            files
                .iter()
                .map(|f| score_file(f, t, &PROFILES[1]))
                .sum::<f64>()
        };
        assert!((at(threshold) - total).abs() < 1e-9);
        for k in 0..=21 {
            let t = k as f64 / 20.0;
            assert!(at(t) <= total + 1e-9, "threshold {t} beats the sweep");
        }
    }

    #[test]
    fn normalisation_puts_nothing_at_0_and_perfect_at_100() {
        assert_eq!(normalized(-33.0, 33, &STANDARD), 0.0);
        assert_eq!(normalized(33.0, 33, &STANDARD), 100.0);
        assert!((normalized(11.8925, 33, &STANDARD) - 68.02).abs() < 0.01);
        assert_eq!(normalized(-66.0, 33, &PROFILES[2]), 0.0);
    }
}
