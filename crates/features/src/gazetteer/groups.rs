//! Which WNUT-16 lexicon file feeds which gazetteer feature group, and compiling the
//! lexicon directory into a [`Gazetteer`].
//!
//! The shared task's 50 lexicon files are Freebase type lists plus frequency lists.
//! Giving each file its own feature would spread 2,394 training tweets over ~100 sparse
//! dimensions, so files are merged into groups that line up with the WNUT types (or
//! with generic word classes). Files named here but absent on disk are skipped and
//! reported, as are files on disk that no group names.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use super::{canonical_entry, Gazetteer, GazetteerBuilder};
use crate::error::FeatureError;

/// A feature group and the lexicon files merged into it.
#[derive(Debug, Clone, Copy)]
pub struct GroupSpec {
    /// Feature name (WNUT type where one fits).
    pub name: &'static str,
    /// Lexicon file names (several tiers of a frequency list are nested, so the union
    /// equals the largest tier).
    pub files: &'static [&'static str],
    /// How entries are filtered and used.
    pub kind: GroupKind,
}

/// Role of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// Entity names. Single-word entries that are common words (in a
    /// [`GroupKind::CommonWords`] group), one character long or pure numbers are
    /// dropped: Freebase has TV shows called `Today` and `It`, products called `Up`
    /// and companies called `I`, and on tweets those fire on every other token.
    Entity,
    /// Person-name lists, kept whole (`Will` and `Mark` are names as well as words).
    Name,
    /// Common-word lists; they are features themselves and define the filter above.
    CommonWords,
}

/// The group mapping used for the WNUT-16 lexicon.
///
/// Choices that are not obvious from the file names:
/// * `business.sponsor` mixes companies and sponsored athletes; most entries are
///   organisations, so it joins `company`.
/// * newspapers, TV networks/channels, websites and government agencies are
///   organisations that WNUT annotates mostly as `company`.
/// * universities, museums, roads and music venues are `facility`.
/// * awards, festivals, holidays, recurring events and sports leagues are `other`.
/// * `bigdict` is a 124k-entry union of many entity lists (people included): a generic
///   "is some named entity" signal.
/// * the 400k `people.person.lastnames` list is noisy (it contains common words), so it
///   gets its own group instead of diluting `lastname`.
/// * files that `dictionaries.conf` names but the lexicon lacks (`location`,
///   `people.person`, `film.film`, `music.musical_group`, ...) are listed so that a
///   fuller lexicon would be used as-is; groups left without entries are dropped.
pub const WNUT_GROUPS: &[GroupSpec] = &[
    GroupSpec {
        name: "person",
        files: &[
            "people.person",
            "person_combined",
            "sports.pro_athlete",
            "government.politician",
        ],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "firstname",
        files: &[
            "firstname.10",
            "firstname.100",
            "firstname.500",
            "firstname.1000",
            "firstname.5k",
        ],
        kind: GroupKind::Name,
    },
    GroupSpec {
        name: "lastname",
        files: &[
            "lastname.10",
            "lastname.100",
            "lastname.500",
            "lastname.1000",
            "lastname.5000",
            "people.family_name",
        ],
        kind: GroupKind::Name,
    },
    GroupSpec {
        name: "lastname-ext",
        files: &["people.person.lastnames"],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "geo-loc",
        files: &["location.country", "location"],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "facility",
        files: &[
            "venues",
            "architecture.museum",
            "education.university",
            "transportation.road",
            "facility",
        ],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "company",
        files: &[
            "business.consumer_company",
            "venture_capital.venture_funded_company",
            "business.brand",
            "business.sponsor",
            "cvg.cvg_developer",
            "automotive.make",
            "book.newspaper",
            "tv.tv_network",
            "broadcast.tv_channel",
            "internet.website",
            "government.government_agency",
            "company_combined",
        ],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "product",
        files: &[
            "product",
            "business.consumer_product",
            "automotive.model",
            "cvg.computer_videogame",
            "cvg.cvg_platform",
        ],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "musicartist",
        files: &["music.musical_group"],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "movie",
        files: &["film.film"],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "sportsteam",
        files: &["sports.sports_team"],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "tvshow",
        files: &["tv.tv_program"],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "other",
        files: &[
            "award.award",
            "base.events.festival_series",
            "time.holiday",
            "time.recurring_event",
            "sports.sports_league",
        ],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "any-entity",
        files: &["bigdict"],
        kind: GroupKind::Entity,
    },
    GroupSpec {
        name: "cap-word",
        files: &["cap.10", "cap.100", "cap.500", "cap.1000"],
        kind: GroupKind::Name,
    },
    GroupSpec {
        name: "lower-word",
        files: &[
            "lower.100",
            "lower.500",
            "lower.1000",
            "lower.5000",
            "lower.10000",
        ],
        kind: GroupKind::CommonWords,
    },
    GroupSpec {
        name: "stopword",
        files: &["english.stop"],
        kind: GroupKind::CommonWords,
    },
];

