//! `tweetner data`: dataset statistics, download/installation and scheme conversion.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use tweetner_data::{
    read_conll, ConllReader, OovAccumulator, OovReference, ReadOptions, Scheme, StatsAccumulator,
    TypeMap, TypeWeights,
};

use super::io::{open_input, sentences};
use super::limits;

#[derive(Subcommand)]
pub enum DataCommand {
    /// Corpus statistics: sizes, lengths, entity and tag counts, OOV rates, tag charts.
    Stats(StatsArgs),
    /// Download a dataset (verified by sha256) or install it from a local copy.
    Fetch(FetchArgs),
    /// Convert a CoNLL (or TweetNER7 JSON-lines) file to CoNLL: tag schemes (BIO, IOB1,
    /// BIOES), repairs, type renaming, and dropping tweets that appear in other files.
    Convert(ConvertArgs),
    /// Add a teacher's per-token label probabilities to a CoNLL file as a middle
    /// column (`token<TAB>soft<TAB>tag`), for training with `[train] soft_weight`.
    Soften(super::soften::SoftenArgs),
}

#[derive(Args)]
pub struct StatsArgs {
    /// CoNLL files (`token<TAB>tag`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Report OOV rates of every FILE against this file's vocabulary (e.g. train).
    #[arg(long)]
    pub oov_against: Option<PathBuf>,
    /// Write tag-distribution bar charts (PNG and SVG, with and without `O`) here.
    #[arg(long)]
    pub plot_dir: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct FetchArgs {
    /// Dataset name (known: wnut16).
    pub dataset: String,
    /// Target directory (default: the user cache, where other commands look).
    #[arg(long)]
    pub to: Option<PathBuf>,
    /// Install from a local directory holding the files instead of downloading.
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Base URL to download from instead of the public source (mirrors, tests).
    #[arg(long)]
    pub base_url: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SchemeArg {
    Bio,
    Iob1,
    Bioes,
}

impl From<SchemeArg> for Scheme {
    fn from(s: SchemeArg) -> Self {
        match s {
            SchemeArg::Bio => Scheme::Bio,
            SchemeArg::Iob1 => Scheme::Iob1,
            SchemeArg::Bioes => Scheme::Bioes,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ConvertInput {
    /// `token ... tag` columns.
    Conll,
    /// TweetNER7 JSON lines (`tokens`, integer `tags`) with a `label.json` id map.
    Tweetner7,
}

#[derive(Args)]
pub struct ConvertArgs {
    /// Input file (`-` for stdin).
    pub input: PathBuf,
    /// Input layout.
    #[arg(long, value_enum, default_value = "conll")]
    pub input_format: ConvertInput,
    /// TweetNER7's id → tag map (default: `label.json` beside the input).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// TweetNER7: join `#` with the next word and unmask `{{USERNAME}}`/`{{URL}}`
    /// as `@user`/`http://url`, as WNUT-16 writes them.
    #[arg(long)]
    pub wnut_style: bool,
    /// Drop tweets whose token sequence appears in this CoNLL file (repeatable),
    /// e.g. the dev set, so that extra data cannot leak it. Counts go to stderr.
    #[arg(long)]
    pub exclude: Vec<PathBuf>,
    /// Keep only tweets that hold at least one entity (after `--map`). For silver data:
    /// the teacher's empty tweets mostly teach "no entity here" again, at the cost of
    /// training time. Counts go to stderr.
    #[arg(long)]
    pub entities_only: bool,
    /// Keep only tweets in which the soft-label column (`tweetner data soften`) gives
    /// every token's tag at least this probability: silver tweets the teacher was sure
    /// of. Read before `--map`; a file without the column is an error. Counts go to stderr.
    #[arg(long, value_parser = limits::probability)]
    pub min_tag_prob: Option<f32>,
    /// Write only the token and tag columns (files with different middle columns can
    /// then be concatenated into one CoNLL file).
    #[arg(long)]
    pub drop_columns: bool,
    /// Scheme of the input tags.
    #[arg(long, value_enum, default_value = "bio")]
    pub from: SchemeArg,
    /// Scheme to write.
    #[arg(long, value_enum, default_value = "bio")]
    pub to: SchemeArg,
    /// Turn an `I-x` that does not continue an `x` entity into `B-x` (as conlleval reads it).
    #[arg(long)]
    pub repair: bool,
    /// Rename entity types, e.g. `PER=person,LOC=geo-loc,ORG=O` (`O` drops the type).
    /// Every type in the input must be named; an unmapped one is an error with its line.
    #[arg(long, value_parser = parse_type_map)]
    pub map: Option<TypeMap>,
    /// Re-balance entity types, e.g. `musicartist=3,geo-loc=0.5`: each tweet is
    /// written as many times as the largest weight among its entity types says
    /// (1 for types not named and tweets without entities); a fraction is a
    /// share of such tweets, picked by a hash of their tokens and `--seed`.
    /// Applied after `--map`. Counts go to stderr.
    #[arg(long, value_parser = parse_type_weights)]
    pub type_weights: Option<TypeWeights>,
    /// Seed of `--type-weights`' choices (0 to 2^32 − 1).
    #[arg(long, default_value_t = 0, requires = "type_weights",
          value_parser = clap::value_parser!(u64).range(0..=u64::from(u32::MAX)))]
    pub seed: u64,
}

fn parse_type_weights(spec: &str) -> Result<TypeWeights, String> {
    TypeWeights::parse(spec)
}

fn parse_type_map(spec: &str) -> Result<TypeMap, String> {
    TypeMap::parse(spec)
}

pub fn run(cmd: DataCommand) -> Result<()> {
    match cmd {
        DataCommand::Stats(a) => stats(a),
        DataCommand::Fetch(a) => fetch(a),
        DataCommand::Convert(a) => convert(a),
        DataCommand::Soften(a) => super::soften::soften(a),
    }
}

fn stats(args: StatsArgs) -> Result<()> {
    let reference = match &args.oov_against {
        Some(p) => {
            let mut r = OovReference::default();
            for s in sentences(p)? {
                r.add(&s?);
            }
            Some(r)
        }
        None => None,
    };
    let mut out = io::stdout().lock();
    let mut all = Vec::new();
    let names = plot_names(&args.files);
    for (file, name) in args.files.iter().zip(&names) {
        let mut acc = StatsAccumulator::default();
        let mut oov_acc = reference.as_ref().map(OovAccumulator::new);
        for s in sentences(file)? {
            let s = s?;
            acc.add(&s);
            if let Some(o) = oov_acc.as_mut() {
                o.add(&s);
            }
        }
        let stats = acc.finish();
        let oov = oov_acc.map(OovAccumulator::finish);
        if let Some(dir) = &args.plot_dir {
            plot_tags(dir, name, &stats)?;
        }
        if args.json {
            all.push(serde_json::json!({ "file": file, "stats": stats, "oov": oov }));
        } else {
            writeln!(out, "== {}", file.display())?;
            write!(out, "{}", stats.render_text())?;
            if let (Some(oov), Some(r)) = (oov, &args.oov_against) {
                writeln!(out, "OOV against {}:", r.display())?;
                write!(out, "{}", oov.render_text())?;
            }
            writeln!(out)?;
        }
    }
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
    }
    Ok(())
}

/// One plot name per input file: its stem, with its directory's name in
/// front where two inputs share a stem (`wnut16-train`, `btc-train`), and a
/// number after where even that is not enough, so no chart overwrites another.
fn plot_names(files: &[PathBuf]) -> Vec<String> {
    let stem = |f: &PathBuf| {
        f.file_stem()
            .map_or_else(|| "data".into(), |s| s.to_string_lossy().into_owned())
    };
    let parent = |f: &PathBuf| {
        f.parent()
            .and_then(|p| p.file_name())
            .map(|p| p.to_string_lossy().into_owned())
    };
    let stems: Vec<String> = files.iter().map(stem).collect();
    let mut names: Vec<String> = files
        .iter()
        .zip(&stems)
        .map(|(f, s)| match parent(f) {
            Some(p) if stems.iter().filter(|x| *x == s).count() > 1 => format!("{p}-{s}"),
            _ => s.clone(),
        })
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, n) in names.iter_mut().enumerate() {
        if !seen.insert(n.clone()) {
            *n = format!("{n}-{}", i + 1);
            seen.insert(n.clone());
        }
    }
    names
}

/// Two charts per file: with `O`, which shows how sparse entities are, and
/// without it, where the rare types are actually readable.
fn plot_tags(dir: &Path, stem: &str, stats: &tweetner_data::DatasetStats) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let all: Vec<(String, f64)> = stats
        .tag_counts
        .iter()
        .map(|(t, c)| (t.clone(), *c as f64))
        .collect();
    let no_o: Vec<(String, f64)> = all.iter().filter(|(t, _)| t != "O").cloned().collect();
    for (suffix, bars, title) in [
        ("tags", &all, format!("{stem}: tag counts")),
        ("tags-no-o", &no_o, format!("{stem}: tag counts without O")),
    ] {
        for format in [tweetner_plot::Format::Png, tweetner_plot::Format::Svg] {
            let path = dir.join(format!("{stem}-{suffix}.{}", format.extension()));
            let written = tweetner_plot::bar_chart(&path, &title, bars, format)?;
            eprintln!("wrote {}", written.display());
        }
    }
    Ok(())
}

