//! [`Lexicon`]: a checked `.lex` image (memory-mapped or owned) and exact lookup.

use std::fs::File;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use fst::raw::Fst;
use memmap2::Mmap;

use crate::error::{LexiconError, Result};
use crate::format::{self, LexiconInfo, TypeInfo, MAX_TYPES};
use crate::normalize::normalize;

/// Default longest n-gram, in tokens, that [`Lexicon::annotate`] tries.
pub const DEFAULT_MAX_NGRAM: usize = 6;

/// A set of type ids (positions in [`Lexicon::types`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TypeSet(pub u64);

impl TypeSet {
    /// Whether type `ty` is in the set.
    pub fn contains(self, ty: usize) -> bool {
        ty < MAX_TYPES && self.0 >> ty & 1 == 1
    }

    /// Number of types in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The type ids, ascending.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let ty = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                ty
            })
        })
    }
}

/// What the lexicon knows about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The types the key is listed under.
    pub types: TypeSet,
    sources: [u8; MAX_TYPES],
}

impl Entry {
    pub(crate) fn new(bits: u64, counts: &[u8]) -> Entry {
        let mut sources = [0u8; MAX_TYPES];
        let n = counts.len().min(MAX_TYPES);
        sources[..n].copy_from_slice(&counts[..n]);
        Entry {
            types: TypeSet(bits),
            sources,
        }
    }

    /// Distinct sources that list the key under type `ty` (0 when it is not of
    /// that type; saturates at 255).
    pub fn sources(&self, ty: usize) -> u8 {
        self.sources.get(ty).copied().unwrap_or(0)
    }
}

/// The bytes of an image: read into memory or mapped from a file.
enum Backing {
    Owned(Vec<u8>),
    Mapped(Mmap),
}

impl Backing {
    fn bytes(&self) -> &[u8] {
        match self {
            Backing::Owned(v) => v,
            Backing::Mapped(m) => m,
        }
    }
}

/// The fst section of a shared image, so the `Fst` can own its bytes.
#[derive(Clone)]
pub(crate) struct Section {
    data: Arc<Backing>,
    range: Range<usize>,
}

impl AsRef<[u8]> for Section {
    fn as_ref(&self) -> &[u8] {
        &self.data.bytes()[self.range.clone()]
    }
}

/// Maps `file` read-only.
///
/// This is the crate's only `unsafe`. The lints deny unsafe code everywhere
/// else (see Cargo.toml); [`Lexicon::read`] is the safe alternative.
#[allow(unsafe_code)]
fn map_file(file: &File) -> std::io::Result<Mmap> {
    // SAFETY: `Mmap::map` is unsafe because another process could truncate or
    // rewrite the file while it is mapped, which would change bytes that safe
    // code holds as `&[u8]` (or raise SIGBUS). `.lex` files are immutable by
    // convention: `Lexicon::write` and `compile_tsv` write a temporary file and
    // rename it over the target, which leaves existing mappings of the old file
    // intact. A process that edits a `.lex` file in place breaks this contract.
    unsafe { Mmap::map(file) }
}

/// A compiled gazetteer: normalised keys in an fst, values in a small table.
///
/// Cheap to open (the image is mapped, not parsed; opening reads it once to
/// verify its checksum) and `Send + Sync`, so one instance can serve every
/// thread. See [`crate::format`] for the file layout and [`crate::annotate`]
/// for token lookup.
pub struct Lexicon {
    data: Arc<Backing>,
    pub(crate) fst: Fst<Section>,
    values: Range<usize>,
    n_types: usize,
    info: LexiconInfo,
    pub(crate) max_ngram: usize,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon")
            .field("keys", &self.info.keys)
            .field("types", &self.info.types.len())
            .field("bytes", &self.as_bytes().len())
            .field("mapped", &matches!(*self.data, Backing::Mapped(_)))
            .finish()
    }
}

