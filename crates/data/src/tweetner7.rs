//! Reading TweetNER7 (JSON lines `{"tokens": [...], "tags": [ids]}` with the
//! id → tag map in a separate `label.json`) into [`Sentence`]s, so that it can
//! be mapped onto WNUT-16 types with [`crate::TypeMap`], or serve as unlabelled
//! tweets for a teacher model to tag.
//!
//! TweetNER7 tokenizes differently from WNUT-16: it splits `#tag` into `#`
//! and `tag`, and masks users and links as `{{USERNAME}}` and `{{URL}}`.
//! A model trained on WNUT-16 sees hashtags whole and handles and links as
//! `@name` / `http…`, so [`Tweetner7Options::wnut_style`] rewrites those
//! three things; everything else is kept token for token.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::Deserialize;

use crate::conll::{check_token, Sentence};
use crate::error::DataError;
use crate::scheme::{is_valid_bio, parse_tag, Scheme};

/// What to change while reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tweetner7Options {
    /// Join `#` with the word after it, write `{{USERNAME}}` as `@user` and
    /// `{{URL}}` as `http://url` (WNUT-16's conventions).
    pub wnut_style: bool,
}

#[derive(Deserialize)]
struct Record {
    tokens: Vec<String>,
    tags: Vec<i64>,
}

/// Reads `label.json` (`{"B-person": 5, ...}`) into id → tag, checking that
/// the ids are exactly `0..n` and every tag is `O` or `B-`/`I-` typed.
pub fn read_tweetner7_labels(path: &Path) -> Result<Vec<String>, DataError> {
    let file = File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let map: BTreeMap<String, usize> =
        serde_json::from_reader(BufReader::new(file)).map_err(|source| DataError::Json {
            path: path.to_path_buf(),
            source,
        })?;
    let name = path.display().to_string();
    let mut id2tag = vec![None; map.len()];
    for (tag, id) in map {
        if parse_tag(&tag, Scheme::Bio).is_err() {
            return Err(DataError::parse(
                &name,
                1,
                format!("`{tag}` is not a BIO tag"),
            ));
        }
        match id2tag.get_mut(id) {
            Some(slot @ None) => *slot = Some(tag),
            Some(Some(other)) => {
                return Err(DataError::parse(
                    &name,
                    1,
                    format!("id {id} is given to both `{other}` and `{tag}`"),
                ))
            }
            None => {
                return Err(DataError::parse(
                    &name,
                    1,
                    format!(
                        "id {id} of `{tag}` is out of range: ids must be 0..{}",
                        id2tag.len()
                    ),
                ))
            }
        }
    }
    Ok(id2tag.into_iter().map(|t| t.unwrap_or_default()).collect())
}

/// Reads a TweetNER7 JSON-lines file. `labels` is `label.json`'s id → tag.
pub fn read_tweetner7(
    path: &Path,
    labels: &[String],
    opts: Tweetner7Options,
) -> Result<Vec<Sentence>, DataError> {
    let file = File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_tweetner7(
        BufReader::new(file),
        &path.display().to_string(),
        labels,
        opts,
    )
}

