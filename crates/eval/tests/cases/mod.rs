//! The parity test's input files: real WNUT-16 data with tagger-like errors,
//! synthetic edge cases, other tag schemes, scorer options and malformed
//! files.

use super::*;

fn bio_file(sents: &[Sentence], preds: &[Vec<String>]) -> Vec<u8> {
    render(sents, preds, " ", None, "\n")
}

fn s(tokens_tags: &[(&str, &str, &str)]) -> String {
    tokens_tags
        .iter()
        .map(|(t, g, p)| format!("{t} {g} {p}\n"))
        .collect()
}

/// Real data: identity, each error kind alone, mixed errors at many rates.
fn data_cases(out: &mut Vec<Case>, dev: &[Sentence], train: &[Sentence]) {
    out.push(case(
        "dev-identity",
        bio_file(dev, &gold_of(dev)),
        &[],
        true,
    ));
    out.push(case(
        "train-identity",
        bio_file(train, &gold_of(train)),
        &[],
        true,
    ));
    for op in SINGLE_OPS {
        for seed in [1u64, 2] {
            let mut rng = Rng::new(seed);
            let preds = preds_for(dev, |s| corrupt(&mut rng, &s.tags, op, 0.3));
            out.push(case(
                format!("dev-{op:?}-0.3-seed{seed}"),
                bio_file(dev, &preds),
                &[],
                true,
            ));
        }
    }
    for rate in [0.02, 0.1, 0.25, 0.5, 0.9] {
        for seed in [11u64, 12, 13] {
            let mut rng = Rng::new(seed);
            let preds = preds_for(dev, |s| corrupt(&mut rng, &s.tags, Op::Mixed, rate));
            out.push(case(
                format!("dev-mixed-{rate}-seed{seed}"),
                bio_file(dev, &preds),
                &[],
                true,
            ));
        }
    }
    for rate in [0.1, 0.4] {
        let mut rng = Rng::new(21);
        let preds = preds_for(train, |s| corrupt(&mut rng, &s.tags, Op::Mixed, rate));
        out.push(case(
            format!("train-mixed-{rate}"),
            bio_file(train, &preds),
            &[],
            true,
        ));
    }
}

/// Files with no predicted entities, no gold entities, or none at all.
fn empty_cases(out: &mut Vec<Case>, dev: &[Sentence]) {
    out.push(case(
        "dev-pred-all-O",
        bio_file(dev, &all_o(dev)),
        &[],
        true,
    ));
    let gold_o = with_tags(dev, |t| vec!["O".to_string(); t.len()]);
    out.push(case(
        "dev-gold-all-O",
        bio_file(&gold_o, &gold_of(dev)),
        &[],
        true,
    ));
    out.push(case(
        "dev-no-entities",
        bio_file(&gold_o, &all_o(dev)),
        &[],
        true,
    ));
    out.push(case("empty-file", Vec::new(), &[], true));
    out.push(case("blank-lines-only", b"\n\n\n".to_vec(), &[], true));
    out.push(case(
        "leading-blanks-spaces-and-X-lines",
        format!(
            "\n\n   \n{}-X- O O\n\n-X- O O\n{}\n\n",
            s(&[("a", "B-person", "B-person"), ("b", "I-person", "O")]),
            s(&[("c", "I-person", "I-person"), ("d", "B-other", "B-person")])
        )
        .into_bytes(),
        &[],
        true,
    ));
}

/// Adjacent same-type entities and every one of the ten types.
fn synthetic_cases(out: &mut Vec<Case>) {
    let adjacent = s(&[
        ("a", "B-person", "B-person"),
        ("b", "B-person", "I-person"),
        ("c", "O", "O"),
        ("d", "B-person", "B-person"),
        ("e", "I-person", "I-person"),
        ("f", "B-person", "B-person"),
        ("g", "I-person", "B-person"),
        ("h", "B-company", "I-company"),
        ("i", "I-company", "I-company"),
        ("j", "I-company", "B-company"),
    ]);
    out.push(case(
        "adjacent-handwritten",
        format!("{adjacent}\n").into_bytes(),
        &[],
        true,
    ));
    for seed in [31u64, 32, 33] {
        let mut rng = Rng::new(seed);
        let sents = random_bio(&mut rng, 300, &["person", "company"]);
        let preds = preds_for(&sents, |s| corrupt(&mut rng, &s.tags, Op::Mixed, 0.4));
        out.push(case(
            format!("adjacent-random-seed{seed}"),
            bio_file(&sents, &preds),
            &[],
            true,
        ));
    }
    let mut rng = Rng::new(41);
    let sents = random_bio(&mut rng, 500, &TYPES);
    out.push(case(
        "all-types-identity",
        bio_file(&sents, &gold_of(&sents)),
        &[],
        true,
    ));
    for seed in [42u64, 43] {
        let mut rng = Rng::new(seed);
        let sents = random_bio(&mut rng, 500, &TYPES);
        let preds = preds_for(&sents, |s| corrupt(&mut rng, &s.tags, Op::Mixed, 0.5));
        out.push(case(
            format!("all-types-mixed-seed{seed}"),
            bio_file(&sents, &preds),
            &[],
            true,
        ));
    }
}

