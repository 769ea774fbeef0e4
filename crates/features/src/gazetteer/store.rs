//! Saving a compiled gazetteer as its entry list, so a model directory is self-contained.
//!
//! Gzipped UTF-8 text, entries sorted (deterministic and compresses well):
//!
//! ```text
//! #tweetner-gazetteer 1
//! max_ngram<TAB>6
//! group<TAB><name><TAB><multiword 0|1><TAB><entries>     (one per group, in order)
//! <canonical entry><TAB><group bits, hex>                 (one per entry)
//! ```

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use super::{add_entry, Gazetteer, GroupInfo, NodeTableBuilder, MAX_GROUPS};
use crate::error::FeatureError;

const HEADER: &str = "#tweetner-gazetteer 1";

impl Gazetteer {
    /// Writes the gazetteer to `path` (gzipped entry list).
    pub fn save(&self, path: &Path) -> Result<(), FeatureError> {
        let file = std::fs::File::create(path).map_err(|e| FeatureError::io(path, e))?;
        let mut out = BufWriter::new(GzEncoder::new(file, Compression::default()));
        let mut entries: Vec<(&str, u64)> = self.entries().collect();
        entries.sort_unstable();
        let io = |e| FeatureError::io(path, e);
        writeln!(out, "{HEADER}").map_err(io)?;
        writeln!(out, "max_ngram\t{}", self.max_ngram).map_err(io)?;
        for g in &self.groups {
            writeln!(
                out,
                "group\t{}\t{}\t{}",
                g.name,
                u8::from(g.multiword),
                g.entries
            )
            .map_err(io)?;
        }
        for (key, bits) in entries {
            writeln!(out, "{key}\t{bits:x}").map_err(io)?;
        }
        let enc = out.into_inner().map_err(|e| io(e.into_error()))?;
        enc.finish().map_err(io)?.flush().map_err(io)
    }

    /// Reads a gazetteer written by [`Gazetteer::save`].
    pub fn load(path: &Path) -> Result<Gazetteer, FeatureError> {
        let file = std::fs::File::open(path).map_err(|e| FeatureError::io(path, e))?;
        let reader = BufReader::new(GzDecoder::new(file));
        let bad = |line: usize, msg: String| FeatureError::format(path, line, msg);
        let mut max_ngram = None;
        let mut groups: Vec<GroupInfo> = Vec::new();
        // Entries go straight into the packed table: no per-entry `String`, whose
        // allocations would stay resident after loading.
        let mut table = NodeTableBuilder::default();
        let mut any_entry = false;
        for (i, line) in reader.lines().enumerate() {
            let n = i + 1;
            let line = line.map_err(|e| FeatureError::io(path, e))?;
            if n == 1 {
                if line != HEADER {
                    return Err(bad(n, format!("expected {HEADER:?}")));
                }
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["max_ngram", v] => {
                    max_ngram = Some(
                        v.parse::<usize>()
                            .map_err(|e| bad(n, format!("max_ngram: {e}")))?,
                    );
                }
                ["group", name, multi, count] if !any_entry => {
                    if groups.len() == MAX_GROUPS {
                        return Err(bad(n, format!("more than {MAX_GROUPS} groups")));
                    }
                    groups.push(GroupInfo {
                        name: name.to_string(),
                        multiword: *multi == "1",
                        entries: count
                            .parse()
                            .map_err(|e| bad(n, format!("entry count: {e}")))?,
                    });
                }
                [key, bits] if !key.is_empty() => {
                    let bits = u64::from_str_radix(bits, 16)
                        .map_err(|e| bad(n, format!("group bits: {e}")))?;
                    if groups.len() < 64 && bits >> groups.len() != 0 {
                        return Err(bad(
                            n,
                            format!("group bits {bits:x} name an undeclared group"),
                        ));
                    }
                    if !any_entry {
                        // Room for the declared entries (their prefixes grow it later).
                        let declared: usize = groups.iter().map(|g| g.entries).sum();
                        table.reserve(declared, declared * 16);
                        any_entry = true;
                    }
                    add_entry(&mut table, key, bits);
                }
                _ => return Err(bad(n, format!("unexpected line {line:?}"))),
            }
        }
        let max_ngram = max_ngram.ok_or_else(|| bad(0, "missing max_ngram line".into()))?;
        Ok(Gazetteer::assemble(groups, max_ngram, table.finish()))
    }
}
