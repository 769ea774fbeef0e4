//! tweetner as a worker of a message bus: raw tweets in from a Kafka topic or
//! a NATS JetStream subject, their entities out to another, at least once.
//!
//! ```text
//! Inbox ──► BusSource ──► pipeline (reader, tagging workers, ordered writer) ──► BusSink ──► Outbox
//!   ▲            └─ files each message in the Ledger ─┐                            │
//!   └───────────── acknowledged only after the bus confirmed its result ◄─────────┘
//! ```
//!
//! * [`worker`]: the bus-independent half ([`run_worker`], the [`Inbox`] and
//!   [`Outbox`] a bus implements, keys, dead letters, acknowledgement batches);
//! * [`follow`]: reading a topic without publishing (the trend feed of
//!   `tweetner serve --trends-bus`), acknowledged batch by batch;
//! * [`ledger`]: the messages taken and not yet acknowledged;
//! * [`metrics`]: Prometheus counters and a `GET /metrics` endpoint;
//! * [`testing`]: a throwaway `nats-server` for tests and benches;
//! * `kafka` (feature `kafka`): consumer groups with manual offset commits;
//! * `nats` (feature `nats`): a durable pull consumer with explicit acks.
//!
//! Scaling out is the bus's job: more workers in the same group (Kafka) or on
//! the same durable consumer (NATS) share the input, and the messages of a
//! worker that dies are delivered to the others.

pub mod error;
pub mod follow;
pub mod ledger;
pub mod metrics;
pub mod testing;
pub mod worker;

#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(feature = "nats")]
pub mod nats;

pub use error::BusError;
pub use follow::{follow, Acknowledge, FollowCounts, FollowOptions};
pub use metrics::{serve_metrics, Metrics};
pub use worker::{run_worker, Destination, Inbox, Incoming, Outbox, WorkerOptions};
