//! The streaming evaluator: feed sentences (or raw lines), get a [`Report`].

use crate::counter::ChunkCounter;
use crate::error::EvalError;
use crate::report::Report;
use crate::spans::{ErrorAnalysis, SpanTracker};
use crate::tags::{raw_rewrite, Tag, OUTSIDE};

/// The scorer's command-line options that change results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalOptions {
    /// `-r`: tags carry no `B-`/`I-` prefix; every non-outside token is a
    /// one-word chunk of type "the whole tag".
    pub raw: bool,
    /// `-o`: the outside tag in raw mode (ignored otherwise, as in the scorer).
    pub o_tag: String,
    /// `-d`: the field delimiter when reading lines. The scorer uses it as a
    /// regular expression; we match it literally, which is the same for any
    /// delimiter without regex metacharacters (space, tab, most punctuation).
    pub delimiter: String,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            raw: false,
            o_tag: OUTSIDE.to_string(),
            delimiter: " ".to_string(),
        }
    }
}

/// Accumulates gold/predicted tag sequences and scores them.
///
/// Sentences are scored as the reference scorer scores a file in which each
/// sentence is followed by an empty line.
#[derive(Debug, Clone)]
pub struct Evaluator {
    options: EvalOptions,
    typed: ChunkCounter,
    untyped: ChunkCounter,
    gold_spans: SpanTracker,
    pred_spans: SpanTracker,
    analysis: ErrorAnalysis,
    /// Tokens fed since the last boundary.
    sentence_len: usize,
    sentences: usize,
}

impl Default for Evaluator {
    fn default() -> Self {
        Self::new()
    }
}

impl Evaluator {
    /// An evaluator with the scorer's default options.
    pub fn new() -> Self {
        Self::with_options(EvalOptions::default())
    }

    /// An evaluator using `options` (raw mode, outside tag, delimiter) for
    /// every tag it is fed.
    pub fn with_options(options: EvalOptions) -> Self {
        Evaluator {
            options,
            typed: ChunkCounter::new(),
            untyped: ChunkCounter::new(),
            gold_spans: SpanTracker::new(),
            pred_spans: SpanTracker::new(),
            analysis: ErrorAnalysis::default(),
            sentence_len: 0,
            sentences: 0,
        }
    }

    /// The options this evaluator was built with.
    pub fn options(&self) -> &EvalOptions {
        &self.options
    }

    fn parse(&self, tag: &str) -> Tag {
        if self.options.raw {
            Tag::parse(&raw_rewrite(tag, &self.options.o_tag))
        } else {
            Tag::parse(tag)
        }
    }

    /// Adds one sentence; gold and predicted sequences must have equal length
    /// (nothing is added otherwise).
    pub fn add_sentence<S: AsRef<str>>(&mut self, gold: &[S], pred: &[S]) -> Result<(), EvalError> {
        if gold.len() != pred.len() {
            return Err(EvalError::LengthMismatch {
                sentence: self.sentences + 1,
                gold: gold.len(),
                pred: pred.len(),
            });
        }
        for (g, p) in gold.iter().zip(pred) {
            self.push_token(g.as_ref(), p.as_ref());
        }
        self.push_boundary();
        self.sentences += 1;
        Ok(())
    }

    /// Feeds one token line (gold tag, predicted tag). Together with
    /// [`Evaluator::push_boundary`] this replays a scorer input file line by
    /// line, e.g. one whose last sentence has no trailing empty line.
    pub fn push_token(&mut self, gold: &str, pred: &str) {
        let g = self.parse(gold);
        let p = self.parse(pred);
        self.typed.step(&g, &p, false);
        self.untyped.step(&g.untyped(), &p.untyped(), false);
        self.gold_spans.step(self.sentence_len, &g);
        self.pred_spans.step(self.sentence_len, &p);
        self.sentence_len += 1;
    }

    /// Feeds a sentence boundary (an empty line or a `-X-` line).
    pub fn push_boundary(&mut self) {
        let o = Tag::outside();
        self.typed.step(&o, &o, true);
        self.untyped.step(&o, &o, true);
        self.end_sentence();
    }

