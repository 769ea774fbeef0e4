//! Building a [`Lexicon`] from rows: licence filter, normalisation, merging
//! the types and sources of each key, and encoding the image.

use std::collections::{HashMap, HashSet};

use fst::MapBuilder;

use crate::error::{LexiconError, Result};
use crate::format::{self, LexiconInfo, LicenceInfo, SourceInfo, TypeInfo, MAX_TYPES};
use crate::licence::{LicenceClass, LicencePolicy};
use crate::normalize::normalize_into;
use crate::store::Lexicon;

/// How to build a lexicon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// Which rows to keep by licence ([`LicencePolicy::All`] by default).
    pub licences: LicencePolicy,
}

/// One entry of an entry list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// The entry as written (`Harold and Maude`).
    pub entry: &'a str,
    /// Its type (`movie`, `aux-road`, ...).
    pub ty: &'a str,
    /// The list it came from (`-` when unknown).
    pub source: &'a str,
    /// Its licence, `None` when not stated.
    pub licence: Option<&'a str>,
}

impl<'a> Row<'a> {
    /// A row without source or licence (source `-`, licence unknown).
    pub fn new(entry: &'a str, ty: &'a str) -> Row<'a> {
        Row {
            entry,
            ty,
            source: "-",
            licence: None,
        }
    }

    /// The same row from `source` under `licence`.
    pub fn from_source(self, source: &'a str, licence: &'a str) -> Row<'a> {
        Row {
            source,
            licence: Some(licence),
            ..self
        }
    }
}

/// One kept row: a key in `LexiconBuilder::keys`, its type and source ids.
#[derive(Debug, Clone, Copy)]
struct Pending {
    start: u32,
    len: u32,
    ty: u8,
    source: u32,
}

/// Collects rows (streaming: only kept keys are stored, packed in one buffer)
/// and compiles them with [`LexiconBuilder::finish`].
#[derive(Debug, Default)]
pub struct LexiconBuilder {
    policy: LicencePolicy,
    keys: String,
    pending: Vec<Pending>,
    types: Vec<String>,
    type_ids: HashMap<String, u8>,
    /// (source, licence) pairs and their kept rows.
    sources: Vec<SourceInfo>,
    source_ids: HashMap<String, Vec<(Option<String>, u32)>>,
    /// Rows per licence string, and rows without one.
    licence_rows: HashMap<String, u64>,
    unlicensed_rows: u64,
    info: LexiconInfo,
    scratch: String,
    added: usize,
    /// When set, only rows whose normalised key is here are kept.
    keep: Option<HashSet<String>>,
}

impl LexiconBuilder {
    /// An empty builder.
    pub fn new(options: &BuildOptions) -> LexiconBuilder {
        LexiconBuilder {
            policy: options.licences,
            ..LexiconBuilder::default()
        }
    }

    /// Keeps only rows whose normalised key is in `keys` (e.g. the keys a
    /// full build found in a corpus, [`Lexicon::keys_in`]), so a shipped
    /// list holds what its domain uses.
    #[must_use]
    pub fn keep_only(mut self, keys: HashSet<String>) -> Self {
        self.keep = Some(keys);
        self
    }

    /// Adds one row; a malformed row is a [`LexiconError::Row`] error.
    pub fn add(&mut self, row: &Row<'_>) -> Result<()> {
        let n = self.added;
        self.added += 1;
        self.add_row(row)
            .map_err(|message| LexiconError::Row { row: n, message })
    }

    /// Adds a row; the error is a message the caller places (row or file:line).
    pub(crate) fn add_row(&mut self, row: &Row<'_>) -> Result<(), String> {
        if row.entry.trim().is_empty() {
            return Err("empty entry".into());
        }
        let ty = row.ty.trim();
        if ty.is_empty() {
            return Err("empty type".into());
        }
        if ty.chars().any(char::is_whitespace) {
            return Err(format!("type {ty:?} contains whitespace"));
        }
        self.info.rows += 1;
        match row.licence {
            Some(l) => match self.licence_rows.get_mut(l) {
                Some(c) => *c += 1,
                None => {
                    self.licence_rows.insert(l.to_owned(), 1);
                }
            },
            None => self.unlicensed_rows += 1,
        }
        if !self.policy.keeps(row.licence) {
            self.info.rows_dropped_by_licence += 1;
            return Ok(());
        }
        normalize_into(row.entry, &mut self.scratch);
        if self.scratch.is_empty() {
            self.info.rows_empty_key += 1;
            return Ok(());
        }
        if self
            .keep
            .as_ref()
            .is_some_and(|k| !k.contains(&self.scratch))
        {
            return Ok(());
        }
        let ty = self.type_id(ty)?;
        let source = self.source_id(row.source.trim(), row.licence);
        let start = u32::try_from(self.keys.len())
            .ok()
            .filter(|s| s.checked_add(self.scratch.len() as u32).is_some())
            .ok_or("more than 4 GiB of keys")?;
        self.keys.push_str(&self.scratch);
        self.pending.push(Pending {
            start,
            len: self.scratch.len() as u32,
            ty,
            source,
        });
        self.info.rows_kept += 1;
        Ok(())
    }

