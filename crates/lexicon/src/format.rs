//! The `.lex` file: one self-contained, position-independent image that is
//! memory-mapped as is.
//!
//! All integers are little-endian.
//!
//! ```text
//! offset  size  field
//! 0       8     magic  b"TWLEXFST"
//! 8       4     format version (u32) = 1
//! 12      4     reserved, 0
//! 16      8     M: length of the info section (u64)
//! 24      8     V: length of the value table (u64)
//! 32      8     F: length of the fst map (u64)
//! 40      8     checksum (u64) of bytes 48.. to the end, see `checksum`
//! 48      M     info: UTF-8 JSON of `LexiconInfo` (types, licences, sources, counts)
//! 48+M    V     value table
//! 48+M+V  F     fst map (fst crate, format 3): normalised key → record number
//! ```
//!
//! The file is exactly `48 + M + V + F` bytes. The value table is
//!
//! ```text
//! u32 T  number of types (= info.types.len(), at most 64)
//! u32 N  number of records
//! N × (u64 type bits, T × u8 distinct sources per type, 0 where the bit is clear)
//! ```
//!
//! Records are deduplicated: most keys share a handful of patterns ("one
//! movie source"), so the table is a few kB and a key costs only its fst
//! bytes. Type ids are positions in `info.types`, which is sorted by name, so
//! the same rows always give the same bytes. Source counts saturate at 255.
//!
//! A reader must refuse any other magic or version; every length is checked
//! against the file size before it is used and the checksum is verified on
//! open, so truncation and corruption are errors, never panics or wrong answers.

use serde::{Deserialize, Serialize};

use crate::error::{LexiconError, Result};
use crate::licence::{LicenceClass, LicencePolicy};

/// First bytes of every `.lex` file.
pub const MAGIC: &[u8; 8] = b"TWLEXFST";
/// The format version this crate writes and reads.
pub const VERSION: u32 = 1;
/// Size of the fixed header.
pub(crate) const HEADER_LEN: usize = 48;
/// At most this many entity types (they are a `u64` bit set).
pub const MAX_TYPES: usize = 64;

/// What went into a lexicon: stored in the file so a model card can list its
/// sources and their licences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LexiconInfo {
    /// The licence policy of the build.
    pub policy: LicencePolicy,
    /// Entity types, sorted by name; a type's id is its position here.
    pub types: Vec<TypeInfo>,
    /// Every licence seen, kept or dropped, sorted by name.
    pub licences: Vec<LicenceInfo>,
    /// Every (source, licence) pair that contributed kept rows, sorted.
    pub sources: Vec<SourceInfo>,
    /// Rows read.
    pub rows: u64,
    /// Rows that went into the lexicon.
    pub rows_kept: u64,
    /// Rows dropped by the licence policy.
    pub rows_dropped_by_licence: u64,
    /// Rows whose entry normalised to an empty key (kept licence, skipped).
    pub rows_empty_key: u64,
    /// Distinct normalised keys.
    pub keys: u64,
    /// Most words in one key.
    pub max_words: u32,
}

/// One entity type of a lexicon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeInfo {
    /// Type name as in the list (`person`, `aux-road`, ...).
    pub name: String,
    /// Distinct keys of this type.
    pub keys: u64,
}

/// One licence string seen in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceInfo {
    /// The licence as written; `None` for rows without a licence column.
    pub licence: Option<String>,
    /// Its class.
    pub class: LicenceClass,
    /// Rows with this licence.
    pub rows: u64,
    /// Whether the policy kept them.
    pub kept: bool,
}

/// One source (list) that contributed rows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Source name (`-` when the list has no source column).
    pub name: String,
    /// Its licence, `None` when not stated.
    pub licence: Option<String>,
    /// Kept rows from it (before key deduplication).
    pub rows: u64,
}

/// The 64-bit checksum of the file body: a multiply-rotate hash over 8-byte
/// little-endian words (the last one zero-padded), seeded with the length.
/// It guards against truncation and bit rot, not against a forger.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (bytes.len() as u64) ^ 0x5bd1_e995_7f4a_0123;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K).rotate_left(29);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 31)
}

