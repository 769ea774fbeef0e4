//! The few HTTP operations a fetch needs, on a blocking `ureq` agent.

use std::io::Read;
use std::time::Duration;

use crate::FetchError;

/// An agent with timeouts, so a dead host fails the fetch instead of hanging
/// it. The body timeout is generous: the largest pinned file is a few MB.
pub(crate) fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_recv_body(Some(Duration::from_secs(600)))
        .user_agent(concat!("tweetner-fetch/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::new_with_config(config)
}

/// Joins a base URL and a relative path with exactly one `/` between them.
pub(crate) fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Starts a GET and returns the body as a reader; non-2xx statuses are errors.
pub(crate) fn open(agent: &ureq::Agent, url: &str) -> Result<impl Read + 'static, FetchError> {
    match agent.get(url).call() {
        Ok(response) => Ok(response.into_body().into_reader()),
        Err(ureq::Error::StatusCode(status)) => Err(FetchError::HttpStatus {
            url: url.to_string(),
            status,
        }),
        Err(cause) => Err(FetchError::Http {
            url: url.to_string(),
            cause: Box::new(cause),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn join_normalises_slashes() {
        assert_eq!(join("http://h/a/", "/data/train"), "http://h/a/data/train");
        assert_eq!(join("http://h/a", "data/train"), "http://h/a/data/train");
    }
}
