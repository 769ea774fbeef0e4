//! Whole-crate tests: build, match, licence filter, files, corruption.

use std::io::Write;

use crate::{
    compile_tsv, Bio, BuildOptions, Lexicon, LexiconBuilder, LexiconError, LicencePolicy, Row, Span,
};

fn lex(rows: &[(&str, &str)]) -> Lexicon {
    Lexicon::build(
        rows.iter().map(|&(e, t)| Row::new(e, t)),
        &BuildOptions::default(),
    )
    .expect("build")
}

fn ty(l: &Lexicon, name: &str) -> usize {
    l.type_id(name).expect(name)
}

fn spans(l: &Lexicon, text: &str) -> Vec<(String, usize, usize)> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    l.matches(&tokens)
        .into_iter()
        .map(|s| (l.type_name(s.ty).unwrap_or("?").to_owned(), s.start, s.end))
        .collect()
}

fn m(t: &str, s: usize, e: usize) -> (String, usize, usize) {
    (t.to_owned(), s, e)
}

#[test]
fn longest_match_wins() {
    let l = lex(&[
        ("New York", "geo-loc"),
        ("New York City", "geo-loc"),
        ("York", "geo-loc"),
    ]);
    assert_eq!(
        spans(&l, "in new york city today"),
        vec![m("geo-loc", 1, 4)]
    );
    assert_eq!(spans(&l, "in new york today"), vec![m("geo-loc", 1, 3)]);
    // A prefix that cannot be completed falls back to the longest final one.
    assert_eq!(spans(&l, "new york citizens"), vec![m("geo-loc", 0, 2)]);
    assert_eq!(spans(&l, "york"), vec![m("geo-loc", 0, 1)]);
    assert_eq!(spans(&l, "new"), vec![]);
}

#[test]
fn max_ngram_limits_the_walk() {
    let mut l = lex(&[("a b c", "other"), ("a b", "other")]);
    assert_eq!(spans(&l, "a b c"), vec![m("other", 0, 3)]);
    l.set_max_ngram(2);
    assert_eq!(l.max_ngram(), 2);
    assert_eq!(spans(&l, "a b c"), vec![m("other", 0, 2)]);
}

#[test]
fn overlapping_matches_of_different_types() {
    let l = lex(&[
        ("Harold and Maude", "movie"),
        ("Maude", "person"),
        ("Harold", "person"),
    ]);
    let (movie, person) = (ty(&l, "movie"), ty(&l, "person"));
    let tokens = ["watch", "Harold", "and", "Maude", "!"];
    assert_eq!(
        spans(&l, &tokens.join(" ")),
        vec![m("movie", 1, 4), m("person", 1, 2), m("person", 3, 4)]
    );
    let t = l.annotate(&tokens);
    assert_eq!(t.len(), 5);
    assert_eq!((t[1].bio(movie), t[1].bio(person)), (Bio::B, Bio::B));
    assert_eq!((t[2].bio(movie), t[2].bio(person)), (Bio::I, Bio::O));
    assert_eq!((t[3].bio(movie), t[3].bio(person)), (Bio::I, Bio::B));
    assert_eq!(t[3].longest, 3);
    assert_eq!(t[0].bio(movie), Bio::O);
    assert!(t[0].types().is_empty() && t[4].types().is_empty());
    assert_eq!(t[4].longest, 0);
}

#[test]
fn same_type_overlaps_go_to_the_first_match() {
    let l = lex(&[("a b", "other"), ("b c d", "other")]);
    // `a b` starts first, so the longer `b c d` is not taken.
    assert_eq!(spans(&l, "a b c d"), vec![m("other", 0, 2)]);
    assert_eq!(spans(&l, "x b c d"), vec![m("other", 1, 4)]);
}

