//! A worker's counters in the Prometheus text format, and a tiny endpoint
//! that serves them. A bus worker has no HTTP server of its own to hang
//! them on, and one `GET /metrics` needs no framework.

use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds (seconds) of the latency buckets: from taking a message off
/// the bus to acknowledging it, so it holds the batch's tagging, publishing
/// and the bus's confirmation.
const LATENCY_BOUNDS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// What one worker has done; shared by its source, its sink and the endpoint.
#[derive(Debug)]
pub struct Metrics {
    bus: &'static str,
    /// Messages taken from the input.
    pub consumed: AtomicU64,
    /// Results published (confirmed or not yet).
    pub published: AtomicU64,
    /// Records sent to the dead-letter destination, with their error.
    pub dead_lettered: AtomicU64,
    /// Messages the bus said it had delivered before (NATS counts
    /// deliveries; Kafka cannot tell, so it stays 0 there).
    pub redelivered: AtomicU64,
    /// Messages acknowledged after their result was confirmed.
    pub acked: AtomicU64,
    /// Results the bus reported as duplicates of one it already had.
    pub duplicates: AtomicU64,
    /// Acknowledgements the bus refused (after a rebalance); their messages
    /// come again, which at-least-once allows.
    pub ack_failures: AtomicU64,
    /// Consumer-group rebalances seen (Kafka).
    pub rebalances: AtomicU64,
    /// Messages taken and not yet acknowledged.
    pub in_flight: AtomicI64,
    /// The most messages ever in flight at once.
    pub in_flight_peak: AtomicI64,
    /// Messages waiting on the bus for this worker's group, -1 until known.
    pub lag: AtomicI64,
    latency: Mutex<Histogram>,
}

#[derive(Debug)]
struct Histogram {
    counts: [u64; LATENCY_BOUNDS.len() + 1],
    sum: f64,
}

impl Metrics {
    /// Counters at zero for a worker on `bus`.
    pub fn new(bus: &'static str) -> Arc<Self> {
        Arc::new(Metrics {
            bus,
            consumed: AtomicU64::new(0),
            published: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            redelivered: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            ack_failures: AtomicU64::new(0),
            rebalances: AtomicU64::new(0),
            in_flight: AtomicI64::new(0),
            in_flight_peak: AtomicI64::new(0),
            lag: AtomicI64::new(-1),
            latency: Mutex::new(Histogram {
                counts: [0; LATENCY_BOUNDS.len() + 1],
                sum: 0.0,
            }),
        })
    }

    /// Adds one message's consumed-to-acknowledged time.
    pub fn observe_latency(&self, seconds: f64) {
        let mut h = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let i = LATENCY_BOUNDS
            .iter()
            .position(|&b| seconds <= b)
            .unwrap_or(LATENCY_BOUNDS.len());
        h.counts[i] += 1;
        h.sum += seconds;
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let bus = self.bus;
        let counters: [(&str, &str, &AtomicU64); 8] = [
            ("consumed", "messages taken from the input", &self.consumed),
            ("published", "results published", &self.published),
            (
                "dead_lettered",
                "records sent to the dead-letter destination",
                &self.dead_lettered,
            ),
            (
                "redelivered",
                "messages the bus delivered again",
                &self.redelivered,
            ),
            (
                "acked",
                "messages acknowledged after their result was confirmed",
                &self.acked,
            ),
            (
                "duplicates",
                "results the bus reported as duplicates",
                &self.duplicates,
            ),
            (
                "ack_failures",
                "acknowledgements the bus refused",
                &self.ack_failures,
            ),
            ("rebalances", "consumer-group rebalances", &self.rebalances),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP tweetner_bus_{name}_total {help}");
            let _ = writeln!(out, "# TYPE tweetner_bus_{name}_total counter");
            let _ = writeln!(
                out,
                "tweetner_bus_{name}_total{{bus=\"{bus}\"}} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let gauges: [(&str, &str, &AtomicI64); 3] = [
            (
                "in_flight",
                "messages taken and not yet acknowledged",
                &self.in_flight,
            ),
            (
                "in_flight_peak",
                "the most messages ever in flight at once",
                &self.in_flight_peak,
            ),
            (
                "consumer_lag",
                "messages waiting on the bus for this group (-1: unknown)",
                &self.lag,
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP tweetner_bus_{name} {help}");
            let _ = writeln!(out, "# TYPE tweetner_bus_{name} gauge");
            let _ = writeln!(
                out,
                "tweetner_bus_{name}{{bus=\"{bus}\"}} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let h = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let name = "tweetner_bus_record_latency_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} from taking a message to acknowledging it"
        );
        let _ = writeln!(out, "# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, count) in h.counts.iter().enumerate() {
            cumulative += count;
            let le = LATENCY_BOUNDS
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |b| b.to_string());
            let _ = writeln!(
                out,
                "{name}_bucket{{bus=\"{bus}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let _ = writeln!(out, "{name}_sum{{bus=\"{bus}\"}} {}", h.sum);
        let _ = writeln!(out, "{name}_count{{bus=\"{bus}\"}} {cumulative}");
        out
    }
}

/// Serves `GET /metrics` on `addr` from a thread of its own; returns the
/// bound address (port 0 picks a free one).
///
/// # Errors
/// The address cannot be bound.
pub fn serve_metrics(addr: SocketAddr, metrics: Arc<Metrics>) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)?;
    let bound = listener.local_addr()?;
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Err(e) = answer(stream, &metrics) {
                    tracing::debug!("metrics request: {e}");
                }
            }
        })?;
    Ok(bound)
}

fn answer(stream: TcpStream, metrics: &Metrics) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // Headers are read and ignored, so the client sees a clean close.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("");
    let (status, body) = if request.starts_with("GET ") && path == "/metrics" {
        ("200 OK", metrics.render())
    } else {
        (
            "404 Not Found",
            "only GET /metrics is served here\n".to_string(),
        )
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn render_has_every_series_and_a_cumulative_histogram() {
        let m = Metrics::new("kafka");
        m.consumed.fetch_add(3, Ordering::Relaxed);
        m.observe_latency(0.02);
        m.observe_latency(100.0);
        let text = m.render();
        assert!(text.contains("tweetner_bus_consumed_total{bus=\"kafka\"} 3"));
        assert!(text.contains("tweetner_bus_consumer_lag{bus=\"kafka\"} -1"));
        assert!(text.contains("le=\"0.025\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("tweetner_bus_record_latency_seconds_count{bus=\"kafka\"} 2"));
    }

    #[test]
    fn the_endpoint_answers_get_metrics_and_nothing_else() {
        let m = Metrics::new("nats");
        m.published.fetch_add(7, Ordering::Relaxed);
        let addr = serve_metrics("127.0.0.1:0".parse().unwrap(), m).unwrap();
        let get = |req: &str| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(req.as_bytes()).unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        };
        let ok = get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.contains("tweetner_bus_published_total{bus=\"nats\"} 7"));
        assert!(get("GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
    }
}
