//! Soft labels: a teacher's probability for every label of a token, kept in a
//! CoNLL middle column (`token<TAB>soft<TAB>tag`) so that a silver file stays
//! readable by every tool that only wants the hard tag.
//!
//! The column lists the labels the teacher found likely, most likely first:
//! `B-person:0.912|O:0.071|B-musicartist:0.017`. Labels not listed have
//! probability 0. Written values are rounded and small ones dropped, so a
//! reader renormalises the row rather than demanding that it sums to exactly 1.

use std::fmt::Write as _;

/// Separates the `label:probability` pairs of one token.
const PAIR_SEP: char = '|';

/// Rows whose listed probabilities sum to less than this are refused: the
/// writer only drops values below its threshold, so a real row keeps most of
/// its mass, and a row near 0 would be blown up by the renormalisation.
const MIN_ROW_MASS: f32 = 0.5;

/// The soft-label column of one token: the labels whose probability rounds to
/// at least `min_prob`, most likely first (ties in label order), with three
/// decimals. The most likely label is always written, so no row is empty.
pub fn format_soft(probs: &[f32], labels: &[String], min_prob: f32) -> String {
    let mut order: Vec<usize> = (0..probs.len().min(labels.len())).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
    let mut out = String::new();
    for (k, &i) in order.iter().enumerate() {
        let p = (probs[i] * 1000.0).round() / 1000.0;
        if k > 0 && (p < min_prob || p <= 0.0) {
            break;
        }
        if k > 0 {
            out.push(PAIR_SEP);
        }
        let _ = write!(out, "{}:{p:.3}", labels[i]);
    }
    out
}

/// Parses a soft-label column into one probability per label of `labels`
/// (their order), renormalised to sum to 1. The message of an error says
/// what is wrong with the field; the caller adds the file and line.
///
/// # Errors
/// An empty field or pair, a label outside `labels` or listed twice, a
/// probability that is not a number in `[0, 1]`, or a row whose
/// probabilities sum to less than one half.
pub fn parse_soft(field: &str, labels: &[String]) -> Result<Vec<f32>, String> {
    let mut probs = vec![0.0f32; labels.len()];
    let mut seen = vec![false; labels.len()];
    if field.is_empty() {
        return Err("empty soft-label field".into());
    }
    for pair in field.split(PAIR_SEP) {
        let (label, value) = pair
            .rsplit_once(':')
            .ok_or_else(|| format!("soft label {pair:?} is not `label:probability`"))?;
        let i = labels
            .iter()
            .position(|l| l == label)
            .ok_or_else(|| format!("soft label {label:?} is not one of the labels {labels:?}"))?;
        if seen[i] {
            return Err(format!("soft label {label:?} is listed twice"));
        }
        seen[i] = true;
        let p: f32 = value
            .parse()
            .map_err(|_| format!("probability {value:?} of {label:?} is not a number"))?;
        if !(0.0..=1.0).contains(&p) {
            return Err(format!(
                "probability {value} of {label:?} is outside [0, 1]"
            ));
        }
        probs[i] = p;
    }
    let total: f32 = probs.iter().sum();
    if !(MIN_ROW_MASS..=1.0 + 0.01 * labels.len() as f32).contains(&total) {
        return Err(format!(
            "soft labels sum to {total:.3}; a row must keep most of its probability"
        ));
    }
    probs.iter_mut().for_each(|p| *p /= total);
    Ok(probs)
}

/// The probability a soft-label column gives `tag` (0 when it is not listed),
/// after the renormalisation [`parse_soft`] applies. A silver tweet whose tags
/// all have a high value is one its teacher was sure of; filters use this
/// without knowing the teacher's label list.
///
/// # Errors
/// The errors of [`parse_soft`].
pub fn soft_prob(field: &str, tag: &str) -> Result<f32, String> {
    let mut labels: Vec<String> = field
        .split(PAIR_SEP)
        .filter_map(|pair| pair.rsplit_once(':').map(|(l, _)| l.to_string()))
        .collect();
    // A label listed twice stays twice here, so parse_soft reports it.
    let known = labels.iter().position(|l| l == tag);
    let i = known.unwrap_or_else(|| {
        labels.push(tag.to_string());
        labels.len() - 1
    });
    Ok(parse_soft(field, &labels)?[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["O", "B-person", "I-person", "B-other"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn round_trip_keeps_the_likely_labels_most_likely_first() {
        let p = [0.0712, 0.9121, 0.0002, 0.0165];
        let s = format_soft(&p, &labels(), 0.001);
        assert_eq!(s, "B-person:0.912|O:0.071|B-other:0.017");
        let back = parse_soft(&s, &labels()).expect("parses");
        assert!((back.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(back[2], 0.0);
        for (a, b) in back.iter().zip(p) {
            assert!((a - b).abs() < 2e-3, "{a} vs {b}");
        }
        // A high threshold keeps only the best label, which is then certain.
        assert_eq!(format_soft(&p, &labels(), 0.5), "B-person:0.912");
        assert_eq!(
            parse_soft("B-person:0.912", &labels()).expect("parses"),
            [0.0, 1.0, 0.0, 0.0]
        );
    }

    #[test]
    fn the_best_label_is_written_even_when_tiny_or_tied() {
        let s = format_soft(&[0.25; 4], &labels(), 0.3);
        assert_eq!(s, "O:0.250");
        assert_eq!(
            format_soft(&[0.0, 0.0, 0.0, 0.0], &labels(), 0.001),
            "O:0.000"
        );
    }

    #[test]
    fn bad_fields_are_refused_with_a_reason() {
        let l = labels();
        for (field, want) in [
            ("", "empty"),
            ("O", "label:probability"),
            ("O:0.5|", "label:probability"),
            ("B-movie:1.0", "not one of the labels"),
            ("O:0.5|O:0.5", "twice"),
            ("O:x", "not a number"),
            ("O:NaN", "outside"),
            ("O:1.5", "outside"),
            ("O:-0.1|B-person:1", "outside"),
            ("O:0.1", "sum to"),
            ("O:1|B-person:1|I-person:1", "sum to"),
        ] {
            let e = parse_soft(field, &l).expect_err(field);
            assert!(e.contains(want), "{field:?}: {e}");
        }
    }

    #[test]
    fn soft_prob_reads_one_tag_without_the_label_list() {
        let f = "B-person:0.900|O:0.080|B-other:0.020";
        assert!((soft_prob(f, "B-person").expect("listed") - 0.9).abs() < 1e-6);
        assert_eq!(soft_prob(f, "I-person").expect("not listed"), 0.0);
        // Renormalised: the row sums to 0.8 here.
        assert!((soft_prob("O:0.6|B-x:0.2", "O").expect("ok") - 0.75).abs() < 1e-6);
        for bad in ["", "O", "O:0.5|O:0.5", "O:2", "O:0.1"] {
            assert!(soft_prob(bad, "O").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn labels_with_colons_parse_at_the_last_colon() {
        let l = vec!["O".to_string(), "B-a:b".to_string()];
        assert_eq!(parse_soft("B-a:b:1.0", &l).expect("parses"), [0.0, 1.0]);
    }
}
