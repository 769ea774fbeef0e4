//! A small version of `examples/synthetic.rs` with thresholds. Seeds here
//! are not the tuning seed (1).

use tweetner_trends::evaluate::{run, score};
use tweetner_trends::synth::{generate, SynthConfig};
use tweetner_trends::TrendConfig;

#[test]
fn bursts_are_found_early_with_few_false_alerts() {
    let mut recall_30 = (0, 0);
    let mut delays_100 = Vec::new();
    let (mut fa, mut hours, mut grouped, mut pairs) = (0, 0.0, 0, 0);
    for seed in [7, 8] {
        let stream = generate(&SynthConfig {
            seed,
            hours: 30,
            quiet_hours: 6,
            bursts_per_size: 4,
            ..SynthConfig::default()
        });
        let (events, _, _) = run(&stream, TrendConfig::default()).unwrap();
        let r = score(&stream, &events);
        for row in &r.rows {
            if row.per_hour >= 30 {
                recall_30.0 += row.new_detected + row.known_detected;
                recall_30.1 += row.new_total + row.known_total;
            }
            if row.per_hour >= 100 {
                delays_100.extend(row.median_delay_ms);
            }
        }
        fa += r.false_alerts;
        hours += r.scored_hours;
        grouped += r.pairs_grouped;
        pairs += r.pairs_detected;
    }
    let recall = recall_30.0 as f64 / recall_30.1 as f64;
    assert!(recall >= 0.95, "recall at >= 30/h: {recall_30:?}");
    assert!(fa as f64 / hours <= 1.0, "{fa} false alerts in {hours} h");
    assert!(
        delays_100.iter().all(|&d| d <= 5 * 60_000),
        "{delays_100:?}"
    );
    assert!(
        pairs > 0 && grouped as f64 >= 0.8 * pairs as f64,
        "{grouped}/{pairs}"
    );
}
