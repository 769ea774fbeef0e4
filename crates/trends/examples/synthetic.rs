//! Synthetic evaluation: recall, false alerts and delay per burst size, and
//! the detector's single-thread throughput.
//!
//! `cargo run --release --example synthetic [-- SEED...]` (defaults: seeds 2 3 4;
//! seed 1 is the tuning seed and is not reported unless asked for).

use tweetner_trends::evaluate::{run, score, Report};
use tweetner_trends::synth::{generate, SynthConfig};
use tweetner_trends::TrendConfig;

fn fmt_min(ms: Option<i64>) -> String {
    ms.map_or_else(|| "-".into(), |m| format!("{:.1}", m as f64 / 60_000.0))
}

fn print(seed: u64, r: &Report, tweets: usize, secs: f64) {
    println!(
        "seed {seed}: {tweets} tweets, {:.0} scored hours",
        r.scored_hours
    );
    println!("  size/h  new     known   recall  median delay (min)  emitted (min)");
    for row in &r.rows {
        println!(
            "  {:>6}  {:>2}/{:<2}   {:>2}/{:<2}   {:>5.1}%  {:>18}  {:>13}",
            row.per_hour,
            row.new_detected,
            row.new_total,
            row.known_detected,
            row.known_total,
            100.0 * row.recall(),
            fmt_min(row.median_delay_ms),
            fmt_min(row.median_emitted_ms),
        );
    }
    println!(
        "  false alerts: {} ({:.2}/hour), repeats: {}, topic pairs grouped: {}/{}",
        r.false_alerts,
        r.false_alerts_per_hour(),
        r.repeats,
        r.pairs_grouped,
        r.pairs_detected
    );
    if !r.false_alert_examples.is_empty() {
        println!(
            "  false alert examples: {}",
            r.false_alert_examples.join("; ")
        );
    }
    println!(
        "  throughput: {:.0} tweets/s (single thread)",
        tweets as f64 / secs
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seeds: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let seeds = if seeds.is_empty() {
        vec![2, 3, 4]
    } else {
        seeds
    };
    for seed in seeds {
        let stream = generate(&SynthConfig {
            seed,
            ..SynthConfig::default()
        });
        let (events, took, det) = run(&stream, TrendConfig::default())?;
        let report = score(&stream, &events);
        print(seed, &report, stream.tweets.len(), took.as_secs_f64());
        let st = det.stats();
        println!(
            "  stats: late_dropped {} retweets_merged {} author_repeats {} evictions {} memory {:.1} MiB",
            st.late_dropped,
            st.retweets_merged,
            st.author_repeats,
            st.evictions,
            st.memory_bytes as f64 / (1 << 20) as f64
        );
    }
    Ok(())
}