/// [`read_tweetner7`] over any reader; `source` names it in errors.
pub fn parse_tweetner7<R: BufRead>(
    reader: R,
    source: &str,
    labels: &[String],
    opts: Tweetner7Options,
) -> Result<Vec<Sentence>, DataError> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| DataError::Read {
            source_name: source.to_string(),
            line: line_no,
            source: e,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |m: String| DataError::parse(source, line_no, m);
        let rec: Record = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        if rec.tokens.is_empty() {
            return Err(bad("a tweet with no tokens".into()));
        }
        if rec.tokens.len() != rec.tags.len() {
            return Err(bad(format!(
                "{} tokens but {} tags",
                rec.tokens.len(),
                rec.tags.len()
            )));
        }
        let mut tokens = Vec::with_capacity(rec.tokens.len());
        let mut tags = Vec::with_capacity(rec.tags.len());
        for (t, (token, id)) in rec.tokens.into_iter().zip(rec.tags).enumerate() {
            let tag = usize::try_from(id)
                .ok()
                .and_then(|id| labels.get(id))
                .ok_or_else(|| {
                    bad(format!(
                        "token {}: tag id {id} is not in the label map",
                        t + 1
                    ))
                })?;
            let token = if opts.wnut_style {
                unmask(token)
            } else {
                token
            };
            if token.is_empty() || token.chars().any(char::is_whitespace) {
                return Err(bad(format!(
                    "token {}: {token:?} is empty or holds whitespace, which CoNLL cannot hold",
                    t + 1
                )));
            }
            check_token(&token).map_err(|e| bad(format!("token {}: {e}", t + 1)))?;
            tokens.push(token);
            tags.push(tag.clone());
        }
        let mut sentence = Sentence::new(tokens, tags);
        sentence.line = line_no;
        if opts.wnut_style {
            join_hashtags(&mut sentence);
        }
        if !is_valid_bio(&sentence.tags) {
            return Err(bad(
                "the tags are not valid BIO (an I- that continues nothing)".into(),
            ));
        }
        out.push(sentence);
    }
    Ok(out)
}

/// TweetNER7's masks as WNUT-16 would have them: `{{USERNAME}}` → `@user`,
/// `{{URL}}` → `http://url`, and a verified account `{@Google News@}` →
/// `@GoogleNews` (handles hold no spaces).
fn unmask(token: String) -> String {
    match token.as_str() {
        "{{USERNAME}}" => "@user".to_string(),
        "{{URL}}" => "http://url".to_string(),
        t => match t.strip_prefix("{@").and_then(|t| t.strip_suffix("@}")) {
            Some(name) if !name.trim().is_empty() => {
                format!("@{}", name.split_whitespace().collect::<String>())
            }
            _ => token,
        },
    }
}