#[test]
fn several_types_and_sources_for_one_entry() {
    let rows = [
        Row::new("Paris", "geo-loc").from_source("geonames", "CC-BY-4.0 (GeoNames)"),
        Row::new("Paris", "geo-loc").from_source("wikidata_cities", "CC0 (Wikidata)"),
        Row::new("PARIS", "geo-loc").from_source("wikidata_cities", "CC0 (Wikidata)"),
        Row::new("Paris", "person").from_source("freebase_person", "CC-BY (Freebase)"),
        Row::new("Paris", "movie").from_source("freebase_film", "CC-BY (Freebase)"),
    ];
    let l = Lexicon::build(rows, &BuildOptions::default()).unwrap();
    let e = l.get("paris").unwrap();
    let (geo, person, movie) = (ty(&l, "geo-loc"), ty(&l, "person"), ty(&l, "movie"));
    assert_eq!(e.types.len(), 3);
    assert_eq!(
        (e.sources(geo), e.sources(person), e.sources(movie)),
        (2, 1, 1)
    );
    let t = l.annotate(&["Paris"]);
    assert_eq!(t[0].begin, e.types);
    assert_eq!(t[0].sources(geo), 2);
    assert_eq!(
        l.matches(&["Paris"]),
        vec![
            Span {
                ty: geo,
                start: 0,
                end: 1,
                sources: 2
            },
            Span {
                ty: movie,
                start: 0,
                end: 1,
                sources: 1
            },
            Span {
                ty: person,
                start: 0,
                end: 1,
                sources: 1
            },
        ]
    );
    let info = l.info();
    assert_eq!((info.rows, info.rows_kept, info.keys), (5, 5, 1));
    assert_eq!(info.types.iter().map(|t| t.keys).sum::<u64>(), 3);
    assert_eq!(info.sources.len(), 4);
}

#[test]
fn normalised_lookup_of_tokens() {
    let l = lex(&[
        ("Justin Bieber", "musicartist"),
        ("New York City", "geo-loc"),
        ("A.C. Milan", "sportsteam"),
        ("iPhone", "product"),
        ("McDonald's", "company"),
        ("Barack Obama", "person"),
        ("Tom & Jerry", "tvshow"),
        ("Beyoncé", "musicartist"),
    ]);
    assert_eq!(
        spans(&l, "#JustinBieber rocks"),
        vec![m("musicartist", 0, 1)]
    );
    assert_eq!(spans(&l, "@JustinBieber"), vec![m("musicartist", 0, 1)]);
    assert_eq!(spans(&l, "JUSTIN bieber"), vec![m("musicartist", 0, 2)]);
    assert_eq!(spans(&l, "#NewYorkCity"), vec![m("geo-loc", 0, 1)]);
    assert_eq!(spans(&l, "#newyork city"), vec![]);
    assert_eq!(spans(&l, "AC Milan"), vec![m("sportsteam", 0, 2)]);
    assert_eq!(spans(&l, "ac milan!"), vec![m("sportsteam", 0, 2)]);
    // The joined form of a split hashtag.
    assert_eq!(spans(&l, "#iPhone"), vec![m("product", 0, 1)]);
    assert_eq!(spans(&l, "McDonald’s"), vec![m("company", 0, 1)]);
    assert_eq!(spans(&l, "mcdonalds"), vec![m("company", 0, 1)]);
    // Possessive: may end a match.
    assert_eq!(spans(&l, "Barack Obama’s speech"), vec![m("person", 0, 2)]);
    assert_eq!(spans(&l, "Barack Obama's"), vec![m("person", 0, 2)]);
    // Punctuation tokens are passed over inside a match, never start or end one.
    assert_eq!(spans(&l, "Tom & Jerry"), vec![m("tvshow", 0, 3)]);
    assert_eq!(spans(&l, "Barack Obama ,"), vec![m("person", 0, 2)]);
    assert_eq!(spans(&l, "beyonce"), vec![m("musicartist", 0, 1)]);
    assert!(l.get("#ACMilan").is_some());
    assert!(l.get("new  YORK city").is_some());
    assert!(l.get("york").is_none());
    assert!(l.get("").is_none());
}

#[test]
fn empty_keys_are_skipped_and_counted() {
    let l = lex(&[("!!!", "other"), ("😀", "other"), ("ok", "other")]);
    assert_eq!(l.info().rows_empty_key, 2);
    assert_eq!(l.len(), 1);
    let empty = Lexicon::build(Vec::<Row>::new(), &BuildOptions::default()).unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.annotate(&["a", "b"]).len(), 2);
    assert!(empty.get("a").is_none());
}