impl Lexicon {
    /// Memory-maps and checks a `.lex` file.
    pub fn open(path: impl AsRef<Path>) -> Result<Lexicon> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| LexiconError::io(path, e))?;
        let map = map_file(&file).map_err(|e| LexiconError::io(path, e))?;
        Lexicon::from_backing(Backing::Mapped(map)).map_err(|e| e.in_file(path))
    }

    /// Reads a `.lex` file into memory and checks it (no `mmap`).
    pub fn read(path: impl AsRef<Path>) -> Result<Lexicon> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| LexiconError::io(path, e))?;
        Lexicon::from_bytes(bytes).map_err(|e| e.in_file(path))
    }

    /// Checks an in-memory `.lex` image and takes ownership of it.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Lexicon> {
        Lexicon::from_backing(Backing::Owned(bytes))
    }

    fn from_backing(backing: Backing) -> Result<Lexicon> {
        let layout = format::parse(backing.bytes())?;
        let data = Arc::new(backing);
        let section = Section {
            data: Arc::clone(&data),
            range: layout.fst.clone(),
        };
        let fst =
            Fst::new(section).map_err(|e| LexiconError::format(format!("fst section: {e}")))?;
        if fst.len() as u64 != layout.info.keys {
            return Err(LexiconError::format(format!(
                "fst has {} keys, the info says {}",
                fst.len(),
                layout.info.keys
            )));
        }
        Ok(Lexicon {
            data,
            fst,
            values: layout.values,
            n_types: layout.n_types,
            info: layout.info,
            max_ngram: DEFAULT_MAX_NGRAM,
        })
    }

    /// The whole `.lex` image.
    pub fn as_bytes(&self) -> &[u8] {
        self.data.bytes()
    }

    /// Writes the image to `path`, through a temporary file renamed over it, so
    /// processes that have the old file mapped keep a consistent view.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        let io = |e| LexiconError::io(&tmp, e);
        let mut file = File::create(&tmp).map_err(io)?;
        file.write_all(self.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|e| LexiconError::io(path, e))
    }

    /// What went into the lexicon: types, licences, sources and counts.
    pub fn info(&self) -> &LexiconInfo {
        &self.info
    }

    /// The entity types; a type id is a position in this slice.
    pub fn types(&self) -> &[TypeInfo] {
        &self.info.types
    }

    /// The id of the type called `name`.
    pub fn type_id(&self, name: &str) -> Option<usize> {
        self.info.types.iter().position(|t| t.name == name)
    }

    /// The name of type `ty`.
    pub fn type_name(&self, ty: usize) -> Option<&str> {
        self.info.types.get(ty).map(|t| t.name.as_str())
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.fst.len()
    }

    /// Whether the lexicon has no keys.
    pub fn is_empty(&self) -> bool {
        self.fst.len() == 0
    }

    /// The longest n-gram (in tokens) [`Lexicon::annotate`] tries.
    pub fn max_ngram(&self) -> usize {
        self.max_ngram
    }

    /// Sets the longest n-gram (in tokens, at least 1) that lookup tries.
    pub fn set_max_ngram(&mut self, n: usize) {
        self.max_ngram = n.max(1);
    }

    /// Exact lookup of a phrase, after [`normalize`] (`"A.C. Milan"` and
    /// `"#ACMilan"` both look up `ac milan`).
    pub fn get(&self, phrase: &str) -> Option<Entry> {
        self.get_key(&normalize(phrase))
    }

    /// Exact lookup of an already normalised key.
    pub fn get_key(&self, key: &str) -> Option<Entry> {
        self.fst
            .get(key.as_bytes())
            .and_then(|out| self.entry(out.value()))
    }

    /// The entry of fst value `value` (a record number; `None` if out of range,
    /// which a checked file never has).
    pub(crate) fn entry(&self, value: u64) -> Option<Entry> {
        let values = &self.as_bytes()[self.values.clone()];
        let r = usize::try_from(value).ok()?;
        format::record(values, self.n_types, r).map(|(bits, counts)| Entry::new(bits, counts))
    }

    /// Walks every key and checks that its value names a record and that the
    /// key is in normal form. [`Lexicon::open`] already verified the checksum;
    /// this is a deeper, slower (one pass over all keys) check for tests and
    /// tools.
    pub fn verify(&self) -> Result<()> {
        use fst::Streamer;
        let mut stream = self.fst.stream();
        let mut buf = String::new();
        while let Some((key, out)) = stream.next() {
            let shown = String::from_utf8_lossy(key);
            if self.entry(out.value()).is_none() {
                return Err(LexiconError::format(format!("key {shown:?}: bad value")));
            }
            let Ok(key) = std::str::from_utf8(key) else {
                return Err(LexiconError::format(format!("key {shown:?}: not UTF-8")));
            };
            crate::normalize::normalize_into(key, &mut buf);
            if buf != key {
                return Err(LexiconError::format(format!(
                    "key {key:?} is not normalised"
                )));
            }
        }
        Ok(())
    }
}