/// IOB1 and BIOES versions of gold and predictions.
fn scheme_cases(out: &mut Vec<Case>, dev: &[Sentence]) {
    let mut rng = Rng::new(51);
    let noisy = preds_for(dev, |s| corrupt(&mut rng, &s.tags, Op::Mixed, 0.3));
    let iob1_gold = with_tags(dev, to_iob1);
    let bioes_gold = with_tags(dev, to_bioes);
    let iob1_pred: Vec<_> = noisy.iter().map(|p| to_iob1(p)).collect();
    let bioes_pred: Vec<_> = noisy.iter().map(|p| to_bioes(p)).collect();
    out.push(case(
        "iob1-vs-iob1-noisy",
        bio_file(&iob1_gold, &iob1_pred),
        &[],
        true,
    ));
    out.push(case(
        "bio2-gold-vs-iob1-same",
        bio_file(dev, &preds_for(dev, |s| to_iob1(&s.tags))),
        &[],
        true,
    ));
    out.push(case(
        "bioes-identity",
        bio_file(&bioes_gold, &gold_of(&bioes_gold)),
        &[],
        true,
    ));
    out.push(case(
        "bioes-vs-bioes-noisy",
        bio_file(&bioes_gold, &bioes_pred),
        &[],
        false,
    ));
    out.push(case(
        "bio2-gold-vs-bioes-noisy",
        bio_file(dev, &bioes_pred),
        &[],
        false,
    ));
}

/// Tags outside BIO: E/S/brackets/dots, untyped, "0" types, empty types.
fn odd_cases(out: &mut Vec<Case>, dev: &[Sentence]) {
    for rate in [0.05, 0.2, 0.5] {
        for seed in [61u64, 62] {
            let mut rng = Rng::new(seed);
            let gold = with_tags(dev, |t| sprinkle_odd(&mut rng, t, rate / 2.0));
            let preds = preds_for(dev, |s| sprinkle_odd(&mut rng, &s.tags, rate));
            out.push(case(
                format!("odd-tags-{rate}-seed{seed}"),
                bio_file(&gold, &preds),
                &[],
                false,
            ));
        }
    }
    // The empty type in both columns is listed twice by the scorer.
    let untyped = s(&[
        ("a", "B", "B"),
        ("b", "I", "O"),
        ("c", "O", "I"),
        ("d", "B-x", "B-0"),
        ("e", "B-", "B"),
    ]);
    out.push(case(
        "untyped-tags",
        format!("{untyped}\n").into_bytes(),
        &[],
        false,
    ));
    let utf8 = s(&[
        ("a", "B-café", "B-café"),
        ("b", "I-café", "B-人物"),
        ("c", "B-人物", "B-人物"),
        ("d", "B-a-b-c", "B-a-b-c"),
        ("e", "B-thisisaverylongtypename", "O"),
    ]);
    out.push(case(
        "utf8-and-long-types",
        format!("{utf8}\n").into_bytes(),
        &[],
        true,
    ));
    // An empty gold tag (the predicted one cannot be empty: it is trailing).
    out.push(case(
        "empty-gold-tag",
        b"a  B-x\nb B-x B-x\n\n".to_vec(),
        &[],
        false,
    ));
    // A "." chunk is never closed by the scorer: ends without a final blank.
    out.push(case(
        "dot-chunk-unterminated",
        b"a B-x B-x\nb .-x .-x\nc O O\nd .-y .-y".to_vec(),
        &[],
        false,
    ));
    out.push(case(
        "dot-chunk-terminated",
        b"a B-x B-x\nb .-x .-y\nc O O\n\nd B-y B-y\ne .-z .-z\n\n".to_vec(),
        &[],
        false,
    ));
}