#[test]
fn licence_filter() {
    let rows = [
        Row::new("Alpha", "person").from_source("fb", "CC-BY (Freebase)"),
        Row::new("Beta", "person").from_source("gpl_list", "GPL-3"),
        Row::new("Gamma", "person").from_source("msd", "none stated: research only, never ship"),
        Row::new("Delta", "company").from_source("npm", "MIT"),
        Row::new("Eps", "company").from_source("lg", "LGPL-3"),
        Row::new("Zeta", "geo-loc").from_source("gn", "CC-BY-4.0 (GeoNames)"),
        Row::new("Eta", "sportsteam").from_source("teams", "CC0 (derived from CC0 team lists)"),
        Row::new("Theta", "other"),
    ];
    let all = Lexicon::build(rows, &BuildOptions::default()).unwrap();
    assert_eq!(all.len(), 8);
    let opts = BuildOptions {
        licences: LicencePolicy::ShippableOnly,
    };
    let ship = Lexicon::build(rows, &opts).unwrap();
    let kept: Vec<bool> = [
        "alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta",
    ]
    .iter()
    .map(|k| ship.get(k).is_some())
    .collect();
    assert_eq!(kept, [true, false, false, true, false, true, true, false]);
    let info = ship.info();
    assert_eq!(info.policy, LicencePolicy::ShippableOnly);
    assert_eq!(
        (info.rows, info.rows_kept, info.rows_dropped_by_licence),
        (8, 4, 4)
    );
    // Every licence is listed, kept or not, and only kept sources are.
    assert_eq!(info.licences.len(), 8);
    let gpl = info
        .licences
        .iter()
        .find(|l| l.licence.as_deref() == Some("GPL-3"));
    assert_eq!(gpl.map(|l| (l.rows, l.kept)), Some((1, false)));
    assert!(info.licences.iter().any(|l| l.licence.is_none() && !l.kept));
    let names: Vec<&str> = info.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["fb", "gn", "npm", "teams"]);
    // The type of a wholly dropped entry is gone; types stay sorted.
    let types: Vec<&str> = ship.types().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(types, ["company", "geo-loc", "person", "sportsteam"]);
}

#[test]
fn bad_rows_are_errors() {
    let mut b = LexiconBuilder::new(&BuildOptions::default());
    b.add(&Row::new("x", "other")).unwrap();
    let e = b.add(&Row::new("y", " ")).unwrap_err();
    assert_eq!(e.to_string(), "row 1: empty type");
    assert!(b.add(&Row::new("", "other")).is_err());
    assert!(b.add(&Row::new("z", "two words")).is_err());
    let mut b = LexiconBuilder::new(&BuildOptions::default());
    for i in 0..64 {
        b.add(&Row::new("x", &format!("t{i}"))).unwrap();
    }
    let e = b.add(&Row::new("x", "t64")).unwrap_err().to_string();
    assert!(e.contains("more than 64 types"), "{e}");
}

fn write_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(bytes).unwrap();
    path
}

const LIST: &str = "entry\ttype\tsource\tlicence\n\
    Harold and Maude\tmovie\tfreebase_film.film\tCC-BY (Freebase)\n\
    Justin Bieber\tmusicartist\twikidata_music_artists\tCC0 (Wikidata)\n\
    Justin Bieber\tperson\tmsd\tnone stated: research only, never ship\n\
    \n\
    Main Street\taux-road\tfreebase_transportation.road\tCC-BY (Freebase)\r\n\
    Linux\tproduct\tgpl_list\tGPL-3\n\
    ...\tother\tx\tMIT\n";

