//! The detector as a pipeline stage: tagged JSONL records in, trend events
//! and `--top` snapshots out (what `tweetner trends` runs).
//!
//! It is an [`AnnotationSink`], so the pipeline's reader, tagging workers
//! and ordered writer feed it exactly as they feed the JSONL writer; records
//! that already carry entities go through [`TrendSink::observe_record`]
//! without a tagger. Output is one JSON object per line: a [`TrendEvent`]
//! (it has `entity`), or a snapshot `{"snapshot_at", "top"}`. A record it
//! cannot use (no time, an unreadable time) is reported on the reject stream
//! with its line, never dropped silently.

use std::io::{self, Write};

use serde_json::{json, Map, Value};
use tweetner_pipeline::{rejected_json, AnnotationSink, Tagged};

use crate::detector::TrendDetector;
use crate::event::{DetectorStats, TrendEvent, TweetObservation};
use crate::time::parse_time;

/// Which input fields hold what; dotted names reach into objects
/// (`user.screen_name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNames {
    /// The tweet's time (ISO 8601, `created_at` or epoch seconds/ms).
    pub time: String,
    /// The tweet id (string or number); records without one count as distinct.
    pub id: String,
    /// The author, if the input has one (distinct authors make a trend).
    pub author: Option<String>,
    /// The id of the retweeted tweet, if the input says; a text starting
    /// with `RT @` also marks a retweet.
    pub retweet_of: Option<String>,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            time: "created_at".into(),
            id: "id".into(),
            author: None,
            retweet_of: None,
        }
    }
}

/// What a [`TrendSink`] did with its input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SinkCounts {
    /// Records given to the detector.
    pub observed: u64,
    /// Records reported as unusable.
    pub rejected: u64,
    /// Trend events written.
    pub events: u64,
    /// Snapshots written.
    pub snapshots: u64,
}

/// Feeds a [`TrendDetector`] and writes what it finds.
pub struct TrendSink {
    detector: TrendDetector,
    out: Box<dyn Write + Send>,
    rejects: Box<dyn Write + Send>,
    fields: FieldNames,
    /// `(k, every_ms)`: write the top `k` each time event time crosses a
    /// multiple of `every_ms`.
    top: Option<(usize, i64)>,
    next_snapshot: Option<i64>,
    counts: SinkCounts,
}

/// The non-null value at a dotted `path` (`user.screen_name`) of a record.
pub fn lookup<'a>(fields: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut v = fields.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    Some(v).filter(|v| !v.is_null())
}

