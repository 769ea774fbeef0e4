//! The dashboard in a real headless browser (Debian's `chromium`): the page
//! runs its script against a server holding a replayed burst, and the DOM it
//! builds must show the burst in the trending list, the timeline, the
//! sparklines and the tweets behind it.
//!
//! Skipped with a message when no chromium is installed, unless
//! `TWEETNER_REQUIRE_BROWSER=1` (set by `.ci/run`, which installs it), so
//! CI cannot pass by skipping.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{start, trend_cfg};
use serde_json::{json, Value};
use tweetner_serve::testing::MockTagger;

const MIN: i64 = 60_000;
const T0: i64 = 1_366_000_000_000;

fn browser() -> Option<PathBuf> {
    let names = ["chromium", "chromium-browser", "google-chrome"];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

fn tweet(t: i64, id: &str, entity: (&str, &str)) -> Value {
    let text = format!("news about {} today", entity.0);
    json!({
        "id": id, "created_at": t, "author": format!("a-{id}"), "text": text,
        "entities": [{"text": entity.0, "type": entity.1, "start": 11, "end": 11 + entity.0.chars().count()}],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_a_replayed_burst_in_a_real_browser() {
    let Some(chromium) = browser() else {
        assert!(
            std::env::var("TWEETNER_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "TWEETNER_REQUIRE_BROWSER=1 but no chromium on PATH"
        );
        eprintln!("skipped: no chromium on PATH (apt install chromium)");
        return;
    };
    let config = trend_cfg();
    let s = start(MockTagger::new(), config).await;
    let mut tweets: Vec<Value> = (0..120)
        .map(|m| tweet(T0 + m * MIN, &format!("q{m}"), ("Paris", "geo-loc")))
        .collect();
    tweets.extend((0..40).map(|i| {
        tweet(
            T0 + 120 * MIN + i * 1000,
            &format!("b{i}"),
            ("Zorblat Quux", "person"),
        )
    }));
    let r = s
        .client()
        .await
        .post_json("/v1/trends/ingest", &json!({ "tweets": tweets }))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["events"].as_array().unwrap().len(), 1);

    // `live=0`: no event stream, so the network goes quiet and a virtual
    // time budget ends; the page's first full load sets `data-ready`.
    let url = format!(
        "http://{}/?live=0#entity=Zorblat%20Quux&type=person",
        s.addr
    );
    let profile = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                &format!("--user-data-dir={}", profile.path().display()),
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // Virtual time runs only while no fetch is pending, so the
                // DOM is taken after the page's fetches, however slow the
                // machine (a fixed real-time wait once lost that race in CI).
                "--virtual-time-budget=10000",
                "--dump-dom",
                &url,
            ])
            .output()
    })
    .await
    .unwrap()
    .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success() && dom.contains("data-ready=\"1\""),
        "status {:?}, stderr: {}\nDOM: {dom}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let section = |id: &str| {
        let at = dom
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id} in {dom}"));
        dom[at..].to_string()
    };
    // Trending: the burst, in its type's card, marked as bursting.
    let trending = section("trending");
    assert!(
        trending.contains("class=\"bursting\" data-entity=\"Zorblat Quux\" data-type=\"person\""),
        "{trending}"
    );
    // Most mentioned: Paris with a sparkline.
    let busiest = section("busiest");
    assert!(busiest.contains("data-entity=\"Paris\""), "{busiest}");
    assert!(busiest.contains("<polyline points="), "{busiest}");
    // The timeline holds the event; the tweets panel the tweets behind it,
    // with the entity highlighted at its offsets.
    assert!(section("timeline").contains("<strong>Zorblat Quux</strong>"));
    let tweets = section("tweets");
    assert!(
        tweets.contains("<mark class=\"ent\" data-type=\"person\">Zorblat Quux</mark>"),
        "{tweets}"
    );
    assert!(section("counters").contains("159 tweets"), "{dom}");
    s.stop().await.unwrap();
}
