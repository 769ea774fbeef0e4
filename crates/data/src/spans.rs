//! Entity spans of a sentence in any tag scheme. The chunk rules themselves
//! are [`tweetner_core::spans`], shared with the scorer and the models; this
//! adds the scheme conversion (BIOES/BILOU are read through BIO).

pub use tweetner_core::spans::{spans, Span};

use crate::scheme::{to_bio, Scheme};

/// The entities of one sentence in a given scheme (BILOU is read as BIOES).
pub fn spans_in<S: AsRef<str>>(tags: &[S], scheme: Scheme) -> Vec<Span> {
    match scheme {
        Scheme::Bio | Scheme::Iob1 => spans(tags),
        Scheme::Bioes => spans(&to_bio(tags, scheme)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    fn sp(start: usize, end: usize, ty: &str) -> Span {
        Span {
            start,
            end,
            ty: ty.to_string(),
        }
    }

    #[test]
    fn bioes_and_iob1_spans() {
        let bioes = v("B-a E-a S-a B-b I-b E-b O S-c");
        let want = vec![sp(0, 2, "a"), sp(2, 3, "a"), sp(3, 6, "b"), sp(7, 8, "c")];
        assert_eq!(spans_in(&bioes, Scheme::Bioes), want);
        let bilou = v("B-a L-a U-a");
        assert_eq!(
            spans_in(&bilou, Scheme::Bioes),
            vec![sp(0, 2, "a"), sp(2, 3, "a")]
        );
        assert_eq!(
            spans_in(&v("I-a I-a B-a O I-b"), Scheme::Iob1),
            vec![sp(0, 2, "a"), sp(2, 3, "a"), sp(4, 5, "b")]
        );
    }
}