/// Joins `#` and the word after it into one hashtag token.
fn join_hashtags(s: &mut Sentence) {
    let mut tokens = Vec::with_capacity(s.tokens.len());
    let mut tags: Vec<String> = Vec::with_capacity(s.tags.len());
    let mut i = 0;
    while i < s.tokens.len() {
        let token = &s.tokens[i];
        let next_is_word = s
            .tokens
            .get(i + 1)
            .and_then(|n| n.chars().next())
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if token == "#" && next_is_word {
            tokens.push(format!("#{}", s.tokens[i + 1]));
            // The hashtag belongs to an entity if either half did. An entity
            // starting at the word wins (its I- tags may follow); otherwise the
            // `#`'s tag stands, which keeps the tags valid BIO.
            let (hash, word) = (&s.tags[i], &s.tags[i + 1]);
            let tag = if word.starts_with("B-") || hash == "O" {
                word.clone()
            } else {
                hash.clone()
            };
            tags.push(tag);
            i += 2;
            continue;
        }
        tokens.push(token.clone());
        tags.push(s.tags[i].clone());
        i += 1;
    }
    s.tokens = tokens;
    s.tags = tags;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["B-event", "I-event", "O", "B-person", "I-person"]
            .map(String::from)
            .to_vec()
    }

    fn parse(text: &str, wnut: bool) -> Result<Vec<Sentence>, DataError> {
        parse_tweetner7(
            text.as_bytes(),
            "t.json",
            &labels(),
            Tweetner7Options { wnut_style: wnut },
        )
    }

    #[test]
    fn reads_tokens_and_maps_ids() {
        let s = parse(
            r#"{"id":"1","tokens":["Hi","Ann","Lee"],"tags":[2,3,4]}"#,
            false,
        )
        .unwrap();
        assert_eq!(s[0].tokens, ["Hi", "Ann", "Lee"]);
        assert_eq!(s[0].tags, ["O", "B-person", "I-person"]);
        assert_eq!(s[0].line, 1);
    }

    #[test]
    fn wnut_style_joins_hashtags_and_unmasks() {
        let line = r##"{"tokens":["{{USERNAME}}","#","ufc","#","!","{{URL}}","#","{@Google News@}"],"tags":[2,2,0,2,2,2,2,2]}"##;
        let s = parse(line, true).unwrap();
        assert_eq!(
            s[0].tokens,
            ["@user", "#ufc", "#", "!", "http://url", "#", "@GoogleNews"]
        );
        assert_eq!(s[0].tags, ["O", "B-event", "O", "O", "O", "O", "O"]);
        // Without the rewrite, the spaced handle cannot be written as CoNLL.
        let err = parse(line, false).unwrap_err().to_string();
        assert!(err.contains("token 8"), "{err}");
    }

    #[test]
    fn hash_that_starts_an_entity_keeps_its_b() {
        let s = parse(r##"{"tokens":["#","Ann","Lee"],"tags":[3,4,4]}"##, true).unwrap();
        assert_eq!(s[0].tokens, ["#Ann", "Lee"]);
        assert_eq!(s[0].tags, ["B-person", "I-person"]);
    }

    #[test]
    fn joining_keeps_bio_valid() {
        // `#` and the word start different entities; the word's continues after.
        let labels = ["O", "B-a", "I-a", "B-b", "I-b"].map(String::from).to_vec();
        let line = r##"{"tokens":["#","x","y","#","z"],"tags":[1,3,4,1,2]}"##;
        let opts = Tweetner7Options { wnut_style: true };
        let s = parse_tweetner7(line.as_bytes(), "t", &labels, opts).unwrap();
        assert_eq!(s[0].tokens, ["#x", "y", "#z"]);
        assert_eq!(s[0].tags, ["B-b", "I-b", "B-a"]);
    }

    #[test]
    fn bad_records_name_their_line() {
        for (body, needle) in [
            (r#"{"tokens":["a"],"tags":[9]}"#, "tag id 9"),
            (r#"{"tokens":["a"],"tags":[-1]}"#, "tag id -1"),
            (r#"{"tokens":["a","b"],"tags":[2]}"#, "2 tokens but 1 tags"),
            (r#"{"tokens":[],"tags":[]}"#, "no tokens"),
            (r#"{"tokens":["a b"],"tags":[2]}"#, "whitespace"),
            (r#"{"tokens":["\ufeffa"],"tags":[2]}"#, "byte-order mark"),
            (r#"{"tokens":["-DOCSTART-"],"tags":[2]}"#, "DOCSTART"),
            (r#"{"tokens":["a"],"tags":[1]}"#, "not valid BIO"),
            (r#"{"tokens":"a","tags":[1]}"#, "invalid type"),
            ("not json", "expected"),
        ] {
            let text = format!("{{\"tokens\":[\"ok\"],\"tags\":[2]}}\n\n{body}\n");
            let err = parse(&text, false).unwrap_err().to_string();
            assert!(err.starts_with("t.json:3:"), "{body}: {err}");
            assert!(err.contains(needle), "{body}: {err}");
        }
    }

    #[test]
    fn label_map_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("label.json");
        std::fs::write(&path, r#"{"O": 1, "B-x": 0, "I-x": 2}"#).unwrap();
        assert_eq!(read_tweetner7_labels(&path).unwrap(), ["B-x", "O", "I-x"]);
        for (body, needle) in [
            (r#"{"O": 0, "B-x": 0}"#, "given to both"),
            (r#"{"O": 0, "B-x": 5}"#, "out of range"),
            (r#"{"O": 0, "X-x": 1}"#, "not a BIO tag"),
        ] {
            std::fs::write(&path, body).unwrap();
            let err = read_tweetner7_labels(&path).unwrap_err().to_string();
            assert!(err.contains(needle), "{body}: {err}");
        }
    }
}