#[test]
fn round_trip_through_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let list = write_file(&dir, "entries.tsv", LIST.as_bytes());
    let out = dir.path().join("name.lex");
    let built = compile_tsv(&list, &BuildOptions::default(), &out).unwrap();
    let mapped = Lexicon::open(&out).unwrap();
    let read = Lexicon::read(&out).unwrap();
    let owned = Lexicon::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(built.as_bytes(), mapped.as_bytes());
    mapped.verify().unwrap();
    let tweet = [
        "#HaroldAndMaude",
        "with",
        "justin",
        "bieber",
        "on",
        "Main",
        "St",
        "linux",
    ];
    for l in [&mapped, &read, &owned] {
        assert_eq!(l.info(), built.info());
        assert_eq!(l.annotate(&tweet), built.annotate(&tweet));
        assert_eq!(l.matches(&tweet), built.matches(&tweet));
        for k in [
            "harold and maude",
            "justin bieber",
            "main street",
            "linux",
            "x",
        ] {
            assert_eq!(l.get(k), built.get(k), "{k}");
        }
    }
    let info = built.info();
    assert_eq!((info.rows, info.rows_empty_key, info.keys), (6, 1, 4));
    let jb = mapped.get("Justin Bieber").unwrap();
    assert_eq!(jb.types.len(), 2);
    assert_eq!(spans(&mapped, "#HaroldAndMaude"), vec![m("movie", 0, 1)]);
    // Building twice gives the same bytes.
    let again = compile_tsv(&list, &BuildOptions::default(), dir.path().join("b.lex")).unwrap();
    assert_eq!(again.as_bytes(), built.as_bytes());
    // Shippable: the research-only person and the GPL product are gone.
    let opts = BuildOptions {
        licences: LicencePolicy::ShippableOnly,
    };
    let ship = compile_tsv(&list, &opts, &out).unwrap();
    let reopened = Lexicon::open(&out).unwrap();
    assert_eq!(reopened.as_bytes(), ship.as_bytes());
    assert_eq!(
        reopened.get("justin bieber").map(|e| e.types.len()),
        Some(1)
    );
    assert!(reopened.get("linux").is_none());
}

#[test]
fn two_column_lists() {
    let dir = tempfile::tempdir().unwrap();
    let list = write_file(&dir, "plain.tsv", b"Paris\tgeo-loc\nLondon\tgeo-loc\n");
    let l = compile_tsv(&list, &BuildOptions::default(), dir.path().join("p.lex")).unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(l.info().sources[0].name, "-");
    assert_eq!(l.info().licences[0].licence, None);
    let header = write_file(&dir, "h.tsv", b"entry\ttype\nParis\tgeo-loc\n");
    let l = compile_tsv(&header, &BuildOptions::default(), dir.path().join("h.lex")).unwrap();
    assert_eq!(l.len(), 1);
    let opts = BuildOptions {
        licences: LicencePolicy::ShippableOnly,
    };
    let l = compile_tsv(&list, &opts, dir.path().join("s.lex")).unwrap();
    assert!(l.is_empty());
}

fn list_error(contents: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let list = write_file(&dir, "bad.tsv", contents);
    let err = compile_tsv(&list, &BuildOptions::default(), dir.path().join("x.lex")).unwrap_err();
    assert!(matches!(err, LexiconError::List { .. }), "{err:?}");
    assert!(!dir.path().join("x.lex").exists());
    let msg = err.to_string();
    msg.split_once("bad.tsv")
        .map(|(_, m)| m.to_owned())
        .unwrap_or(msg)
}

#[test]
fn corrupt_lists_give_file_and_line() {
    let head = "entry\ttype\tsource\tlicence\n";
    let ok = "A\tmovie\ts\tMIT\n";
    assert_eq!(
        list_error(format!("{head}{ok}B\tmovie\ts\n").as_bytes()),
        ":3: 3 tab-separated columns, expected 4 like line 1"
    );
    assert_eq!(
        list_error(format!("{head}{ok}{ok}B\t\ts\tMIT\n").as_bytes()),
        ":4: empty type"
    );
    assert_eq!(
        list_error(format!("{head}\tmovie\ts\tMIT\n").as_bytes()),
        ":2: empty entry"
    );
    let mut bytes = format!("{head}{ok}").into_bytes();
    bytes.extend_from_slice(b"Caf\xe9\tmovie\ts\tMIT\n");
    assert_eq!(list_error(&bytes), ":3: invalid UTF-8 at byte 3");
    assert!(list_error(b"just one column\n").starts_with(":1: 1 tab-separated columns"));
    assert!(list_error(b"entry\ttype\tlicence\n").starts_with(":1: header"));
    assert!(list_error(b"a\tb\tc\td\te\n").starts_with(":1: 5 tab-separated"));
    // A missing file is an I/O error naming it.
    let err = compile_tsv(
        "/nonexistent/x.tsv",
        &BuildOptions::default(),
        "/tmp/never.lex",
    );
    assert!(err
        .unwrap_err()
        .to_string()
        .starts_with("/nonexistent/x.tsv: "));
}

