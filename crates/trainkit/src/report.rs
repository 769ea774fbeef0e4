//! What a run writes besides weights: the epoch log, learning curves and card pieces.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use tweetner_data::Sentence;
use tweetner_eval::{evaluate, EvalError, Report};
use tweetner_plot::{line_chart, Format};
use tweetner_tagger::fsutil::write_atomic;
use tweetner_tagger::{DevScores, Score, CURVES_STEM, TRAIN_LOG_FILE};

use serde::Serialize;

use crate::error::KitError;

/// One epoch as the learning curves see it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss of the epoch.
    pub train_loss: f64,
    /// Dev F1 (%), if there was a dev set.
    pub dev_f1: Option<f64>,
}

impl CurvePoint {
    /// The point of `epoch`.
    pub fn new(epoch: usize, train_loss: f64, dev_f1: Option<f64>) -> Self {
        CurvePoint {
            epoch,
            train_loss,
            dev_f1,
        }
    }
}

/// Rewrite `train-log.jsonl` from the full history (rewriting rather than appending
/// keeps the log free of duplicates when a killed epoch is redone after a resume).
pub fn write_log<R: Serialize>(dir: &Path, history: &[R]) -> Result<(), KitError> {
    let mut text = String::new();
    for r in history {
        let line = serde_json::to_string(r).map_err(|e| KitError::Format {
            path: dir.join(TRAIN_LOG_FILE),
            message: e.to_string(),
        })?;
        text.push_str(&line);
        text.push('\n');
    }
    write_atomic(&dir.join(TRAIN_LOG_FILE), text.as_bytes())?;
    Ok(())
}

/// `learning-curves.png` and `.svg`: dev F1 and the training loss as a percentage of
/// the first epoch's, on one 0–100 axis (the loss's absolute scale depends on sentence
/// length and says little; its shape is what shows over- or under-fitting).
pub fn write_curves(
    dir: &Path,
    points: impl IntoIterator<Item = CurvePoint>,
) -> Result<(), KitError> {
    let history: Vec<CurvePoint> = points.into_iter().collect();
    let Some(first) = history.first() else {
        return Ok(());
    };
    let base = if first.train_loss > 0.0 {
        first.train_loss
    } else {
        1.0
    };
    let loss: Vec<(f64, f64)> = history
        .iter()
        .map(|r| (r.epoch as f64, 100.0 * r.train_loss / base))
        .collect();
    let mut series = vec![("train loss (% of epoch 1)".to_string(), loss)];
    let f1: Vec<(f64, f64)> = history
        .iter()
        .filter_map(|r| r.dev_f1.map(|f| (r.epoch as f64, f)))
        .collect();
    if !f1.is_empty() {
        series.push(("dev entity F1 (%)".to_string(), f1));
    }
    let stem = dir.join(CURVES_STEM);
    for format in [Format::Png, Format::Svg] {
        line_chart(&stem, "Learning curves", "epoch", "%", &series, format)?;
    }
    Ok(())
}

/// Conlleval report of predicted label ids (indices into `labels`, one list
/// per sentence, in order) against the gold tags of `gold`: how both trainers
/// score dev. An id outside `labels` counts as `O`.
///
/// # Errors
/// A sentence whose prediction has another length than its gold tags.
pub fn score_predictions<I>(
    gold: &[Sentence],
    predicted: I,
    labels: &[String],
) -> Result<Report, EvalError>
where
    I: IntoIterator<Item = Vec<usize>>,
{
    let pairs = gold.iter().zip(predicted).map(|(s, ids)| {
        let tags = ids
            .iter()
            .map(|&y| labels.get(y).cloned().unwrap_or_else(|| "O".into()))
            .collect();
        (s.tags.clone(), tags)
    });
    evaluate(pairs)
}

/// Card scores from a conlleval report.
pub fn dev_scores(report: &Report) -> DevScores {
    DevScores {
        overall: Score {
            ty: String::new(),
            precision: report.precision,
            recall: report.recall,
            f1: report.f1,
            gold: report.counts.found_gold,
            predicted: report.counts.found_guessed,
        },
        per_type: report
            .per_type
            .iter()
            .map(|t| Score {
                ty: t.ty.clone(),
                precision: t.precision,
                recall: t.recall,
                f1: t.f1,
                gold: t.found_gold,
                predicted: t.found_guessed,
            })
            .collect(),
    }
}

/// Current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_timestamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Format seconds since the Unix epoch as a UTC timestamp (proleptic Gregorian).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Year, month, day of a day count since 1970-01-01, computed over 400-year eras
/// (146,097 days each) with years starting in March so leap days fall at the end.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_utc(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn log_and_curves_are_written() {
        let d = tempfile::tempdir().expect("dir");
        let rec = |epoch, f1: Option<f64>| CurvePoint {
            epoch,
            train_loss: 10.0 / epoch as f64,
            dev_f1: f1,
        };
        let h = vec![rec(1, Some(10.0)), rec(2, Some(20.0))];
        write_log(d.path(), &h).expect("log");
        let text = std::fs::read_to_string(d.path().join(TRAIN_LOG_FILE)).expect("read");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["dev_f1"], 20.0);
        write_curves(d.path(), h.clone()).expect("curves");
        assert!(d.path().join("learning-curves.png").is_file());
        assert!(d.path().join("learning-curves.svg").is_file());
        // Without dev scores (final model) only the loss is drawn.
        write_curves(d.path(), [rec(1, None)]).expect("loss only");
    }
}
