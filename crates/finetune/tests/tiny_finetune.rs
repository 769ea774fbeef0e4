//! End to end on a tiny randomly initialised BERT written by the test (no
//! download): fine-tune a few steps on a WNUT-16 slice, save, reload through
//! the project's model loader and get the same tags and scores; a run killed
//! after one epoch and resumed ends exactly where an uninterrupted run does.

use std::path::Path;

use tweetner_data::{read_conll, ReadOptions};
use tweetner_finetune::{finetune, FinetuneOptions};

/// The tensor backend's RNG is process-global: runs that must be reproducible may not
/// overlap with other runs in this test binary.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

use tweetner_testdata::shared_dir as shared;

/// A tiny uncased WordPiece BERT whose vocabulary is the words of `texts`.
fn write_tiny_encoder(dir: &Path, texts: &[Vec<String>]) {
    tweetner_transformer::tiny::write_tiny_bert(dir, texts, 11).expect("tiny encoder");
}

fn write_config(path: &Path, enc: &Path, out: &Path, head: &str) {
    let data = tweetner_testdata::wnut16_dir();
    write_config_on(
        path,
        enc,
        out,
        head,
        &data.join("train.conll"),
        &data.join("dev.conll"),
        "",
    );
}

/// [`write_config`] on other data files, with more `[data]` lines.
fn write_config_on(
    path: &Path,
    enc: &Path,
    out: &Path,
    head: &str,
    train: &Path,
    dev: &Path,
    data_lines: &str,
) {
    let text = format!(
        r#"model = "transformer"
seed = 5
[data]
{data_lines}
train = "{}"
dev = "{}"
max_train_sentences = 40
max_dev_sentences = 30
[encoder]
path = "{}"
[head]
kind = "{head}"
max_length = 64
overlap = 16
[train]
epochs = 2
batch_size = 8
grad_accum = 2
lr_encoder = 1e-3
lr_head = 5e-3
warmup = 0.2
threads = 1
patience = 0
[output]
dir = "{}"
keep_checkpoint = true
"#,
        train.display(),
        dev.display(),
        enc.display(),
        out.display()
    );
    std::fs::write(path, text).expect("config");
}

/// A temporary directory holding a tiny encoder (`enc/`) whose vocabulary
/// is the words of the first 40 train and 30 dev tweets, and those dev tweets.
fn tiny_setup() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Vec<tweetner_data::Sentence>,
) {
    let opts = ReadOptions::default();
    let data = tweetner_testdata::wnut16_dir();
    let mut texts: Vec<Vec<String>> = read_conll(&data.join("train.conll"), &opts)
        .expect("train")
        .into_iter()
        .take(40)
        .map(|s| s.tokens)
        .collect();
    let dev = read_conll(&data.join("dev.conll"), &opts).expect("dev");
    let dev: Vec<_> = dev.into_iter().filter(|s| !s.is_empty()).take(30).collect();
    texts.extend(dev.iter().map(|s| s.tokens.clone()));
    let tmp = tempfile::tempdir().expect("dir");
    let enc = tmp.path().join("enc");
    std::fs::create_dir_all(&enc).expect("mkdir");
    write_tiny_encoder(&enc, &texts);
    (tmp, enc, dev)
}

