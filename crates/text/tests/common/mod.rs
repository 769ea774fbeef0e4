//! Shared helpers for the integration tests: locate and read the WNUT-16
//! CoNLL files.

/// Tweets of a WNUT-16 split as token lists (`token<TAB>tag` lines, blank
/// line between tweets).
pub fn load_split(name: &str) -> Vec<Vec<String>> {
    let path = tweetner_testdata::wnut16(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut tweets = Vec::new();
    let mut cur = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                tweets.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let tok = line.split('\t').next().unwrap_or(line);
        cur.push(tok.to_string());
    }
    if !cur.is_empty() {
        tweets.push(cur);
    }
    tweets
}
