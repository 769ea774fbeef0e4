//! The epoch log, learning curves and card scores.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use tweetner_eval::Report;
use tweetner_plot::{line_chart, Format};
use tweetner_tagger::fsutil::write_atomic;
use tweetner_tagger::{DevScores, Score, CURVES_STEM, TRAIN_LOG_FILE};

use crate::checkpoint::EpochRecord;
use crate::error::FinetuneError;

/// Rewrite `train-log.jsonl` from the whole history (a resumed run redoes a
/// killed epoch; rewriting keeps the log free of duplicates).
pub fn write_log(dir: &Path, history: &[EpochRecord]) -> Result<(), FinetuneError> {
    let mut text = String::new();
    for r in history {
        let line = serde_json::to_string(r)
            .map_err(|e| FinetuneError::checkpoint(dir.join(TRAIN_LOG_FILE), e.to_string()))?;
        text.push_str(&line);
        text.push('\n');
    }
    write_atomic(&dir.join(TRAIN_LOG_FILE), text.as_bytes())?;
    Ok(())
}

/// `learning-curves.{png,svg}`: dev F1 and the training loss as a percentage
/// of epoch 1's, on one 0–100 axis.
pub fn write_curves(dir: &Path, history: &[EpochRecord]) -> Result<(), FinetuneError> {
    let Some(first) = history.first() else {
        return Ok(());
    };
    let base = if first.train_loss > 0.0 {
        first.train_loss
    } else {
        1.0
    };
    let loss = history
        .iter()
        .map(|r| (r.epoch as f64, 100.0 * r.train_loss / base))
        .collect();
    let f1 = history
        .iter()
        .filter_map(|r| r.dev_f1.map(|f| (r.epoch as f64, f)))
        .collect();
    let series = vec![
        ("train loss (% of epoch 1)".to_string(), loss),
        ("dev entity F1 (%)".to_string(), f1),
    ];
    let stem = dir.join(CURVES_STEM);
    for format in [Format::Png, Format::Svg] {
        line_chart(&stem, "Learning curves", "epoch", "%", &series, format)?;
    }
    Ok(())
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

/// Now as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn utc_timestamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from a day count, with March-based years (leap day last).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}
