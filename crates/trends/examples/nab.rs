//! The burst test alone on NAB's `realTweets` (ten series of tweet volume
//! about one company each, 5-minute buckets, 33 labelled anomaly windows),
//! scored as NAB scores, next to the detectors whose results NAB publishes.
//!
//! ```text
//! git clone https://github.com/numenta/NAB   # MIT; not part of this repository
//! cargo run --release -p tweetner-trends --example nab -- NAB [--config JSON] [DETECTOR...]
//! ```
//!
//! `--config JSON` replaces detector settings (as `tweetner trends --config`,
//! inline). `DETECTOR`s (e.g. `numenta twitterADVec`) are read from
//! `NAB/results/<detector>/realTweets/`, so the same scoring code rescores
//! them: a check that it is NAB's. Every detector's threshold is swept on
//! these ten files alone and scores are normalised over their 33 windows.

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};

use tweetner_trends::nab::{normalized, scored_windows, sweep, ScoredFile, PROFILES};
use tweetner_trends::series::SeriesScorer;
use tweetner_trends::TrendConfig;

type Res<T> = Result<T, Box<dyn Error>>;

/// `(timestamp, column)` of every row of a CSV with a header.
fn read_column(path: &Path, column: &str) -> Res<Vec<(String, f64)>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let at = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(t), Some(c)) = (at("timestamp"), at(column)) else {
        return Err(format!("{}: no `timestamp` or `{column}` column", path.display()).into());
    };
    lines
        .enumerate()
        .map(|(i, line)| {
            let cells: Vec<&str> = line.split(',').collect();
            let bad = || format!("{}:{}: bad row `{line}`", path.display(), i + 2);
            let ts = cells.get(t).ok_or_else(bad)?.trim().to_string();
            let v: f64 = cells
                .get(c)
                .ok_or_else(bad)?
                .trim()
                .parse()
                .map_err(|_| bad())?;
            Ok((ts, v))
        })
        .collect()
}

/// Window timestamps to inclusive row ranges.
fn windows(
    rows: &[(String, f64)],
    spans: &[(String, String)],
    file: &str,
) -> Res<Vec<(usize, usize)>> {
    let index: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (t.as_str(), i))
        .collect();
    spans
        .iter()
        .map(|(a, b)| {
            let find = |t: &String| {
                let t = t.trim_end_matches(".000000");
                index
                    .get(t)
                    .copied()
                    .ok_or_else(|| format!("{file}: window bound {t} is not a row"))
            };
            Ok((find(a)?, find(b)?))
        })
        .collect()
}

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let nab = PathBuf::from(args.next().ok_or("usage: nab NAB_DIR [DETECTOR...]")?);
    let mut detectors: Vec<String> = args.collect();
    let config = match detectors.iter().position(|a| a == "--config") {
        Some(i) if i + 1 < detectors.len() => {
            let json = detectors.remove(i + 1);
            detectors.remove(i);
            TrendConfig::from_json(&json)?
        }
        Some(_) => return Err("--config needs a JSON object".into()),
        None => TrendConfig::default(),
    };
    let labels: HashMap<String, Vec<(String, String)>> = serde_json::from_str(
        &std::fs::read_to_string(nab.join("labels/combined_windows.json"))?,
    )?;
    let mut names: Vec<&String> = labels
        .keys()
        .filter(|k| k.starts_with("realTweets/"))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err("no realTweets files in labels/combined_windows.json".into());
    }
    let mut ours = Vec::new();
    let mut theirs: Vec<Vec<ScoredFile>> = vec![Vec::new(); detectors.len()];
    for name in &names {
        let rows = read_column(&nab.join("data").join(name), "value")?;
        let spans = windows(&rows, &labels[*name], name)?;
        let mut scorer = SeriesScorer::new(&config, 5.0);
        ours.push(ScoredFile {
            scores: rows.iter().map(|(_, v)| scorer.push(*v)).collect(),
            windows: spans.clone(),
        });
        for (d, det) in detectors.iter().enumerate() {
            let file = name.trim_start_matches("realTweets/");
            let path = nab.join(format!("results/{det}/realTweets/{det}_{file}"));
            let scores = read_column(&path, "anomaly_score")?;
            if scores.len() != rows.len() {
                return Err(format!(
                    "{}: {} rows, the data has {}",
                    path.display(),
                    scores.len(),
                    rows.len()
                )
                .into());
            }
            theirs[d].push(ScoredFile {
                scores: scores.into_iter().map(|(_, s)| s).collect(),
                windows: spans.clone(),
            });
        }
    }
    let w = scored_windows(&ours);
    println!(
        "NAB realTweets: {} files, {w} scored windows; threshold swept on these files",
        names.len()
    );
    println!(
        "{:<22} {:>10} {:>20} {:>20}",
        "detector", "standard", "reward_low_FP_rate", "reward_low_FN_rate"
    );
    let row = |label: &str, files: &[ScoredFile]| {
        let cells: Vec<String> = PROFILES
            .iter()
            .map(|p| {
                let (t, raw) = sweep(files, p);
                format!("{:.2} (t={t:.3})", normalized(raw, w, p))
            })
            .collect();
        println!(
            "{label:<22} {:>10} {:>20} {:>20}",
            cells[0], cells[1], cells[2]
        );
    };
    row("tweetner burst test", &ours);
    for (det, files) in detectors.iter().zip(&theirs) {
        row(det, files);
    }
    Ok(())
}
