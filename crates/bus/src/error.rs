//! What can go wrong talking to a bus. Each variant says which side failed,
//! so an operator knows whether to look at the consumer, the producer or the
//! connection.

/// A bus operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Connecting, or setting up topics, streams or consumers.
    #[error("setting up {bus}: {message}")]
    Setup {
        /// `kafka` or `nats`.
        bus: &'static str,
        /// What failed.
        message: String,
    },
    /// Taking messages from the input failed for good (transient errors are retried).
    #[error("consuming from {bus}: {message}")]
    Consume {
        /// `kafka` or `nats`.
        bus: &'static str,
        /// What failed.
        message: String,
    },
    /// A result or dead letter could not be stored by the bus; nothing after
    /// it was acknowledged, so its input is delivered again.
    #[error("publishing to {bus}: {message}")]
    Publish {
        /// `kafka` or `nats`.
        bus: &'static str,
        /// What failed.
        message: String,
    },
    /// Acknowledging (committing offsets) failed.
    #[error("acknowledging on {bus}: {message}")]
    Ack {
        /// `kafka` or `nats`.
        bus: &'static str,
        /// What failed.
        message: String,
    },
    /// A setting is out of range or inconsistent.
    #[error("invalid setting: {0}")]
    Config(String),
}

impl From<BusError> for std::io::Error {
    fn from(e: BusError) -> Self {
        std::io::Error::other(e)
    }
}
