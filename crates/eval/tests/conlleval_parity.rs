//! Proves that our scorer is the reference scorer: for many generated
//! prediction files, `perl conlleval.pl` and [`Report::to_conlleval_text`]
//! must produce the same bytes, the parsed numbers must agree, and the
//! segmentation-only scores must equal the reference scorer's on a copy of
//! the file with every type renamed to one.
//!
//! Skips (with a message) only when `perl` cannot be run at all.

mod parity;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use parity::*;
use tweetner_eval::{
    evaluate_with, precision_recall_f1, read_conlleval_with, score_conlleval, EvalOptions, Report,
    BOUNDARY,
};

/// One scorer input file plus the command-line options to score it with.
struct Case {
    name: String,
    input: Vec<u8>,
    args: Vec<String>,
    /// Plain BIO-like tags: exact-match spans must equal the scorer's count.
    well_formed: bool,
}

fn case(name: impl Into<String>, input: Vec<u8>, args: &[&str], well_formed: bool) -> Case {
    Case {
        name: name.into(),
        input,
        args: args.iter().map(|s| s.to_string()).collect(),
        well_formed,
    }
}

fn script() -> PathBuf {
    shared_dir().join("tools/conlleval.pl")
}

fn perl_available() -> bool {
    Command::new("perl")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs perl with `args` on `input` (via a temp file); (success, stdout).
fn run_perl(dir: &Path, perl_args: &[String], input: &[u8], tag: &str) -> (bool, Vec<u8>) {
    let path = dir.join(format!("{tag}.txt"));
    std::fs::write(&path, input).expect("write temp input");
    let file = std::fs::File::open(&path).expect("open temp input");
    let out = Command::new("perl")
        .args(perl_args)
        .stdin(file)
        .output()
        .expect("run perl");
    (out.status.success(), out.stdout)
}

fn options_from(args: &[String]) -> EvalOptions {
    let mut o = EvalOptions::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-r" => o.raw = true,
            "-d" => o.delimiter = it.next().cloned().unwrap_or_default(),
            "-o" => o.o_tag = it.next().cloned().unwrap_or_default(),
            _ => {}
        }
    }
    o
}

/// Fields of a line as the scorer splits them (trailing empties dropped).
fn fields<'a>(line: &'a str, delim: &str) -> Vec<&'a str> {
    let mut f: Vec<&str> = line.split(delim).collect();
    while f.last().is_some_and(|x| x.is_empty()) {
        f.pop();
    }
    f
}

/// True when the last line is a sentence boundary (or there is none), i.e.
/// when scoring by sentences must equal scoring line by line.
fn terminated(input: &[u8], delim: &str) -> bool {
    let text = String::from_utf8_lossy(input);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    let last = body.rsplit('\n').next().unwrap_or("");
    let f = fields(last, delim);
    f.is_empty() || f[0] == BOUNDARY
}

/// The same file with every non-empty type renamed `ENT`.
fn untype(input: &[u8], delim: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(input);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (body, eol) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let mut f: Vec<String> = fields(body, delim).iter().map(|s| s.to_string()).collect();
        let n = f.len();
        if n >= 2 {
            for tag in &mut f[n - 2..] {
                if let Some((p, ty)) = tag.split_once('-') {
                    if !ty.is_empty() && ty != "0" {
                        *tag = format!("{p}-ENT");
                    }
                }
            }
        }
        out.push_str(&f.join(delim));
        out.push_str(eol);
    }
    out.into_bytes()
}

fn numbers(line: &str) -> Vec<usize> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

fn first_diff(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  perl: {x:?}\n  ours: {y:?}", i + 1);
        }
    }
    format!(
        "line counts differ: perl {} ours {}",
        a.lines().count(),
        b.lines().count()
    )
}

