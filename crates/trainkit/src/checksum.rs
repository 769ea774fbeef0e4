//! SHA-256 checksums that pin a run's inputs, for model cards and checkpoint
//! fingerprints: both trainers must compute them the same way, or a card
//! written by one could not be compared with the other's.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::KitError;

/// SHA-256 of a file, hex (streamed: embedding tables and weights are large).
pub fn sha256_file(path: &Path) -> Result<String, KitError> {
    let mut f = std::fs::File::open(path).map_err(|e| KitError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| KitError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// SHA-256 over a directory's files: of the sorted lines `name\0sha256\n`.
pub fn sha256_dir(dir: &Path) -> Result<String, KitError> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| KitError::io(dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name())
        .collect();
    names.sort();
    let mut h = Sha256::new();
    for n in names {
        let file_hash = sha256_file(&dir.join(&n))?;
        h.update(n.to_string_lossy().as_bytes());
        h.update([0u8]);
        h.update(file_hash.as_bytes());
        h.update(b"\n");
    }
    Ok(hex(&h.finalize()))
}

/// SHA-256 of bytes in memory, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_stable_and_content_based() {
        let d = tempfile::tempdir().expect("dir");
        std::fs::write(d.path().join("a"), "abc").expect("write");
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_file(&d.path().join("a")).expect("hash"), abc);
        assert_eq!(sha256_hex(b"abc"), abc);
        let h1 = sha256_dir(d.path()).expect("dir hash");
        std::fs::write(d.path().join("b"), "x").expect("write");
        let h2 = sha256_dir(d.path()).expect("dir hash");
        assert_ne!(h1, h2);
        assert!(sha256_file(&d.path().join("missing"))
            .unwrap_err()
            .to_string()
            .contains("missing"));
    }
}
