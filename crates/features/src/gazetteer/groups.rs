//! Which WNUT-16 lexicon file feeds which gazetteer feature group, and compiling the
//! lexicon directory into a [`Gazetteer`].
//!
//! The shared task's 50 lexicon files are Freebase type lists plus frequency lists.
//! Giving each file its own feature would spread 2,394 training tweets over ~100 sparse
//! dimensions, so files are merged into groups that line up with the WNUT types (or
//! with generic word classes). Files named here but absent on disk are skipped and
//! reported, as are files on disk that no group names.

use std::collections::BTreeSet;
use std::path::Path;

use super::{Gazetteer, GazetteerBuilder};
use crate::error::FeatureError;

/// A feature group and the lexicon files merged into it.
#[derive(Debug, Clone, Copy)]
pub struct GroupSpec {
    /// Feature name (WNUT type where one fits).
    pub name: &'static str,
    /// Lexicon file names (several tiers of a frequency list are nested, so the union
    /// equals the largest tier).
    pub files: &'static [&'static str],
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
    },
    GroupSpec {
        name: "lastname-ext",
        files: &["people.person.lastnames"],
    },
    GroupSpec {
        name: "geo-loc",
        files: &["location.country", "location"],
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
    },
    GroupSpec {
        name: "musicartist",
        files: &["music.musical_group"],
    },
    GroupSpec {
        name: "movie",
        files: &["film.film"],
    },
    GroupSpec {
        name: "sportsteam",
        files: &["sports.sports_team"],
    },
    GroupSpec {
        name: "tvshow",
        files: &["tv.tv_program"],
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
    },
    GroupSpec {
        name: "any-entity",
        files: &["bigdict"],
    },
    GroupSpec {
        name: "cap-word",
        files: &["cap.10", "cap.100", "cap.500", "cap.1000"],
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
    },
    GroupSpec {
        name: "stopword",
        files: &["english.stop"],
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
}

/// Compiles the lexicon directory `dir` with `groups`, keeping entries of at most
/// `max_ngram` words.
pub fn compile_lexicon(
    dir: &Path,
    groups: &[GroupSpec],
    max_ngram: usize,
) -> Result<(Gazetteer, CompileReport), FeatureError> {
    let mut report = CompileReport::default();
    let mut used = BTreeSet::new();
    let mut builder = GazetteerBuilder::new(max_ngram);
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
        if entries.is_empty() {
            report.empty_groups.push(spec.name.to_string());
            continue;
        }
        report.skipped_entries += builder.add_group(spec.name, entries.iter().map(String::as_str));
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