#[test]
fn tiny_bert_fine_tunes_saves_reloads_and_resumes_exactly() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (tmp, enc, dev) = tiny_setup();

    for head in ["softmax", "crf"] {
        let straight = tmp.path().join(format!("straight-{head}"));
        let killed = tmp.path().join(format!("killed-{head}"));
        let (c1, c2) = (tmp.path().join("a.toml"), tmp.path().join("b.toml"));
        write_config(&c1, &enc, &straight, head);
        write_config(&c2, &enc, &killed, head);
        let quiet = FinetuneOptions {
            quiet: true,
            ..FinetuneOptions::default()
        };
        let full = finetune(&c1, &quiet).expect("straight run");
        assert_eq!(full.epochs_run, 2);
        assert!(!full.interrupted);

        // Killed after epoch 1, then resumed: the same second epoch.
        let first = finetune(
            &c2,
            &FinetuneOptions {
                stop_after_epochs: Some(1),
                ..quiet.clone()
            },
        )
        .expect("first session");
        assert!(first.interrupted && first.epochs_run == 1);
        // Starting over on top of a checkpoint is refused; resuming is not.
        assert!(finetune(&c2, &quiet).is_err());
        let resumed = finetune(
            &c2,
            &FinetuneOptions {
                resume: true,
                ..quiet.clone()
            },
        )
        .expect("resumed");
        assert_eq!(resumed.history.len(), 2);
        for (a, b) in full.history.iter().zip(&resumed.history) {
            let rel = (a.train_loss - b.train_loss).abs() / a.train_loss.abs().max(1e-9);
            assert!(
                rel < 1e-5,
                "{head}: loss {} vs {}",
                a.train_loss,
                b.train_loss
            );
            assert_eq!(a.dev_f1, b.dev_f1, "{head}");
            assert_eq!(a.steps, b.steps);
        }
        assert!(
            full.history[1].train_loss < full.history[0].train_loss,
            "{head}"
        );

        // Reloaded through the CLI's loader: the tags score exactly as the kept
        // epoch did in memory, and the card says so.
        let best = full.best_epoch.expect("best epoch");
        let logged = full.history[best - 1].dev_f1.expect("dev f1");
        let tagger = tweetner_tagger::load_model(&straight).expect("load");
        let tokens: Vec<Vec<String>> = dev.iter().map(|s| s.tokens.clone()).collect();
        let tagged = tagger.tag_batch(&tokens).expect("tag");
        let again = tagger.tag_batch(&tokens).expect("tag");
        assert_eq!(tagged, again);
        let report = tweetner_eval::evaluate(
            dev.iter()
                .zip(&tagged)
                .map(|(s, t)| (s.tags.clone(), t.tags.clone())),
        )
        .expect("eval");
        assert_eq!(report.f1, logged, "{head}");
        assert_eq!(full.dev.as_ref().map(|d| d.overall.f1), Some(logged));
        for f in [
            "card.json",
            "MODEL_CARD.md",
            "train-log.jsonl",
            "learning-curves.png",
        ] {
            assert!(straight.join(f).is_file(), "{head}: {f}");
        }
    }
}

#[test]
fn a_bad_config_names_the_file_and_field() {
    let tmp = tempfile::tempdir().expect("dir");
    let c = tmp.path().join("bad.toml");
    write_config(
        &c,
        &tmp.path().join("no-encoder"),
        &tmp.path().join("out"),
        "softmax",
    );
    let e = finetune(&c, &FinetuneOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.toml") && e.contains("encoder.path"), "{e}");
}

/// A label set from the data (BTC's PER/LOC/ORG): the fine-tuned CRF model
/// predicts exactly those labels, and tags through the shared loader.
#[test]
fn tiny_bert_learns_the_label_set_of_its_data() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let btc = shared().join("data/extra/btc");
    if !btc.join("btc.train").is_file() {
        eprintln!("skipping: no BTC data at {}", btc.display());
        return;
    }
    // Train and dev both from BTC's train split (its dev file has a malformed
    // line past the part a tiny run needs).
    let all = read_conll(&btc.join("btc.train"), &ReadOptions::default()).expect("btc");
    let (train, dev) = (&all[..40], &all[40..70]);
    let texts: Vec<Vec<String>> = all[..70].iter().map(|s| s.tokens.clone()).collect();
    let tmp = tempfile::tempdir().expect("dir");
    let conll = |name: &str, sentences: &[tweetner_data::Sentence]| {
        let text: String = sentences
            .iter()
            .map(|s| {
                let lines: String = s
                    .tokens
                    .iter()
                    .zip(&s.tags)
                    .map(|(w, t)| format!("{w}\t{t}\n"))
                    .collect();
                lines + "\n"
            })
            .collect();
        let path = tmp.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let (train_file, dev_file) = (conll("train.conll", train), conll("dev.conll", dev));
    let enc = tmp.path().join("enc");
    std::fs::create_dir_all(&enc).expect("mkdir");
    write_tiny_encoder(&enc, &texts);
    let out = tmp.path().join("out");
    let cfg = tmp.path().join("btc.toml");
    write_config_on(
        &cfg,
        &enc,
        &out,
        "crf",
        &train_file,
        &dev_file,
        "labels = \"from-data\"",
    );
    let quiet = FinetuneOptions {
        quiet: true,
        ..FinetuneOptions::default()
    };
    finetune(&cfg, &quiet).expect("fine-tune on BTC");
    let tagger = tweetner_tagger::load_model(&out).expect("load");
    let expected = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"];
    assert_eq!(tagger.labels(), expected);
    let tokens: Vec<Vec<String>> = dev.iter().take(10).map(|s| s.tokens.clone()).collect();
    for t in tagger.tag_batch(&tokens).expect("tag") {
        assert!(t.tags.iter().all(|tag| expected.contains(&tag.as_str())));
        assert!(t
            .spans
            .iter()
            .all(|s| ["LOC", "ORG", "PER"].contains(&s.ty.as_str())));
    }
}

/// `[head] lexicon`: the CRF head trains with entry-list features, the
/// model directory carries the (licence-filtered) list, the shared loader
/// tags with it, and a directory that lost its list refuses to load.
#[test]
fn the_crf_head_trains_with_an_entry_list_and_ships_it() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (tmp, enc, dev) = tiny_setup();
    let list = tmp.path().join("list.tsv");
    std::fs::write(
        &list,
        "entry\ttype\tsource\tlicence\nnew york\tgeo-loc\tt\tCC0\njustin bieber\tmusicartist\tt\tCC0\nthe hobbit\tmovie\tt\tGPL-3\n",
    )
    .expect("list");
    let out = tmp.path().join("out");
    let config = tmp.path().join("lex.toml");
    write_config(&config, &enc, &out, "crf");
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replace(
        "kind = \"crf\"",
        &format!("kind = \"crf\"\nlexicon = \"{}\"", list.display()),
    );
    std::fs::write(&config, text).expect("config");
    let quiet = FinetuneOptions {
        quiet: true,
        ..FinetuneOptions::default()
    };
    let summary = finetune(&config, &quiet).expect("run");
    assert!(summary.dev.is_some());
    let lex = tweetner_lexicon::Lexicon::open(out.join("lexicon.lex")).expect("shipped list");
    // The GPL row is not shippable: only two keys are in the model's list.
    assert_eq!(lex.len(), 2);
    let manifest = tweetner_transformer::read_manifest(&out).expect("manifest");
    assert_eq!(manifest.head.lexicon_dim, lex.feature_dim());
    let tagger = tweetner_tagger::load_model(&out).expect("load");
    let tokens: Vec<Vec<String>> = dev.iter().map(|s| s.tokens.clone()).collect();
    assert_eq!(tagger.tag_batch(&tokens).expect("tag").len(), tokens.len());
    let card = std::fs::read_to_string(out.join("MODEL_CARD.md")).expect("card");
    assert!(card.contains("entry list"), "{card}");
    std::fs::remove_file(out.join("lexicon.lex")).expect("rm");
    let err = tweetner_tagger::load_model(&out)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("lexicon.lex"), "{err}");
}

