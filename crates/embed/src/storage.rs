//! The compact binary cache format.
//!
//! One file, little-endian, so that loading 341k x 100 vectors is a single read plus a
//! linear decode (well under a second) instead of re-parsing 300 MB of JSON:
//!
//! ```text
//! offset  size  field
//! 0       8     magic  b"TWNEMB01"
//! 8       4     u32 precision (0 = f32, 1 = f16)
//! 12      4     u32 dim
//! 16      8     u64 number of words n
//! 24      8     u64 byte length L of the word list
//! 32      L     words, UTF-8, each terminated by b'\n'
//! 32+L    ...   n*dim values, row-major, 4 (f32) or 2 (f16) bytes each
//! ```

use std::io::Write;
use std::path::Path;

use half::f16;
use tweetner_core::fsio::AtomicFile;

use crate::embeddings::Embeddings;
use crate::error::EmbedError;

const MAGIC: &[u8; 8] = b"TWNEMB01";
const HEADER_LEN: usize = 32;

/// How vector values are stored on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// 4 bytes per value, lossless.
    F32,
    /// 2 bytes per value; GloVe values (|x| < 10) keep about 3 significant digits,
    /// far below what matters for a tagger, at half the size.
    F16,
}

impl Precision {
    fn code(self) -> u32 {
        match self {
            Precision::F32 => 0,
            Precision::F16 => 1,
        }
    }

    fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F16 => 2,
        }
    }
}

impl Embeddings {
    /// Writes the table in the binary cache format (via a temporary file, so an
    /// interrupted write never leaves a truncated cache behind).
    pub fn save(&self, path: &Path, precision: Precision) -> Result<(), EmbedError> {
        if let Some(w) = self.words.iter().find(|w| w.contains('\n')) {
            return Err(EmbedError::Invalid(format!(
                "word {w:?} contains a newline"
            )));
        }
        let word_bytes: usize = self.words.iter().map(|w| w.len() + 1).sum();
        let mut out = AtomicFile::create(path).map_err(|e| EmbedError::io(path, e))?;
        let write = |out: &mut AtomicFile, bytes: &[u8]| {
            out.write_all(bytes).map_err(|e| EmbedError::io(path, e))
        };
        write(&mut out, MAGIC)?;
        write(&mut out, &precision.code().to_le_bytes())?;
        write(&mut out, &(self.dim as u32).to_le_bytes())?;
        write(&mut out, &(self.words.len() as u64).to_le_bytes())?;
        write(&mut out, &(word_bytes as u64).to_le_bytes())?;
        for w in &self.words {
            write(&mut out, w.as_bytes())?;
            write(&mut out, b"\n")?;
        }
        let mut buf = Vec::with_capacity(self.dim * 4);
        for row in self.vectors.chunks(self.dim) {
            buf.clear();
            match precision {
                Precision::F32 => row
                    .iter()
                    .for_each(|x| buf.extend_from_slice(&x.to_le_bytes())),
                Precision::F16 => row
                    .iter()
                    .for_each(|x| buf.extend_from_slice(&f16::from_f32(*x).to_le_bytes())),
            }
            write(&mut out, &buf)?;
        }
        out.commit().map_err(|e| EmbedError::io(path, e))
    }

    /// Reads a table written by [`Embeddings::save`].
    pub fn load(path: &Path) -> Result<Embeddings, EmbedError> {
        let bytes = std::fs::read(path).map_err(|e| EmbedError::io(path, e))?;
        decode(&bytes).map_err(|m| EmbedError::format(path, m))
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn decode(b: &[u8]) -> Result<Embeddings, String> {
    if b.len() < HEADER_LEN || &b[..8] != MAGIC {
        return Err("not a tweetner embeddings file (bad magic)".into());
    }
    let precision = match u32_at(b, 8) {
        0 => Precision::F32,
        1 => Precision::F16,
        other => return Err(format!("unknown precision code {other}")),
    };
    let dim = u32_at(b, 12) as usize;
    let n = usize::try_from(u64_at(b, 16)).map_err(|_| "word count too large")?;
    let word_len = usize::try_from(u64_at(b, 24)).map_err(|_| "word list too large")?;
    let words_end = HEADER_LEN
        .checked_add(word_len)
        .filter(|&e| e <= b.len())
        .ok_or("file truncated inside the word list")?;
    let value_bytes = n
        .checked_mul(dim)
        .and_then(|v| v.checked_mul(precision.bytes()))
        .ok_or("header sizes overflow")?;
    if b.len() != words_end + value_bytes {
        return Err(format!(
            "expected {} bytes for {n} x {dim} values after the word list, found {}",
            value_bytes,
            b.len() - words_end
        ));
    }
    let text = std::str::from_utf8(&b[HEADER_LEN..words_end])
        .map_err(|e| format!("word list is not UTF-8: {e}"))?;
    let words: Vec<String> = text
        .strip_suffix('\n')
        .map(|t| t.split('\n').map(str::to_string).collect())
        .unwrap_or_default();
    if words.len() != n {
        return Err(format!(
            "header says {n} words, word list has {}",
            words.len()
        ));
    }
    let data = &b[words_end..];
    let vectors: Vec<f32> = match precision {
        Precision::F32 => data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Precision::F16 => data
            .chunks_exact(2)
            .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
    };
    Embeddings::new(dim, words, vectors).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Embeddings {
        let words = vec!["the".into(), "caf\u{e9}".into(), "#".into()];
        Embeddings::new(2, words, vec![0.5, -1.25, 3.0, 0.1, -0.2, 7.5]).unwrap()
    }

    #[test]
    fn roundtrip_f32_exact_and_f16_close() {
        let dir = tempfile::tempdir().unwrap();
        let e = sample();
        let p32 = dir.path().join("a.emb");
        e.save(&p32, Precision::F32).unwrap();
        assert_eq!(Embeddings::load(&p32).unwrap(), e);
        let p16 = dir.path().join("b.emb");
        e.save(&p16, Precision::F16).unwrap();
        let back = Embeddings::load(&p16).unwrap();
        assert_eq!(back.words, e.words);
        for (a, b) in back.vectors.iter().zip(&e.vectors) {
            assert!((a - b).abs() <= b.abs() * 1e-3, "{a} vs {b}");
        }
        assert!(std::fs::metadata(&p16).unwrap().len() < std::fs::metadata(&p32).unwrap().len());
    }

    #[test]
    fn rejects_corrupt_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.emb");
        sample().save(&p, Precision::F32).unwrap();
        let good = std::fs::read(&p).unwrap();
        for bad in [
            good[..good.len() - 1].to_vec(),
            good[..10].to_vec(),
            [b"XXXXXXXX".as_slice(), &good[8..]].concat(),
        ] {
            std::fs::write(&p, &bad).unwrap();
            let err = Embeddings::load(&p).unwrap_err().to_string();
            assert!(err.contains("c.emb"), "{err}");
        }
        assert!(Embeddings::load(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn empty_table_roundtrips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.emb");
        let e = Embeddings::new(3, vec![], vec![]).unwrap();
        e.save(&p, Precision::F16).unwrap();
        assert_eq!(Embeddings::load(&p).unwrap(), e);
    }

    #[test]
    fn newline_in_word_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let e = Embeddings::new(1, vec!["a\nb".into()], vec![1.0]).unwrap();
        assert!(e.save(&dir.path().join("x"), Precision::F32).is_err());
    }
}
