//! A throwaway JetStream server for tests and benches: Debian's
//! `nats-server` on a free loopback port with its store in a temporary
//! directory, stopped and removed on drop. Kafka needs no such thing
//! (librdkafka's mock cluster runs in-process).

use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `nats-server -js`.
pub struct NatsServer {
    child: Child,
    dir: PathBuf,
    /// `nats://127.0.0.1:PORT`.
    pub url: String,
}

impl NatsServer {
    /// Starts one and waits until it listens.
    ///
    /// # Errors
    /// `nats-server` is not on `PATH` (`ErrorKind::NotFound`), or it did not
    /// listen within 20 s.
    pub fn start() -> io::Result<NatsServer> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir = std::env::temp_dir().join(format!("tweetner-nats-{}-{port}", std::process::id()));
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let server = NatsServer {
            child,
            dir,
            url: format!("nats://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if start.elapsed() > Duration::from_secs(20) {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "nats-server did not listen within 20 s",
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Publishes every payload to `subject` on the JetStream server at `url`,
/// creating a stream named `stream` for the subject when none captures it,
/// and returns once the server stored them all.
///
/// # Errors
/// The server cannot be reached or refused a message.
#[cfg(feature = "nats")]
pub fn publish_all(
    url: &str,
    stream: &str,
    subject: &str,
    payloads: impl IntoIterator<Item = Vec<u8>>,
) -> Result<(), String> {
    use async_nats::jetstream;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = async_nats::connect(url).await.map_err(|e| e.to_string())?;
        let js = jetstream::new(client);
        if js.stream_by_subject(subject).await.is_err() {
            js.get_or_create_stream(jetstream::stream::Config {
                name: stream.to_string(),
                subjects: vec![subject.to_string()],
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        }
        let mut pending = Vec::new();
        for p in payloads {
            pending.push(
                js.publish(subject.to_string(), p.into())
                    .await
                    .map_err(|e| e.to_string())?,
            );
            if pending.len() >= 512 {
                for a in pending.drain(..) {
                    a.await.map_err(|e| e.to_string())?;
                }
            }
        }
        for a in pending {
            a.await.map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}
