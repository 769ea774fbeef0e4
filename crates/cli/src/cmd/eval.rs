//! `tweetner eval`: conlleval-identical scoring of predicted tags.
//!
//! Two input shapes are accepted because both occur in practice: a gold and a
//! predicted CoNLL file side by side (the output of `tweetner tag --format conll`
//! re-read with its last column), or one file carrying `token ... gold pred`
//! as conlleval itself expects.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use tweetner_data::{read_conll, ReadOptions};
use tweetner_eval::ScoredSpan;
use tweetner_tagger::TaggedSentence;

use super::io::{open_input, sentences};
use super::limits;
use super::model::{default_threads, load_tagger};

#[derive(Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    /// The exact text conlleval.pl prints.
    Text,
    /// Machine-readable report with per-type scores, confusion and boundary errors.
    Json,
}

#[derive(Args)]
pub struct EvalArgs {
    /// One file with `token ... gold pred` columns (conlleval's input), or with
    /// --model a gold CoNLL file to tag; `-` for stdin.
    pub file: Option<PathBuf>,
    /// Gold CoNLL file (`token<TAB>tag`).
    #[arg(long, requires = "pred", conflicts_with = "file")]
    pub gold: Option<PathBuf>,
    /// Predicted CoNLL file; its last column is the prediction.
    #[arg(long, requires = "gold", conflicts_with = "file")]
    pub pred: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Tag FILE (gold CoNLL) with this model directory and score the result.
    #[arg(long, requires = "file")]
    pub model: Option<PathBuf>,
    /// With --model: threads used for tagging (default: all available cores; at most 1024).
    #[arg(long, value_parser = limits::ranged::<usize>(limits::THREADS))]
    pub threads: Option<usize>,
    /// Run a transformer model's encoder projections in int8 (about 2x faster on
    /// AVX-512 VNNI CPUs; the README lists the dev F1 change). No effect on BiLSTM-CRF models.
    #[arg(long, requires = "model")]
    pub int8: bool,
    /// Also print untyped scores, boundary errors and the type confusion table (text format).
    #[arg(long)]
    pub details: bool,
    /// With --model: print a reliability table of the entity scores (score
    /// bucket → predicted, correct, precision, mean score) and the expected
    /// calibration error, instead of the scorer's report.
    #[arg(long, requires = "model")]
    pub calibration: bool,
    /// Equal-width score buckets of the calibration table.
    #[arg(long, default_value_t = 10, requires = "calibration",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub bins: u32,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let report = match (&args.file, &args.gold, &args.pred) {
        (Some(file), None, None) if args.model.is_some() => {
            let threads = args.threads.unwrap_or_else(default_threads).max(1);
            let (_, tagger) = load_tagger(args.model.as_deref(), threads, 64, args.int8)?;
            let (gold, predicted) = tag_gold_file(tagger.as_ref(), file)?;
            if args.calibration {
                return calibration(&gold, &predicted, args.bins as usize, args.format);
            }
            tweetner_eval::evaluate(gold.into_iter().zip(predicted).map(|(g, p)| (g, p.tags)))?
        }
        // Replayed line by line, exactly as conlleval reads its input.
        (Some(file), None, None) => {
            let mut input = open_input(file)?;
            let delimiter = sniff_delimiter(&mut input)?;
            refuse_gold_only(&mut input, &delimiter, file)?;
            let opts = tweetner_eval::EvalOptions {
                delimiter,
                ..Default::default()
            };
            tweetner_eval::score_conlleval(input, &file.display().to_string(), &opts)?
        }
        (None, Some(gold), Some(pred)) => score_paired(gold, pred)?,
        _ => bail!("give either one FILE with gold and predicted columns, or --gold G --pred P"),
    };
    let text = match args.format {
        ReportFormat::Text if args.details => report.to_text(),
        ReportFormat::Text => report.to_conlleval_text(),
        ReportFormat::Json => serde_json::to_string_pretty(&report.to_json())? + "\n",
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// Tags the tweets of the gold CoNLL file `file`: their gold tags and what
/// `tagger` predicted, in file order.
pub(crate) fn tag_gold_file(
    tagger: &(dyn tweetner_tagger::Tagger + Send + Sync),
    file: &std::path::Path,
) -> Result<(Vec<Vec<String>>, Vec<TaggedSentence>)> {
    let gold = read_conll(file, &ReadOptions::default())?;
    let tokens: Vec<Vec<String>> = gold.iter().map(|s| s.tokens.clone()).collect();
    let predicted = tagger.tag_batch(&tokens)?;
    Ok((gold.into_iter().map(|s| s.tags).collect(), predicted))
}

/// A tagged tweet's entities in the form the calibration table takes.
pub(crate) fn scored_spans(p: &TaggedSentence) -> Vec<ScoredSpan> {
    p.spans
        .iter()
        .map(|s| ScoredSpan::new(s.start, s.end, &s.ty, f64::from(s.score)))
        .collect()
}

/// Prints the reliability table of the predicted entities' scores.
///
/// The table's totals are checked against the scorer's own counts on the
/// same tags: if the tagger's scored spans ever stopped being the chunks of
/// its tags, the table would describe different entities than the F1 does,
/// and that must not pass silently.
fn calibration(
    gold: &[Vec<String>],
    predicted: &[TaggedSentence],
    bins: usize,
    format: ReportFormat,
) -> Result<()> {
    let mut cal = tweetner_eval::Calibrator::new(bins)?;
    let mut ev = tweetner_eval::Evaluator::new();
    for (i, (g, p)) in gold.iter().zip(predicted).enumerate() {
        cal.add_sentence(g, &scored_spans(p))
            .with_context(|| format!("tweet {}", i + 1))?;
        ev.add_sentence(g, &p.tags)
            .with_context(|| format!("tweet {}", i + 1))?;
    }
    let table = cal.finish();
    let report = ev.finish();
    let c = &report.counts;
    if (table.gold, table.predicted, table.correct)
        != (c.found_gold, c.found_guessed, c.correct_chunks)
    {
        bail!(
            "scored entities disagree with the tags: table counts {} gold / {} predicted / {} correct, \
             the scorer {} / {} / {}",
            table.gold,
            table.predicted,
            table.correct,
            c.found_gold,
            c.found_guessed,
            c.correct_chunks
        );
    }
    let text = match format {
        ReportFormat::Text => format!(
            "{}entity precision {:.2}%, recall {:.2}%, FB1 {:.2} (conlleval)\n",
            table.to_text(),
            report.precision,
            report.recall,
            report.f1
        ),
        ReportFormat::Json => {
            let v = serde_json::json!({
                "calibration": table,
                "precision": report.precision,
                "recall": report.recall,
                "f1": report.f1,
            });
            serde_json::to_string_pretty(&v)? + "\n"
        }
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// conlleval splits on spaces; files written by `tweetner tag --format conll`
/// from tab-separated input use tabs. The first line decides, as a person
/// reading the file would.
fn sniff_delimiter(input: &mut dyn std::io::BufRead) -> Result<String> {
    let head = input.fill_buf()?;
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    Ok(if first_line.contains(&b'\t') {
        "\t"
    } else {
        " "
    }
    .to_string())
}

/// A two-column file whose first column is not a tag is a gold file
/// (`token tag`), not scorer input (`gold pred`): conlleval would score the
/// tokens as gold tags and print nonsense, so say what to do instead.
fn refuse_gold_only(
    input: &mut dyn std::io::BufRead,
    delimiter: &str,
    file: &std::path::Path,
) -> Result<()> {
    let head = input.fill_buf()?;
    let first = head
        .split(|&b| b == b'\n')
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .find(|l| !l.trim().is_empty());
    let Some(line) = first else { return Ok(()) };
    let fields: Vec<&str> = line.split(delimiter).filter(|f| !f.is_empty()).collect();
    if let [first, _] = fields.as_slice() {
        if !looks_like_tag(first.trim_end_matches('\r')) {
            bail!(
                "{}: the first line has 2 columns and {first:?} is not a tag: this looks like a \
                 gold file (token, tag); score predictions with `--gold FILE --pred PRED`, \
                 a model with `--model DIR`, or give a file with token, gold and predicted columns",
                file.display()
            );
        }
    }
    Ok(())
}

/// `O`, or a chunk prefix (`B I E S L U`) with or without `-type`.
fn looks_like_tag(s: &str) -> bool {
    let prefix = |p: &str| matches!(p, "B" | "I" | "E" | "S" | "L" | "U");
    s == "O"
        || prefix(s)
        || s.split_once('-')
            .is_some_and(|(p, t)| prefix(p) && !t.is_empty())
}

/// Reads gold and predicted files and pairs their tweets, refusing files
/// whose tweets or tokens do not line up (a silent misalignment would make
/// every number meaningless).
fn score_paired(gold: &std::path::Path, pred: &std::path::Path) -> Result<tweetner_eval::Report> {
    let (mut g, mut p) = (sentences(gold)?, sentences(pred)?);
    let mut ev = tweetner_eval::Evaluator::new();
    let mut matched = 0usize;
    loop {
        let (gs, ps) = match (g.next(), p.next()) {
            (None, None) => break,
            (Some(gs), Some(ps)) => (gs?, ps?),
            (gs, ps) => {
                // Count what is left of the longer file for the message.
                let rest = |first: Option<Result<_>>, it: &mut dyn Iterator<Item = Result<_>>| {
                    first.map_or(0, |_| 1) + it.count()
                };
                let (gn, pn) = (matched + rest(gs, &mut g), matched + rest(ps, &mut p));
                bail!(
                    "{} has {gn} tweets but {} has {pn}",
                    gold.display(),
                    pred.display()
                );
            }
        };
        if gs.tokens != ps.tokens {
            bail!(
                "tweet at {}:{} does not match {}:{} token for token",
                gold.display(),
                gs.line,
                pred.display(),
                ps.line
            );
        }
        ev.add_sentence(&gs.tags, &ps.tags)?;
        matched += 1;
    }
    Ok(ev.finish())
}