/// What compiling a lexicon directory did, for logs and reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompileReport {
    /// Files read, with the number of lines kept from each.
    pub files_read: Vec<(String, usize)>,
    /// Files a group names that are not in the directory.
    pub missing: Vec<String>,
    /// Files in the directory that no group uses (`dictionaries.conf` excluded).
    pub unused: Vec<String>,
    /// Groups dropped because none of their files had entries.
    pub empty_groups: Vec<String>,
    /// Entries skipped because they have no word characters or too many words.
    pub skipped_entries: usize,
    /// Single-word entity entries dropped as common words, single characters or numbers.
    pub dropped_common: usize,
}

/// Compiles the lexicon directory `dir` with `groups`, keeping entries of at most
/// `max_ngram` words and filtering [`GroupKind::Entity`] groups as described there.
pub fn compile_lexicon(
    dir: &Path,
    groups: &[GroupSpec],
    max_ngram: usize,
) -> Result<(Gazetteer, CompileReport), FeatureError> {
    let mut report = CompileReport::default();
    let mut used = BTreeSet::new();
    let mut lists: Vec<Vec<String>> = Vec::with_capacity(groups.len());
    for spec in groups {
        let mut entries: Vec<String> = Vec::new();
        for &file in spec.files {
            used.insert(file);
            let path = dir.join(file);
            if !path.is_file() {
                report.missing.push(file.to_string());
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| FeatureError::io(&path, e))?;
            // A stray invalid byte should not cost the whole list.
            let text = String::from_utf8_lossy(&bytes);
            let before = entries.len();
            entries.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string),
            );
            report
                .files_read
                .push((file.to_string(), entries.len() - before));
        }
        lists.push(entries);
    }
    let common: HashSet<String> = groups
        .iter()
        .zip(&lists)
        .filter(|(spec, _)| spec.kind == GroupKind::CommonWords)
        .flat_map(|(_, entries)| entries.iter().filter_map(|e| canonical_entry(e)))
        .filter(|(_, n)| *n == 1)
        .map(|(k, _)| k)
        .collect();
    let mut builder = GazetteerBuilder::new(max_ngram);
    for (spec, entries) in groups.iter().zip(&lists) {
        let keep = |e: &&String| {
            spec.kind != GroupKind::Entity
                || canonical_entry(e).is_none_or(|(key, n)| {
                    n > 1
                        || !(key.chars().count() == 1
                            || key.chars().all(|c| c.is_numeric())
                            || common.contains(&key))
                })
        };
        let kept: Vec<&str> = entries.iter().filter(keep).map(String::as_str).collect();
        report.dropped_common += entries.len() - kept.len();
        if kept.is_empty() {
            report.empty_groups.push(spec.name.to_string());
            continue;
        }
        report.skipped_entries += builder.add_group(spec.name, kept);
    }
    let listing = std::fs::read_dir(dir).map_err(|e| FeatureError::io(dir, e))?;
    for entry in listing {
        let entry = entry.map_err(|e| FeatureError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != "dictionaries.conf" && !used.contains(name.as_str()) {
            report.unused.push(name);
        }
    }
    report.unused.sort();
    Ok((builder.build(), report))
}

/// Compiles the WNUT-16 lexicon directory with [`WNUT_GROUPS`].
pub fn compile_wnut_lexicon(
    dir: &Path,
    max_ngram: usize,
) -> Result<(Gazetteer, CompileReport), FeatureError> {
    compile_lexicon(dir, WNUT_GROUPS, max_ngram)
}
