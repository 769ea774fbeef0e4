//! Acceptance test: the tokenizer reproduces the WNUT-16 tokenization.
//! Each tweet's gold tokens are joined with single spaces and re-tokenized;
//! at least 98% of train+dev tweets must come back identical.

mod common;

use tweetner_text::roundtrip_rate;

#[test]
fn wnut16_roundtrip_at_least_98_percent() {
    let train = common::load_split("train.conll");
    let dev = common::load_split("dev.conll");
    assert_eq!(train.len(), 2394, "train.conll tweet count");
    assert_eq!(dev.len(), 1000, "dev.conll tweet count");

    let rt_train = roundtrip_rate(&train);
    let rt_dev = roundtrip_rate(&dev);
    let all: Vec<Vec<String>> = train.iter().chain(dev.iter()).cloned().collect();
    let rt_all = roundtrip_rate(&all);
    for (name, rt) in [
        ("train", &rt_train),
        ("dev", &rt_dev),
        ("train+dev", &rt_all),
    ] {
        println!(
            "round-trip {name}: {}/{} = {:.4}",
            rt.identical,
            rt.total,
            rt.rate()
        );
    }
    let show: usize = std::env::var("ROUNDTRIP_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    for (idx, gold, got) in rt_all.mismatches.iter().take(show) {
        // Print only the differing region to keep the output readable.
        let first = gold.iter().zip(got).take_while(|(a, b)| a == b).count();
        let lo = first.saturating_sub(2);
        println!(
            "#{idx}: gold {:?}\n      got  {:?}",
            &gold[lo..gold.len().min(first + 3)],
            &got[lo..got.len().min(first + 4)]
        );
    }
    assert!(
        rt_all.rate() >= 0.98,
        "round-trip rate {:.4} below 0.98",
        rt_all.rate()
    );
}

/// The tagger must handle > 6,000 tweets/s on 2 cores, so tokenizing has to
/// be far faster; the floor here is loose enough for a busy test machine.
#[test]
fn tokenizes_quickly() {
    let tweets: Vec<String> = common::load_split("train.conll")
        .iter()
        .map(|t| t.join(" "))
        .collect();
    let rounds = 5;
    let t0 = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..rounds {
        for t in &tweets {
            n += tweetner_text::tokenize(t).len();
        }
    }
    let per_s = (tweets.len() * rounds) as f64 / t0.elapsed().as_secs_f64();
    println!("{per_s:.0} tweets/s ({n} tokens)");
    assert!(per_s > 20_000.0, "only {per_s:.0} tweets/s");
}