/// Scores one case both ways; Ok(true) = both succeeded, Ok(false) = both
/// rejected the input.
fn check(dir: &Path, c: &Case) -> Result<bool, String> {
    let opts = options_from(&c.args);
    let latex = c.args.iter().any(|a| a == "-l");
    let mut perl_args = vec![script().display().to_string()];
    perl_args.extend(c.args.iter().cloned());
    let (ok, stdout) = run_perl(dir, &perl_args, &c.input, "input");
    let ours = score_conlleval(&c.input[..], &c.name, &opts);
    let by_sentences = read_conlleval_with(&c.input[..], &c.name, &opts);
    if !ok {
        return match (ours, by_sentences) {
            (Err(_), Err(_)) => Ok(false),
            _ => Err("perl rejected the input but we accepted it".into()),
        };
    }
    let report = ours.map_err(|e| format!("perl accepted, we failed: {e}"))?;
    let perl_text = String::from_utf8_lossy(&stdout).into_owned();
    let text = if latex {
        report.to_conlleval_latex()
    } else {
        report.to_conlleval_text()
    };
    if text.as_bytes() != stdout.as_slice() {
        return Err(format!(
            "output differs at {}",
            first_diff(&perl_text, &text)
        ));
    }
    if !latex {
        check_numbers(&perl_text, &report)?;
    }
    if terminated(&c.input, &opts.delimiter) {
        let sents = by_sentences.map_err(|e| format!("read_conlleval failed: {e}"))?;
        let r2 = evaluate_with(sents, opts.clone()).map_err(|e| e.to_string())?;
        if r2 != report {
            return Err("evaluate(read_conlleval(..)) differs from line-by-line scoring".into());
        }
    }
    check_analyses(&report, c.well_formed)?;
    if !opts.raw && !latex {
        let mut untyped_args = vec![script().display().to_string()];
        untyped_args.extend(c.args.iter().cloned());
        let (ok, out) = run_perl(
            dir,
            &untyped_args,
            &untype(&c.input, &opts.delimiter),
            "ent",
        );
        if !ok {
            return Err("perl rejected the untyped copy".into());
        }
        check_untyped(&String::from_utf8_lossy(&out), &report)?;
    }
    Ok(true)
}

fn check_numbers(perl: &str, r: &Report) -> Result<(), String> {
    let mut lines = perl.lines();
    let head = numbers(lines.next().unwrap_or(""));
    let c = &r.counts;
    let ours = vec![c.tokens, c.found_gold, c.found_guessed, c.correct_chunks];
    if head != ours {
        return Err(format!("counts: perl {head:?} ours {ours:?}"));
    }
    if c.tokens > 0 {
        lines.next();
    }
    // Last number of each per-type line is that type's guessed count.
    let perl_guessed: Vec<usize> = lines
        .map(|l| numbers(l).last().copied().unwrap_or(usize::MAX))
        .collect();
    let ours_guessed: Vec<usize> = r
        .per_type
        .iter()
        .flat_map(|t| {
            let twice = t.ty.is_empty() && t.found_gold > 0 && t.found_guessed > 0;
            std::iter::repeat_n(t.found_guessed, if twice { 2 } else { 1 })
        })
        .collect();
    if perl_guessed != ours_guessed {
        return Err(format!(
            "per-type found: perl {perl_guessed:?} ours {ours_guessed:?}"
        ));
    }
    Ok(())
}

fn check_untyped(perl: &str, r: &Report) -> Result<(), String> {
    let mut lines = perl.lines();
    let head = numbers(lines.next().unwrap_or(""));
    let u = &r.untyped;
    let ours = vec![r.counts.tokens, u.found_gold, u.found_guessed, u.correct];
    if head != ours {
        return Err(format!("untyped counts: perl {head:?} ours {ours:?}"));
    }
    if r.counts.tokens > 0 {
        let want = format!(
            "precision: {:6.2}%; recall: {:6.2}%; FB1: {:6.2}",
            u.precision, u.recall, u.f1
        );
        let line = lines.next().unwrap_or("");
        if !line.ends_with(&want) {
            return Err(format!("untyped scores: perl {line:?} ours {want:?}"));
        }
    }
    Ok(())
}

