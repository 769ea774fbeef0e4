//! The sweep the defaults were chosen from: seed 1 only (the tuning seed),
//! minimum support, z-score and Poisson thresholds.
//! `cargo run --release --example tune`.

use tweetner_trends::evaluate::{run, score};
use tweetner_trends::synth::{generate, SynthConfig};
use tweetner_trends::TrendConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let stream = generate(&SynthConfig {
        seed: 1,
        ..SynthConfig::default()
    });
    println!("sup z     p      recall(10) recall(>=30) delay30(min) delay100(min) FA/h");
    for (support, z, p) in grid() {
        {
            let config = TrendConfig {
                min_support: support,
                z_threshold: z,
                max_p_value: p,
                ..TrendConfig::default()
            };
            let (events, _, _) = run(&stream, config)?;
            let r = score(&stream, &events);
            let at = |size: u32| r.rows.iter().find(|row| row.per_hour == size);
            let recall30: Vec<f64> = r
                .rows
                .iter()
                .filter(|row| row.per_hour >= 30)
                .map(|row| row.recall())
                .collect();
            let min = |ms: Option<i64>| ms.map_or(f64::NAN, |m| m as f64 / 60_000.0);
            println!(
                "{support:<3} {z:<5} {p:<6.0e} {:>10.2} {:>12.2} {:>12.1} {:>13.1} {:>5.2}",
                at(10).map_or(0.0, |row| row.recall()),
                recall30.iter().sum::<f64>() / recall30.len().max(1) as f64,
                min(at(30).and_then(|row| row.median_delay_ms)),
                min(at(100).and_then(|row| row.median_delay_ms)),
                r.false_alerts_per_hour()
            );
        }
    }
    Ok(())
}

fn grid() -> Vec<(usize, f64, f64)> {
    let mut g = Vec::new();
    for support in [2, 3, 4, 5] {
        for z in [3.0, 3.5, 4.0, 5.0] {
            for p in [1e-4, 1e-5, 1e-6] {
                g.push((support, z, p));
            }
        }
    }
    g
}