/// `--final`: train + dev for the epoch count the selection run kept, no dev
/// score claimed, written beside the selection run; without a selection run
/// the error names the card it looked for.
#[test]
fn a_final_model_trains_on_train_and_dev_for_the_selected_epoch_count() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (tmp, enc, _dev) = tiny_setup();
    let out = tmp.path().join("sel");
    let config = tmp.path().join("sel.toml");
    write_config(&config, &enc, &out, "crf");
    let final_opts = FinetuneOptions {
        quiet: true,
        final_model: true,
        ..FinetuneOptions::default()
    };
    let e = finetune(&config, &final_opts).unwrap_err().to_string();
    assert!(e.contains("card.json") && e.contains("--epochs"), "{e}");

    let quiet = FinetuneOptions {
        quiet: true,
        ..FinetuneOptions::default()
    };
    let selected = finetune(&config, &quiet).expect("selection run");
    let kept = selected.best_epoch.expect("a dev-selected epoch");

    let fin = finetune(&config, &final_opts).expect("final run");
    assert_eq!(fin.out_dir, tmp.path().join("sel-final"));
    assert!(fin.final_model && fin.dev.is_none() && fin.best_epoch.is_none());
    assert_eq!(fin.epochs_run, kept);
    assert!(fin.history.iter().all(|r| r.dev_f1.is_none()));
    let card = tweetner_tagger::ModelCard::read(&fin.out_dir).expect("card");
    assert!(card.final_model && card.dev.is_none() && card.best_epoch.is_none());
    assert!(
        card.notes.iter().any(|n| n.contains("selected on dev")),
        "{:?}",
        card.notes
    );
    // Its epochs see the 40 training tweets and the 30 dev tweets: more
    // updates per epoch than the selection run's 40 alone.
    let per_epoch = |s: &tweetner_finetune::FinetuneSummary| s.history[0].steps;
    assert!(
        per_epoch(&fin) > per_epoch(&selected),
        "{:?} vs {:?}",
        per_epoch(&fin),
        per_epoch(&selected)
    );
    let tagger = tweetner_tagger::load_model(&fin.out_dir).expect("final model loads");
    assert!(!tagger
        .tag_batch(&[vec!["hello".to_string()]])
        .expect("tags")
        .is_empty());

    // An explicit count wins over the selection run's.
    let one = finetune(
        &config,
        &FinetuneOptions {
            final_epochs: Some(1),
            out_dir: Some(tmp.path().join("one")),
            ..final_opts.clone()
        },
    )
    .expect("final run of one epoch");
    assert_eq!(one.epochs_run, 1);
}