/// The analyses must account for every entity the scorer counted.
fn check_analyses(r: &Report, well_formed: bool) -> Result<(), String> {
    let b = &r.boundary.total;
    if b.gold() != r.counts.found_gold {
        return Err(format!(
            "boundary classes cover {} gold entities, scorer found {}",
            b.gold(),
            r.counts.found_gold
        ));
    }
    let m = &r.confusion.matrix;
    let last = m.len().saturating_sub(1);
    let gold_rows: usize = m.iter().take(last).flatten().sum();
    let spurious_row: usize = m.get(last).map(|row| row.iter().sum()).unwrap_or(0);
    if gold_rows != r.counts.found_gold || spurious_row != b.spurious {
        return Err("confusion table totals disagree with the counts".into());
    }
    if b.spurious > r.counts.found_guessed {
        return Err("more spurious entities than predictions".into());
    }
    if well_formed && b.exact != r.counts.correct_chunks {
        return Err(format!(
            "exact spans {} != scorer correct {}",
            b.exact, r.counts.correct_chunks
        ));
    }
    Ok(())
}

fn preds_for(sents: &[Sentence], f: impl FnMut(&Sentence) -> Vec<String>) -> Vec<Vec<String>> {
    sents.iter().map(f).collect()
}

fn gold_of(sents: &[Sentence]) -> Vec<Vec<String>> {
    preds_for(sents, |s| s.tags.clone())
}

fn with_tags(sents: &[Sentence], mut f: impl FnMut(&[String]) -> Vec<String>) -> Vec<Sentence> {
    sents
        .iter()
        .map(|s| Sentence {
            tokens: s.tokens.clone(),
            tags: f(&s.tags),
        })
        .collect()
}

fn all_o(sents: &[Sentence]) -> Vec<Vec<String>> {
    preds_for(sents, |s| vec!["O".to_string(); s.tags.len()])
}

mod cases;

#[test]
fn conlleval_output_is_byte_identical() {
    if !perl_available() {
        eprintln!("SKIPPED conlleval parity: `perl` is not available on this machine");
        return;
    }
    assert!(
        script().is_file(),
        "reference scorer missing at {}",
        script().display()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let all = cases::all_cases();
    let mut failures = Vec::new();
    let mut rejected = 0;
    for c in &all {
        match check(dir.path(), c) {
            Ok(true) => {}
            Ok(false) => rejected += 1,
            Err(e) => failures.push(format!("{}: {e}", c.name)),
        }
    }
    eprintln!(
        "conlleval parity: {}/{} cases identical ({} of them rejected by both)",
        all.len() - failures.len(),
        all.len(),
        rejected
    );
    assert!(all.len() >= 50, "only {} cases", all.len());
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

/// The percentages are computed and rounded exactly like perl's `printf`,
/// including half-way cases, over many count combinations.
#[test]
fn percentages_round_like_perl() {
    if !perl_available() {
        eprintln!("SKIPPED percentage rounding parity: `perl` is not available");
        return;
    }
    let mut rng = Rng::new(7);
    let mut input = String::new();
    let mut triples = Vec::new();
    for _ in 0..20_000 {
        let gold = rng.below(2000);
        let found = rng.below(2000);
        let correct = rng.below(gold.min(found) + 1);
        triples.push((correct, gold, found));
        input.push_str(&format!("{correct} {gold} {found}\n"));
    }
    // Small denominators hit exact halves (x.xx5) most often.
    for d in 1..=200 {
        for n in 0..=d {
            triples.push((n, d, d));
            input.push_str(&format!("{n} {d} {d}\n"));
        }
    }
    let prog = r#"while(<STDIN>){my($c,$g,$f)=split;my($p,$r,$F)=(0.0,0.0,0.0);
        $p=100*$c/$f if $f>0; $r=100*$c/$g if $g>0; $F=2*$p*$r/($p+$r) if $p+$r>0;
        printf "%6.2f %6.2f %6.2f\n",$p,$r,$F;}"#;
    let mut child = Command::new("perl")
        .args(["-e", prog])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn perl");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("perl output");
    writer.join().expect("writer").expect("write");
    let perl = String::from_utf8_lossy(&out.stdout);
    let mut ours = String::new();
    for (c, g, f) in triples {
        let (p, r, f1) = precision_recall_f1(c, g, f);
        ours.push_str(&format!("{p:6.2} {r:6.2} {f1:6.2}\n"));
    }
    assert_eq!(perl, ours);
}
