//! What a checkpoint must share with the run that resumes it.
//!
//! A resume has to refuse a checkpoint trained on other data or with other
//! settings, but not one whose files merely moved (a renamed checkout, a
//! relocated cache). So the fingerprint is taken over the settings with every
//! path blanked by the caller, plus the checksums of the inputs that the
//! resumed run reads again.

use serde::Serialize;
use tweetner_tagger::DataFile;

/// Hex SHA-256 over `settings` (as JSON) and each input's role, checksum and
/// item count, in order. Paths in `inputs` are not part of it.
pub fn fingerprint<S: Serialize>(settings: &S, inputs: &[DataFile]) -> String {
    let pinned: Vec<(&str, &str, usize)> = inputs
        .iter()
        .map(|f| (f.role.as_str(), f.sha256.as_str(), f.items))
        .collect();
    // Serialising plain config structs cannot fail; an empty string would still
    // differ from every real fingerprint.
    let json = serde_json::to_string(&(settings, pinned)).unwrap_or_default();
    crate::checksum::sha256_hex(json.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, sha: &str) -> DataFile {
        DataFile {
            role: "train".into(),
            path: path.into(),
            sha256: sha.into(),
            items: 3,
        }
    }

    #[test]
    fn moved_files_keep_the_fingerprint_changed_contents_do_not() {
        let a = fingerprint(&("lr", 0.1), &[file("/old/train.conll", "aa")]);
        assert_eq!(a, fingerprint(&("lr", 0.1), &[file("/new/t.conll", "aa")]));
        assert_ne!(
            a,
            fingerprint(&("lr", 0.1), &[file("/old/train.conll", "ab")])
        );
        assert_ne!(
            a,
            fingerprint(&("lr", 0.2), &[file("/old/train.conll", "aa")])
        );
        assert_ne!(a, fingerprint(&("lr", 0.1), &[]));
        assert_eq!(a.len(), 64);
    }
}