fn fetch(args: FetchArgs) -> Result<()> {
    let spec = tweetner_fetch::dataset(&args.dataset)?;
    let to = match args.to {
        Some(dir) => dir,
        None => tweetner_fetch::default_install_dir(spec)?,
    };
    let source = match args.from {
        Some(dir) => tweetner_fetch::Source::LocalDir(dir),
        None => tweetner_fetch::Source::Url {
            base_url: args.base_url,
        },
    };
    let summary = tweetner_fetch::fetch(spec, &to, &source)?;
    write!(io::stdout().lock(), "{summary}")?;
    Ok(())
}

fn convert(args: ConvertArgs) -> Result<()> {
    let source = args.input.display().to_string();
    let sentences: Box<dyn Iterator<Item = Result<tweetner_data::Sentence>>> = match args
        .input_format
    {
        ConvertInput::Conll => {
            if args.labels.is_some() || args.wnut_style {
                anyhow::bail!("--labels and --wnut-style apply to --input-format tweetner7 only");
            }
            let opts = ReadOptions {
                scheme: args.from.into(),
                repair: args.repair,
                ..ReadOptions::default()
            };
            let reader = ConllReader::new(open_input(&args.input)?, source.clone(), opts);
            Box::new(reader.map(|s| s.map_err(Into::into)))
        }
        ConvertInput::Tweetner7 => {
            let labels = match &args.labels {
                Some(p) => p.clone(),
                None => args.input.with_file_name("label.json"),
            };
            let id2tag = tweetner_data::read_tweetner7_labels(&labels)?;
            let opts = tweetner_data::Tweetner7Options {
                wnut_style: args.wnut_style,
            };
            let all = tweetner_data::read_tweetner7(&args.input, &id2tag, opts)?;
            Box::new(all.into_iter().map(Ok))
        }
    };
    let mut excluded = HashSet::new();
    for path in &args.exclude {
        for s in read_conll(path, &ReadOptions::default())? {
            excluded.insert(s.tokens);
        }
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let target: Scheme = args.to.into();
    let (mut written, mut dropped, mut empty, mut reweighted) = (0usize, 0usize, 0usize, 0usize);
    let mut unsure = 0usize;
    for sentence in sentences {
        let mut s = sentence?;
        if excluded.contains(&s.tokens) {
            dropped += 1;
            continue;
        }
        if let Some(min) = args.min_tag_prob {
            if least_tag_prob(&s, &source)? < min {
                unsure += 1;
                continue;
            }
        }
        if let Some(map) = &args.map {
            map.apply(&mut s, &source)?;
        }
        if args.entities_only && s.tags.iter().all(|t| t == "O") {
            empty += 1;
            continue;
        }
        let copies = match &args.type_weights {
            Some(w) => w.copies(&s, args.seed),
            None => 1,
        };
        if copies != 1 {
            reweighted += 1;
        }
        s.tags = tweetner_data::from_bio(&s.tags, target);
        if args.drop_columns {
            s.columns.clear();
        }
        for _ in 0..copies {
            tweetner_data::write_sentence(&mut out, &s)?;
        }
        written += copies;
    }
    out.flush()?;
    if !args.exclude.is_empty() {
        eprintln!("{source}: wrote {written} tweets, dropped {dropped} found in --exclude files");
    }
    if let Some(min) = args.min_tag_prob {
        eprintln!(
            "{source}: wrote {written} tweets, dropped {unsure} with a tag below probability {min}"
        );
    }
    if args.entities_only {
        eprintln!("{source}: wrote {written} tweets, dropped {empty} without an entity");
    }
    if args.type_weights.is_some() {
        eprintln!(
            "{source}: wrote {written} tweets; --type-weights changed the count of {reweighted}"
        );
    }
    Ok(())
}

/// The smallest probability the sentence's soft-label column (its last middle
/// column) gives a token's tag.
fn least_tag_prob(s: &tweetner_data::Sentence, source: &str) -> Result<f32> {
    let line = s.line;
    if s.columns.is_empty() {
        anyhow::bail!(
            "{source}:{line}: --min-tag-prob needs a soft-label column (`tweetner data soften`)"
        );
    }
    let mut least = 1.0f32;
    for (k, (cols, tag)) in s.columns.iter().zip(&s.tags).enumerate() {
        let field = cols.last().map(String::as_str).unwrap_or_default();
        let p = tweetner_data::soft_prob(field, tag)
            .map_err(|e| anyhow::anyhow!("{source}:{}: {e}", line + k))?;
        least = least.min(p);
    }
    Ok(least)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plots_of_inputs_with_one_name_get_distinct_names() {
        let files: Vec<PathBuf> = [
            "../shared/data/wnut16/train.conll",
            "../shared/data/btc/train.conll",
            "dev.conll",
            "x/dev.conll",
            "x/dev.txt",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let names = plot_names(&files);
        assert_eq!(names[0], "wnut16-train");
        assert_eq!(names[1], "btc-train");
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(plot_names(&[PathBuf::from("a/b.conll")]), ["b"]);
    }
}