#[test]
fn corrupt_lex_files_are_errors() {
    let l = lex(&[
        ("New York", "geo-loc"),
        ("Paris", "geo-loc"),
        ("Bieber", "person"),
    ]);
    let good = l.as_bytes().to_vec();
    let dir = tempfile::tempdir().unwrap();
    for len in [0, 7, 47, 48, good.len() / 2, good.len() - 1] {
        let path = write_file(&dir, "t.lex", &good[..len]);
        let err = Lexicon::open(&path).unwrap_err();
        assert!(matches!(err, LexiconError::Format { .. }), "{len}: {err:?}");
        assert!(err.to_string().contains("t.lex"), "{err}");
        assert!(Lexicon::from_bytes(good[..len].to_vec()).is_err());
    }
    // Every single-byte change is caught.
    for at in 0..good.len() {
        let mut bad = good.clone();
        bad[at] = bad[at].wrapping_add(1);
        assert!(Lexicon::from_bytes(bad).is_err(), "byte {at}");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(Lexicon::from_bytes(longer).is_err());
    let text = write_file(&dir, "x.lex", LIST.as_bytes());
    assert!(Lexicon::open(&text)
        .unwrap_err()
        .to_string()
        .contains("bad magic"));
    assert!(matches!(
        Lexicon::open(dir.path().join("missing.lex")),
        Err(LexiconError::Io { .. })
    ));
}

/// A tiny deterministic generator (xorshift64*), so the test needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

#[test]
fn random_tokens_never_panic_and_obey_the_invariants() {
    let parts = [
        "new",
        "york",
        "NEW",
        "#New",
        "York",
        "City",
        "#NewYorkCity",
        "@",
        "#",
        "'s",
        "’s",
        "&",
        "-",
        "é",
        "İ",
        "ß",
        "😀",
        "a",
        "b",
        "c",
        "\u{0}",
        "\t",
        " ",
        ".",
        "Ab",
        "1",
        "x1Y",
        "\u{301}",
        "東京",
        "ǅ",
    ];
    let l = lex(&[
        ("new york", "geo-loc"),
        ("new york city", "geo-loc"),
        ("york", "person"),
        ("a b c", "other"),
        ("a", "other"),
        ("b c", "movie"),
        ("東京", "geo-loc"),
        ("1", "product"),
    ]);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let n = (rng.next() % 12) as usize;
        let tokens: Vec<String> = (0..n)
            .map(|_| {
                let k = 1 + rng.next() % 3;
                (0..k).map(|_| rng.pick(&parts)).collect()
            })
            .collect();
        let rows = l.annotate(&tokens);
        assert_eq!(rows.len(), tokens.len());
        let found = l.matches(&tokens);
        for s in &found {
            assert!(s.start < s.end && s.end <= tokens.len(), "{s:?} {tokens:?}");
            assert!(s.end - s.start <= tokens.len());
            assert_eq!(rows[s.start].bio(s.ty), Bio::B);
        }
        for ty in 0..l.types().len() {
            let mut last_end = 0;
            for s in found.iter().filter(|s| s.ty == ty) {
                assert!(s.start >= last_end, "overlap in {tokens:?}");
                last_end = s.end;
            }
        }
        let joined = tokens.concat();
        let _ = l.get(&joined);
        let key = crate::normalize(&joined);
        assert_eq!(crate::normalize(&key), key, "{joined:?}");
    }
}

#[test]
fn lexicon_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Lexicon>();
}