/// Assembles a file image from its sections.
pub(crate) fn assemble(info: &LexiconInfo, values: &[u8], fst: &[u8]) -> Result<Vec<u8>> {
    let meta = serde_json::to_vec(info)
        .map_err(|e| LexiconError::format(format!("encoding info: {e}")))?;
    let mut out = Vec::with_capacity(HEADER_LEN + meta.len() + values.len() + fst.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for len in [meta.len(), values.len(), fst.len()] {
        out.extend_from_slice(&(len as u64).to_le_bytes());
    }
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(values);
    out.extend_from_slice(fst);
    let sum = checksum(&out[HEADER_LEN..]);
    out[40..48].copy_from_slice(&sum.to_le_bytes());
    Ok(out)
}

/// Where the sections of a checked image are.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub info: LexiconInfo,
    pub values: std::ops::Range<usize>,
    pub fst: std::ops::Range<usize>,
    pub n_types: usize,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Checks the header, lengths, checksum, info and value table of an image.
pub(crate) fn parse(bytes: &[u8]) -> Result<Layout> {
    let bad = |m: String| Err(LexiconError::format(m));
    if bytes.len() < HEADER_LEN {
        return bad(format!("{} bytes, shorter than the header", bytes.len()));
    }
    if &bytes[..8] != MAGIC {
        return bad("bad magic (not a .lex file)".into());
    }
    let version = u32_at(bytes, 8);
    if version != VERSION {
        return bad(format!(
            "format version {version}, this reader knows {VERSION}"
        ));
    }
    if u32_at(bytes, 12) != 0 {
        return bad("reserved header field is not zero".into());
    }
    let lens = [u64_at(bytes, 16), u64_at(bytes, 24), u64_at(bytes, 32)];
    let body = bytes.len() - HEADER_LEN;
    let total = lens.iter().try_fold(0u64, |a, &l| a.checked_add(l));
    if total != Some(body as u64) {
        return bad(format!(
            "sections of {lens:?} bytes do not fill the {body}-byte body (truncated?)"
        ));
    }
    let (m, v) = (lens[0] as usize, lens[1] as usize);
    if checksum(&bytes[HEADER_LEN..]) != u64_at(bytes, 40) {
        return bad("checksum mismatch (corrupt file)".into());
    }
    let info_end = HEADER_LEN + m;
    let info: LexiconInfo = serde_json::from_slice(&bytes[HEADER_LEN..info_end])
        .map_err(|e| LexiconError::format(format!("info section: {e}")))?;
    let values = info_end..info_end + v;
    let n_types = check_values(&bytes[values.clone()], info.types.len())?;
    Ok(Layout {
        info,
        values: values.clone(),
        fst: values.end..bytes.len(),
        n_types,
    })
}

/// Validates a value table; returns the number of types.
fn check_values(v: &[u8], declared_types: usize) -> Result<usize> {
    let bad = |m: String| Err(LexiconError::format(format!("value table: {m}")));
    if v.len() < 8 {
        return bad(format!("{} bytes, shorter than its header", v.len()));
    }
    let t = u32_at(v, 0) as usize;
    let n = u32_at(v, 4) as usize;
    if t != declared_types || t > MAX_TYPES {
        return bad(format!("{t} types, the info lists {declared_types}"));
    }
    let rec = 8 + t;
    if n.checked_mul(rec).and_then(|x| x.checked_add(8)) != Some(v.len()) {
        return bad(format!(
            "{n} records of {rec} bytes do not fill {} bytes",
            v.len()
        ));
    }
    for r in 0..n {
        let at = 8 + r * rec;
        let bits = u64_at(v, at);
        if t < 64 && bits >> t != 0 {
            return bad(format!("record {r} names an undeclared type"));
        }
        for (ty, &c) in v[at + 8..at + rec].iter().enumerate() {
            if (c != 0) != (bits >> ty & 1 == 1) {
                return bad(format!("record {r}: source count disagrees with type bits"));
            }
        }
    }
    Ok(t)
}

/// Encodes a value table.
pub(crate) fn encode_values(n_types: usize, records: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + records.len() * (8 + n_types));
    out.extend_from_slice(&(n_types as u32).to_le_bytes());
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    for (bits, counts) in records {
        out.extend_from_slice(&bits.to_le_bytes());
        out.extend_from_slice(counts);
    }
    out
}

/// The (type bits, source counts) of record `r` of a checked value table.
pub(crate) fn record(v: &[u8], n_types: usize, r: usize) -> Option<(u64, &[u8])> {
    let at = 8usize.checked_add(r.checked_mul(8 + n_types)?)?;
    let end = at.checked_add(8 + n_types)?;
    if end > v.len() {
        return None;
    }
    Some((u64_at(v, at), &v[at + 8..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Vec<u8> {
        let info = LexiconInfo {
            types: vec![TypeInfo {
                name: "movie".into(),
                keys: 1,
            }],
            ..LexiconInfo::default()
        };
        let values = encode_values(1, &[(1, vec![2])]);
        assemble(&info, &values, b"not really an fst").unwrap()
    }

    #[test]
    fn parses_what_it_assembles() {
        let img = image();
        let l = parse(&img).unwrap();
        assert_eq!(l.n_types, 1);
        assert_eq!(&img[l.fst.clone()], b"not really an fst");
        assert_eq!(record(&img[l.values.clone()], 1, 0), Some((1, &[2u8][..])));
        assert_eq!(record(&img[l.values], 1, 1), None);
    }

    #[test]
    fn every_truncation_and_every_bit_flip_is_an_error() {
        let img = image();
        for len in 0..img.len() {
            assert!(parse(&img[..len]).is_err(), "truncated to {len}");
        }
        for at in 0..img.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = img.clone();
                bad[at] ^= bit;
                assert!(parse(&bad).is_err(), "flip {bit:#x} at {at}");
            }
        }
    }

    #[test]
    fn other_versions_are_refused() {
        let mut img = image();
        img[8] = 2;
        let msg = parse(&img).unwrap_err().to_string();
        assert!(msg.contains("version 2"), "{msg}");
    }
}
