//! One batch through the tagger, the unit every runner shares: the
//! streaming [`crate::run`] here, the HTTP server's micro-batches, and later
//! the message-bus workers.
//!
//! A panicking tagger must not take its worker (and with it the runner's or
//! the server's capacity) down: the batch gets an error and the next one runs
//! normally. Taggers are immutable while they tag (`&self`), so nothing is
//! left half-updated by the unwind.

use std::panic::{catch_unwind, AssertUnwindSafe};

use tweetner_core::{annotate, Annotation, ModelError, TaggedSentence, Tagger};

/// Why a batch produced no results.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BatchError {
    /// The tagger returned an error.
    #[error("inference failed: {0}")]
    Inference(String),
    /// The tagger panicked; the worker survived and keeps going.
    #[error("inference panicked")]
    Panicked,
}

fn guarded<T>(f: impl FnOnce() -> Result<T, ModelError>) -> Result<T, BatchError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(BatchError::Inference(e.to_string())),
        Err(_) => Err(BatchError::Panicked),
    }
}

/// Annotate raw texts in one tagger call ([`annotate`]: tokens, character
/// offsets, entities), one [`Annotation`] per text, in order.
///
/// # Errors
/// The tagger failed or panicked.
pub fn annotate_batch(
    tagger: &(dyn Tagger + Sync),
    texts: &[&str],
) -> Result<Vec<Annotation>, BatchError> {
    guarded(|| annotate(tagger, texts))
}

/// Tag pre-tokenized sentences in one tagger call.
///
/// # Errors
/// The tagger failed or panicked.
pub fn tag_batch(
    tagger: &(dyn Tagger + Sync),
    sentences: &[Vec<String>],
) -> Result<Vec<TaggedSentence>, BatchError> {
    guarded(|| tagger.tag_batch(sentences))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tweetner_core::testing::CapsTagger;

    /// Panics on every call, as a buggy model might.
    struct Panicking;

    impl Tagger for Panicking {
        fn labels(&self) -> &[String] {
            &[]
        }
        fn tag_batch(&self, _: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError> {
            panic!("model bug")
        }
    }

    #[test]
    fn errors_and_panics_become_batch_errors() {
        let caps = CapsTagger::new();
        let ok = annotate_batch(&caps, &["Hello there", "and Paris"]).expect("tags");
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].entities[0].text, "Paris");
        let e = annotate_batch(&caps, &["FAIL now"]).unwrap_err();
        assert!(
            matches!(&e, BatchError::Inference(m) if m.contains("asked to fail")),
            "{e}"
        );
        assert_eq!(
            annotate_batch(&Panicking, &["x"]).map(|_| ()),
            Err(BatchError::Panicked)
        );
        assert_eq!(
            tag_batch(&Panicking, &[vec!["x".into()]]).map(|_| ()),
            Err(BatchError::Panicked)
        );
    }
}