    fn type_id(&mut self, ty: &str) -> Result<u8, String> {
        if let Some(&id) = self.type_ids.get(ty) {
            return Ok(id);
        }
        if self.types.len() == MAX_TYPES {
            return Err(format!("type {ty:?}: more than {MAX_TYPES} types"));
        }
        let id = self.types.len() as u8;
        self.types.push(ty.to_owned());
        self.type_ids.insert(ty.to_owned(), id);
        Ok(id)
    }

    fn source_id(&mut self, name: &str, licence: Option<&str>) -> u32 {
        let name = if name.is_empty() { "-" } else { name };
        let ids = match self.source_ids.get_mut(name) {
            Some(ids) => ids,
            None => self.source_ids.entry(name.to_owned()).or_default(),
        };
        if let Some((_, id)) = ids.iter().find(|(l, _)| l.as_deref() == licence) {
            self.sources[*id as usize].rows += 1;
            return *id;
        }
        let id = self.sources.len() as u32;
        ids.push((licence.map(str::to_owned), id));
        self.sources.push(SourceInfo {
            name: name.to_owned(),
            licence: licence.map(str::to_owned),
            rows: 1,
        });
        id
    }

    /// Rows added so far (kept or not).
    pub fn rows(&self) -> u64 {
        self.info.rows
    }

    /// Compiles the rows into a lexicon image and opens it.
    pub fn finish(mut self) -> Result<Lexicon> {
        // Type ids by name, so the image does not depend on row order.
        let mut order: Vec<usize> = (0..self.types.len()).collect();
        order.sort_by(|&a, &b| self.types[a].cmp(&self.types[b]));
        let mut remap = vec![0u8; self.types.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u8;
        }
        let n_types = self.types.len();
        let keys = std::mem::take(&mut self.keys);
        let key = |p: &Pending| &keys.as_bytes()[p.start as usize..(p.start + p.len) as usize];
        let mut pending = std::mem::take(&mut self.pending);
        for p in &mut pending {
            p.ty = remap[p.ty as usize];
        }
        pending.sort_unstable_by(|a, b| {
            key(a)
                .cmp(key(b))
                .then(a.ty.cmp(&b.ty))
                .then(a.source.cmp(&b.source))
        });

        let mut map = MapBuilder::memory();
        let mut records: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut record_ids: HashMap<(u64, Vec<u8>), u64> = HashMap::new();
        let mut type_keys = vec![0u64; n_types];
        let mut i = 0;
        while i < pending.len() {
            let k = key(&pending[i]);
            let mut j = i;
            let mut bits = 0u64;
            let mut counts = vec![0u8; n_types];
            while j < pending.len() && key(&pending[j]) == k {
                let p = pending[j];
                // Sorted by (type, source) within a key: count distinct pairs.
                let repeat =
                    j > i && pending[j - 1].ty == p.ty && pending[j - 1].source == p.source;
                if !repeat {
                    bits |= 1u64 << p.ty;
                    let c = &mut counts[p.ty as usize];
                    *c = c.saturating_add(1);
                }
                j += 1;
            }
            for (ty, tk) in type_keys.iter_mut().enumerate() {
                *tk += bits >> ty & 1;
            }
            let words = k.iter().filter(|&&b| b == b' ').count() as u32 + 1;
            self.info.max_words = self.info.max_words.max(words);
            let next = records.len() as u64;
            let id = *record_ids.entry((bits, counts.clone())).or_insert(next);
            if id == next {
                records.push((bits, counts));
            }
            map.insert(k, id)?;
            self.info.keys += 1;
            i = j;
        }
        let fst_bytes = map.into_inner()?;

        let mut info = self.info;
        info.policy = self.policy;
        info.types = order
            .iter()
            .map(|&old| TypeInfo {
                name: self.types[old].clone(),
                keys: type_keys[remap[old] as usize],
            })
            .collect();
        let policy = self.policy;
        let licence = |licence: Option<String>, rows| LicenceInfo {
            class: LicenceClass::of(licence.as_deref()),
            kept: policy.keeps(licence.as_deref()),
            licence,
            rows,
        };
        info.licences = self
            .licence_rows
            .into_iter()
            .map(|(l, rows)| licence(Some(l), rows))
            .collect();
        if self.unlicensed_rows > 0 {
            info.licences.push(licence(None, self.unlicensed_rows));
        }
        info.licences.sort_by(|a, b| a.licence.cmp(&b.licence));
        info.sources = self.sources;
        info.sources.sort();
        let values = format::encode_values(n_types, &records);
        Lexicon::from_bytes(format::assemble(&info, &values, &fst_bytes)?)
    }
}

impl Lexicon {
    /// Builds a lexicon from rows (in memory; see [`crate::compile_tsv`] for
    /// entry-list files).
    pub fn build<'a>(
        rows: impl IntoIterator<Item = Row<'a>>,
        options: &BuildOptions,
    ) -> Result<Lexicon> {
        let mut b = LexiconBuilder::new(options);
        for row in rows {
            b.add(&row)?;
        }
        b.finish()
    }
}
