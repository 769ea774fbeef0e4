//! A stable `__metadata__` order in a safetensors header.
//!
//! The writer keeps the file's metadata in a hash map, so two saves of the same weights
//! list its keys in different orders and the files differ in a few header bytes. Sorting
//! them in place makes a retrained model byte-identical to the one it reproduces, so a
//! checksum is enough to confirm a reproduction.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

const PREFIX: &[u8] = b"{\"__metadata__\":";

/// Rewrite the header of the safetensors file at `path` with its metadata keys sorted.
/// The header keeps its length (only the order of the pairs changes), so the tensors
/// after it are not touched. Files without metadata, or whose metadata is not a map of
/// strings written compactly, are left as they are: they are valid either way.
pub fn sort_metadata(path: &Path) -> io::Result<()> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len)?;
    let Ok(n) = usize::try_from(u64::from_le_bytes(len)) else {
        return Ok(());
    };
    let total = file.metadata()?.len();
    if n as u64 > total.saturating_sub(8) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("header length {n} exceeds the file ({total} bytes)"),
        ));
    }
    let mut header = vec![0u8; n];
    file.read_exact(&mut header)?;
    if let Some(sorted) = sorted_header(&header) {
        if sorted != header {
            file.seek(SeekFrom::Start(8))?;
            file.write_all(&sorted)?;
            file.sync_all()?;
        }
    }
    Ok(())
}

/// The header with its metadata pairs in key order, or `None` where that cannot be
/// done without changing the header's length.
fn sorted_header(header: &[u8]) -> Option<Vec<u8>> {
    let rest = header.strip_prefix(PREFIX)?;
    let mut stream =
        serde_json::Deserializer::from_slice(rest).into_iter::<BTreeMap<String, String>>();
    let map = stream.next()?.ok()?;
    let end = PREFIX.len() + stream.byte_offset();
    let written = serde_json::to_vec(&map).ok()?;
    if PREFIX.len() + written.len() != end {
        return None;
    }
    let mut out = header.to_vec();
    out[PREFIX.len()..end].copy_from_slice(&written);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with_header(header: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    const TENSOR: &str = r#""w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#;

    #[test]
    fn metadata_keys_come_out_sorted_and_the_rest_stays() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("w.safetensors");
        let a = format!(
            r#"{{"__metadata__":{{"version":"1","format":"pt","producer":"x"}},{TENSOR}}}  "#
        );
        let b = format!(
            r#"{{"__metadata__":{{"format":"pt","producer":"x","version":"1"}},{TENSOR}}}  "#
        );
        let data = [1u8, 2, 3, 4];
        std::fs::write(&path, file_with_header(&a, &data)).unwrap_or_else(|e| panic!("{e}"));
        sort_metadata(&path).unwrap_or_else(|e| panic!("{e}"));
        let got = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, file_with_header(&b, &data));
        // Already sorted: unchanged.
        sort_metadata(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&path).unwrap_or_else(|e| panic!("{e}")), got);
    }

    #[test]
    fn headers_it_cannot_sort_in_place_are_left_alone() {
        // No metadata; metadata that is not all strings; spaces inside the map.
        for h in [
            format!("{{{TENSOR}}}"),
            format!(r#"{{"__metadata__":{{"b":1,"a":"x"}},{TENSOR}}}"#),
            format!(r#"{{"__metadata__":{{"b":"y", "a":"x"}},{TENSOR}}}"#),
        ] {
            assert_eq!(sorted_header(h.as_bytes()), None, "{h}");
        }
    }

    #[test]
    fn a_header_longer_than_the_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("w.safetensors");
        let mut bytes = 1000u64.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"{}");
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
        assert!(sort_metadata(&path).is_err());
    }
}