    fn end_sentence(&mut self) {
        let gold = self.gold_spans.take_sentence(self.sentence_len);
        let pred = self.pred_spans.take_sentence(self.sentence_len);
        self.analysis.add_sentence(&gold, &pred);
        self.sentence_len = 0;
    }

    /// Ends the input and computes all scores.
    pub fn finish(mut self) -> Report {
        self.end_sentence();
        self.typed.finish();
        self.untyped.finish();
        Report::build(
            &self.typed,
            &self.untyped,
            self.analysis.confusion(),
            self.analysis.boundary(),
        )
    }
}

/// Scores (gold, predicted) tag sequences, one pair per sentence, with the
/// scorer's default options.
pub fn evaluate<I>(pairs: I) -> Result<Report, EvalError>
where
    I: IntoIterator<Item = (Vec<String>, Vec<String>)>,
{
    evaluate_with(pairs, EvalOptions::default())
}

/// [`evaluate`] with explicit options (raw mode, outside tag).
pub fn evaluate_with<I>(pairs: I, options: EvalOptions) -> Result<Report, EvalError>
where
    I: IntoIterator<Item = (Vec<String>, Vec<String>)>,
{
    let mut ev = Evaluator::with_options(options);
    for (gold, pred) in pairs {
        ev.add_sentence(&gold, &pred)?;
    }
    Ok(ev.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn length_mismatch_is_an_error_and_adds_nothing() {
        let mut ev = Evaluator::new();
        ev.add_sentence(&["B-a"], &["B-a"]).unwrap();
        let err = ev.add_sentence(&["O", "O"], &["O"]).unwrap_err();
        assert!(matches!(
            err,
            EvalError::LengthMismatch {
                sentence: 2,
                gold: 2,
                pred: 1
            }
        ));
        assert_eq!(ev.finish().counts.tokens, 1);
    }

    #[test]
    fn sentences_do_not_merge_chunks() {
        // Without the boundary, I-a would continue the chunk of the first sentence.
        let r = evaluate(vec![(v(&["B-a"]), v(&["B-a"])), (v(&["I-a"]), v(&["I-a"]))]).unwrap();
        assert_eq!(r.counts.found_gold, 2);
        assert_eq!(r.counts.correct_chunks, 2);
        assert_eq!(r.boundary.total.exact, 2);
    }

    #[test]
    fn untyped_ignores_types() {
        let r = evaluate(vec![(v(&["B-a", "I-a", "O"]), v(&["B-b", "I-b", "O"]))]).unwrap();
        assert_eq!(r.counts.correct_chunks, 0);
        assert_eq!(r.untyped.correct, 1);
        assert_eq!(r.untyped.f1, 100.0);
        assert_eq!(r.boundary.total.wrong_type, 1);
    }

    #[test]
    fn raw_mode_makes_one_word_chunks() {
        let opts = EvalOptions {
            raw: true,
            o_tag: "NONE".into(),
            ..Default::default()
        };
        let r = evaluate_with(
            vec![(v(&["PER", "PER", "NONE"]), v(&["PER", "LOC", "O"]))],
            opts,
        )
        .unwrap();
        assert_eq!(r.counts.found_gold, 2);
        assert_eq!(r.counts.found_guessed, 2);
        assert_eq!(r.counts.correct_chunks, 1);
        assert_eq!(r.counts.correct_tags, 2);
    }

    #[test]
    fn json_carries_counts_and_analyses() {
        let r = evaluate(vec![(v(&["B-a", "O", "B-b"]), v(&["B-a", "B-c", "O"]))]).unwrap();
        let j = r.to_json();
        assert_eq!(j["counts"]["found_gold"], 2);
        assert_eq!(j["counts"]["correct_chunks"], 1);
        assert_eq!(j["per_type"][0]["ty"], "a");
        assert_eq!(j["boundary"]["total"]["missed"], 1);
        assert_eq!(j["boundary"]["total"]["spurious"], 1);
        assert_eq!(j["confusion"]["types"], serde_json::json!(["a", "b", "c"]));
        assert_eq!(j["untyped"]["correct"], 1);
    }

    #[test]
    fn empty_input_prints_only_the_header() {
        let r = Evaluator::new().finish();
        assert_eq!(
            r.to_conlleval_text(),
            "processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n"
        );
    }
}
