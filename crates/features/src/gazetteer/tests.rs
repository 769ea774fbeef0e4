use super::*;

fn toks(s: &str) -> Vec<String> {
    s.split(' ').map(str::to_string).collect()
}

fn gaz() -> Gazetteer {
    gazetteer_from_lists(
        6,
        &[
            ("geo", &["New York", "New York City", "York", "Paris"]),
            ("team", &["New York Yankees", "Yeovil Town F.C."]),
            ("first", &["john", "mary"]),
        ],
    )
    .unwrap()
}

fn spans(g: &Gazetteer, text: &str) -> Vec<(String, usize, usize)> {
    g.matches(&toks(text))
        .into_iter()
        .map(|m| (g.groups()[m.group].name.clone(), m.start, m.end))
        .collect()
}

#[test]
fn longest_match_wins_within_group() {
    let g = gaz();
    assert_eq!(
        spans(&g, "I love new york city today"),
        vec![("geo".to_string(), 2, 5)]
    );
    // "york" alone inside the match is not matched again
    assert_eq!(spans(&g, "new york"), vec![("geo".into(), 0, 2)]);
    assert_eq!(spans(&g, "york"), vec![("geo".into(), 0, 1)]);
}

#[test]
fn overlapping_entries_of_different_groups_both_fire() {
    let g = gaz();
    assert_eq!(
        spans(&g, "go New York Yankees"),
        vec![("geo".into(), 1, 3), ("team".into(), 1, 4)]
    );
}

#[test]
fn multiword_at_tweet_end_case_and_punctuation() {
    let g = gaz();
    assert_eq!(
        spans(&g, "up the YEOVIL town F.C."),
        vec![("team".into(), 2, 5)]
    );
    // the tokenizer split the abbreviation: punctuation tokens are skipped inside
    assert_eq!(
        spans(&g, "up the Yeovil Town F.C ."),
        vec![("team".into(), 2, 5)]
    );
    // a prefix alone at the end is no match
    assert_eq!(spans(&g, "up the yeovil town"), vec![]);
    assert_eq!(spans(&g, "#Paris"), vec![("geo".into(), 0, 1)]);
}

#[test]
fn features_have_bio_columns() {
    let g = gaz();
    assert_eq!(g.dim(), 2 + 2 + 1);
    assert_eq!(
        g.feature_names(),
        vec![
            "gaz:B-geo",
            "gaz:I-geo",
            "gaz:B-team",
            "gaz:I-team",
            "gaz:first"
        ]
    );
    let f = g.features(&toks("John in New York Yankees"));
    assert_eq!(f.len(), 5);
    assert_eq!(f[0], vec![0., 0., 0., 0., 1.]);
    assert_eq!(f[1], vec![0.; 5]);
    assert_eq!(f[2], vec![1., 0., 1., 0., 0.]);
    assert_eq!(f[3], vec![0., 1., 0., 1., 0.]);
    assert_eq!(f[4], vec![0., 0., 0., 1., 0.]);
    assert!(g.features(&Vec::<String>::new()).is_empty());
}

#[test]
fn max_ngram_limits_entries_and_empty_groups_drop() {
    let mut b = GazetteerBuilder::new(2);
    let skipped = b.add_group("a", ["one two three", "one two", "...", "x"]);
    b.add_group("empty", ["!!", ""]);
    let g = b.build();
    assert_eq!(skipped, 2);
    assert_eq!(g.groups().len(), 1);
    assert!(g.contains("a", "ONE two"));
    assert!(!g.contains("a", "one two three"));
    assert!(!g.contains("nope", "x"));
}

#[test]
fn save_load_roundtrip_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gaz.tsv.gz");
    let g = gaz();
    g.save(&p).unwrap();
    let back = Gazetteer::load(&p).unwrap();
    assert_eq!(back, g);

    std::fs::write(&p, b"not gzip").unwrap();
    assert!(Gazetteer::load(&p).is_err());
    let write_gz = |text: &str| {
        let mut e = GzEncoder::new(
            std::fs::File::create(&p).unwrap(),
            flate2::Compression::fast(),
        );
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap();
    };
    write_gz("#tweetner-gazetteer 1\nmax_ngram\t3\ngroup\ta\t0\t1\nfoo\t2\n");
    let err = Gazetteer::load(&p).unwrap_err().to_string();
    assert!(err.contains("gaz.tsv.gz:4"), "{err}");
    write_gz("#tweetner-gazetteer 1\ngroup\ta\t0\t1\nfoo\t1\n");
    assert!(Gazetteer::load(&p).is_err());
}

use flate2::write::GzEncoder;
use std::io::Write;

#[test]
fn compile_lexicon_filters_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| std::fs::write(dir.path().join(name), body).unwrap();
    write("shows", "Today\nIt\nX\n24\nThe Office\nLost\n\n");
    write("common", "today\nit\n");
    write("names", "Will\nmark\n");
    write("extra", "unused\n");
    write("dictionaries.conf", "shows /tv/tv_program\n");
    let specs = [
        GroupSpec {
            name: "tvshow",
            files: &["shows", "absent"],
            kind: GroupKind::Entity,
        },
        GroupSpec {
            name: "first",
            files: &["names", "today-missing"],
            kind: GroupKind::Name,
        },
        GroupSpec {
            name: "lower",
            files: &["common"],
            kind: GroupKind::CommonWords,
        },
        GroupSpec {
            name: "film",
            files: &["film.film"],
            kind: GroupKind::Entity,
        },
    ];
    let (g, report) = compile_lexicon(dir.path(), &specs, 6).unwrap();
    assert_eq!(report.missing, vec!["absent", "today-missing", "film.film"]);
    assert_eq!(report.unused, vec!["extra"]);
    assert_eq!(report.empty_groups, vec!["film"]);
    // Today, It (common), X (one char), 24 (number) dropped from the entity group
    assert_eq!(report.dropped_common, 4);
    assert_eq!(
        g.groups()
            .iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>(),
        vec!["tvshow", "first", "lower"]
    );
    assert!(g.contains("tvshow", "the office"));
    assert!(g.contains("tvshow", "LOST"));
    assert!(!g.contains("tvshow", "today"));
    assert!(g.contains("lower", "today"));
    assert!(g.contains("first", "will"));
    assert!(compile_lexicon(&dir.path().join("nope"), &specs, 6).is_err());
}