/// An id-like value as a string: a string as it is, anything else as JSON.
pub fn as_id(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl TrendSink {
    /// A sink writing events to `out` and unusable records to `rejects`.
    pub fn new(
        detector: TrendDetector,
        out: Box<dyn Write + Send>,
        rejects: Box<dyn Write + Send>,
        fields: FieldNames,
    ) -> Self {
        TrendSink {
            detector,
            out,
            rejects,
            fields,
            top: None,
            next_snapshot: None,
            counts: SinkCounts::default(),
        }
    }

    /// Also write the top `k` trends whenever event time crosses a multiple
    /// of `every_ms` (at least 1 ms).
    pub fn with_snapshots(mut self, k: usize, every_ms: i64) -> Self {
        self.top = Some((k, every_ms.max(1)));
        self
    }

    /// Observe one input record with its entities (`(text, type)` pairs):
    /// from the tagger, or given by already-tagged input.
    ///
    /// # Errors
    /// Writing the output failed.
    pub fn observe_record(
        &mut self,
        line: usize,
        text: &str,
        fields: &Map<String, Value>,
        entities: Vec<(String, String)>,
    ) -> io::Result<()> {
        let Some(time) = lookup(fields, &self.fields.time) else {
            let msg = format!(
                "no `{}` field: trends needs each tweet's time",
                self.fields.time
            );
            return self.reject(line, &msg);
        };
        let time_ms = match parse_time(time) {
            Ok(t) => t,
            Err(e) => return self.reject(line, &format!("field `{}`: {e}", self.fields.time)),
        };
        let id = lookup(fields, &self.fields.id).map_or_else(|| format!("line:{line}"), as_id);
        let author = self
            .fields
            .author
            .as_deref()
            .and_then(|a| lookup(fields, a))
            .map(as_id);
        let original_id = self
            .fields
            .retweet_of
            .as_deref()
            .and_then(|r| lookup(fields, r))
            .map(as_id);
        let is_retweet = original_id.is_some() || text.starts_with("RT @");
        self.snapshots_until(time_ms)?;
        let events = self.detector.observe(TweetObservation {
            time_ms,
            id,
            author,
            is_retweet,
            original_id,
            entities,
        });
        self.counts.observed += 1;
        self.write_events(&events)
    }

    /// Write the snapshots due before `time_ms`.
    fn snapshots_until(&mut self, time_ms: i64) -> io::Result<()> {
        let Some((k, every)) = self.top else {
            return Ok(());
        };
        let next = *self
            .next_snapshot
            .get_or_insert_with(|| (time_ms.div_euclid(every) + 1) * every);
        if time_ms >= next {
            self.write_snapshot(next, k)?;
            self.next_snapshot = Some((time_ms.div_euclid(every) + 1) * every);
        }
        Ok(())
    }

    fn write_snapshot(&mut self, at: i64, k: usize) -> io::Result<()> {
        let snapshot = json!({ "snapshot_at": at, "top": self.detector.top(k, None) });
        serde_json::to_writer(&mut self.out, &snapshot)?;
        self.out.write_all(b"\n")?;
        self.counts.snapshots += 1;
        Ok(())
    }

    fn write_events(&mut self, events: &[TrendEvent]) -> io::Result<()> {
        for e in events {
            serde_json::to_writer(&mut self.out, e)?;
            self.out.write_all(b"\n")?;
            self.counts.events += 1;
        }
        Ok(())
    }

    /// Apply what the lateness buffer still holds, write the last events and
    /// a final snapshot, and flush.
    ///
    /// # Errors
    /// Writing the output failed.
    pub fn finish(mut self) -> io::Result<(SinkCounts, DetectorStats)> {
        let events = self.detector.flush();
        self.write_events(&events)?;
        if let Some((k, _)) = self.top {
            let at = self.detector.max_time_ms().unwrap_or(0);
            self.write_snapshot(at, k)?;
        }
        self.out.flush()?;
        self.rejects.flush()?;
        Ok((self.counts, self.detector.stats()))
    }
}

impl AnnotationSink for TrendSink {
    fn write(&mut self, rec: Tagged) -> io::Result<()> {
        match rec {
            Tagged::Text {
                line,
                text,
                fields: Some(fields),
                annotation,
            } => {
                let entities = annotation
                    .entities
                    .into_iter()
                    .map(|e| (e.text, e.ty))
                    .collect();
                self.observe_record(line, &text, &fields, entities)
            }
            Tagged::Text { line, .. } | Tagged::Tokens { line, .. } => {
                self.reject(line, "trends needs JSONL records with a time field")
            }
        }
    }

    fn reject(&mut self, line: usize, error: &str) -> io::Result<()> {
        self.counts.rejected += 1;
        serde_json::to_writer(&mut self.rejects, &rejected_json(line, error))?;
        self.rejects.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.rejects.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TrendConfig;
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn lines(&self) -> Vec<Value> {
            let bytes = self.0.lock().expect("lock").clone();
            String::from_utf8(bytes)
                .expect("utf8")
                .lines()
                .map(|l| serde_json::from_str(l).expect("json"))
                .collect()
        }
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    #[test]
    fn a_burst_in_tagged_records_becomes_an_event_and_bad_times_are_rejected() {
        let (out, rejects) = (Shared::default(), Shared::default());
        let detector = TrendDetector::new(TrendConfig::default()).expect("detector");
        let fields = FieldNames {
            author: Some("user.name".into()),
            ..FieldNames::default()
        };
        let mut sink = TrendSink::new(
            detector,
            Box::new(out.clone()),
            Box::new(rejects.clone()),
            fields,
        )
        .with_snapshots(3, 3_600_000);
        let start = 1_366_000_000_000_i64;
        // Six quiet hours of background chatter, then forty authors on one name
        // within ten minutes.
        let mut line = 0;
        for i in 0..2_000 {
            line += 1;
            let t = start + i * 10_800;
            let rec = obj(
                json!({"id": line, "created_at": t, "user": {"name": format!("u{}", i % 300)}}),
            );
            let ent = vec![(format!("Topic{}", i % 40), "other".to_string())];
            sink.observe_record(line as usize, "chatter", &rec, ent)
                .expect("write");
        }
        let burst_at = start + 2_000 * 10_800;
        for a in 0..40 {
            line += 1;
            let t = burst_at + a * 15_000;
            let rec =
                obj(json!({"id": line, "created_at": t, "user": {"name": format!("fan{a}")}}));
            let ent = vec![("Boston Marathon".to_string(), "other".to_string())];
            sink.observe_record(line as usize, "news", &rec, ent)
                .expect("write");
        }
        let rec = obj(json!({"id": 0, "created_at": "last tuesday"}));
        sink.observe_record(9_999, "x", &rec, vec![])
            .expect("reject");
        sink.observe_record(10_000, "x", &obj(json!({"id": 1})), vec![])
            .expect("reject");
        let (counts, stats) = sink.finish().expect("finish");
        assert_eq!((counts.observed, counts.rejected), (2_040, 2));
        assert_eq!(stats.tweets_in, 2_040);
        let lines = out.lines();
        let events: Vec<&Value> = lines.iter().filter(|l| l.get("entity").is_some()).collect();
        assert!(
            events
                .iter()
                .any(|e| e["entity"] == "Boston Marathon"
                    && e["detected_at"].as_i64() >= Some(burst_at)),
            "{events:?}"
        );
        let snapshots = lines
            .iter()
            .filter(|l| l.get("snapshot_at").is_some())
            .count();
        assert_eq!(snapshots as u64, counts.snapshots);
        assert!(
            snapshots >= 6,
            "hourly snapshots over six hours and a final one: {snapshots}"
        );
        let rejected = rejects.lines();
        assert_eq!(rejected[0]["line"], 9_999);
        assert!(rejected[0]["error"]
            .as_str()
            .expect("msg")
            .contains("created_at"));
        assert!(rejected[1]["error"]
            .as_str()
            .expect("msg")
            .contains("no `created_at` field"));
    }
}