/// Raw mode, other delimiters, column counts, line endings, LaTeX output.
fn option_cases(out: &mut Vec<Case>, dev: &[Sentence]) {
    let strip = |t: &[String]| -> Vec<String> {
        t.iter()
            .map(|x| {
                x.split_once('-')
                    .map_or(x.clone(), |(_, ty)| ty.to_string())
            })
            .collect()
    };
    let mut rng = Rng::new(71);
    let noisy = preds_for(dev, |s| corrupt(&mut rng, &s.tags, Op::Mixed, 0.4));
    let raw_gold = with_tags(dev, strip);
    let raw_pred: Vec<_> = noisy.iter().map(|p| strip(p)).collect();
    out.push(case("raw", bio_file(&raw_gold, &raw_pred), &["-r"], true));
    let none = |t: &[String]| -> Vec<String> {
        t.iter()
            .map(|x| if x == "O" { "NONE".into() } else { x.clone() })
            .collect()
    };
    let none_gold = with_tags(&raw_gold, none);
    let none_pred: Vec<_> = raw_pred.iter().map(|p| none(p)).collect();
    out.push(case(
        "raw-o-NONE",
        bio_file(&none_gold, &none_pred),
        &["-r", "-o", "NONE"],
        true,
    ));
    // "O" remains outside next to NONE; -o alone is ignored without -r.
    out.push(case(
        "raw-o-NONE-mixed",
        bio_file(&none_gold, &raw_pred),
        &["-r", "-o", "NONE"],
        true,
    ));
    out.push(case(
        "o-without-r",
        bio_file(dev, &noisy),
        &["-o", "NONE"],
        true,
    ));
    out.push(case(
        "tab-delimiter",
        render(dev, &noisy, "\t", None, "\n"),
        &["-d", "\t"],
        true,
    ));
    out.push(case(
        "x-boundary-lines",
        render(dev, &noisy, " ", Some("-X- O O"), "\n"),
        &[],
        true,
    ));
    out.push(case(
        "crlf-with-X-separators",
        render(dev, &noisy, " ", Some("-X- O O"), "\r\n"),
        &[],
        false,
    ));
    out.push(case(
        "no-final-newline",
        b"a B-x B-x\nb I-x I-x".to_vec(),
        &[],
        true,
    ));
    out.push(case(
        "docstart-as-token",
        format!("-DOCSTART- O O\n\n{}\n", s(&[("a", "B-x", "B-x")])).into_bytes(),
        &[],
        true,
    ));
    out.push(case(
        "two-columns",
        b"B-x B-x\nI-x O\nO B-y\n\nB-z B-z\n\n".to_vec(),
        &[],
        true,
    ));
    out.push(case(
        "four-columns-double-spaces",
        b"a  B-x B-x\nb  I-x I-x\n\nc  O B-x\n\n".to_vec(),
        &[],
        true,
    ));
    out.push(case("latex", bio_file(dev, &noisy), &["-l"], true));
    out.push(case(
        "latex-untyped",
        format!("{}\n", s(&[("a", "B", "B"), ("b", "B-x", "I")])).into_bytes(),
        &["-l"],
        false,
    ));
    out.push(case("latex-empty", Vec::new(), &["-l"], true));
}

/// Files the scorer rejects; we must reject them too.
fn error_cases(out: &mut Vec<Case>) {
    out.push(case(
        "error-field-count",
        b"a B-x B-x\nb O\n\n".to_vec(),
        &[],
        true,
    ));
    out.push(case("error-single-field", b"\nO\nO\n".to_vec(), &[], true));
    out.push(case(
        "error-crlf-blank-lines",
        b"a O O\r\n\r\nb O O\r\n".to_vec(),
        &[],
        true,
    ));
    out.push(case(
        "error-lone-X-then-tokens",
        b"-X-\na O O\n".to_vec(),
        &[],
        true,
    ));
}

pub fn all_cases() -> Vec<Case> {
    let dev = load_conll("dev.conll");
    let train = load_conll("train.conll");
    let mut out = Vec::new();
    data_cases(&mut out, &dev, &train);
    empty_cases(&mut out, &dev);
    synthetic_cases(&mut out);
    scheme_cases(&mut out, &dev);
    odd_cases(&mut out, &dev);
    option_cases(&mut out, &dev);
    error_cases(&mut out);
    out
}
