//! Which licences may go into a lexicon that ships with a model.
//!
//! Licence strings in the entry lists are free text (`CC-BY (Freebase)`,
//! `CC0 (Wikidata)`, `none stated: research only, never ship`, ...). They are
//! sorted into a [`LicenceClass`] by their leading licence identifier, and a
//! [`LicencePolicy`] decides which classes a build keeps. Anything not
//! recognised is [`LicenceClass::Unknown`] and never shippable.

use serde::{Deserialize, Serialize};

/// What a licence string allows, as far as shipping a model goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LicenceClass {
    /// CC0 or public domain: no conditions.
    PublicDomain,
    /// MIT, BSD, Apache: keep the notice.
    Permissive,
    /// CC-BY (any version, any attribution note): credit the source.
    Attribution,
    /// GPL, LGPL, AGPL, or a share-alike / non-commercial / no-derivatives
    /// Creative Commons licence: conditions a model file cannot meet.
    Restricted,
    /// Stated as research-only or not to be shipped.
    ResearchOnly,
    /// No licence given (2-column lists) or one this module does not know.
    Unknown,
}

impl LicenceClass {
    /// Classifies a licence string; `None` (no licence column) is
    /// [`LicenceClass::Unknown`].
    pub fn of(licence: Option<&str>) -> LicenceClass {
        let Some(text) = licence else {
            return LicenceClass::Unknown;
        };
        let lower = text.trim().to_ascii_lowercase();
        // The identifier is the first word; anything after it (a version, a
        // parenthesised source) only annotates it.
        let id = lower
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("");
        if lower.starts_with("none stated") || lower.contains("research only") {
            return LicenceClass::ResearchOnly;
        }
        if id == "cc0" || id.starts_with("cc0-") || lower.starts_with("public domain") {
            return LicenceClass::PublicDomain;
        }
        if id == "cc-by" || id.starts_with("cc-by-") {
            // CC-BY-SA/-NC/-ND add conditions a model file cannot promise.
            let extra = id.trim_start_matches("cc-by");
            if ["-sa", "-nc", "-nd"].iter().any(|x| extra.contains(x)) {
                return LicenceClass::Restricted;
            }
            return LicenceClass::Attribution;
        }
        if matches!(id, "mit" | "bsd" | "isc" | "apache-2.0" | "zlib")
            || id.starts_with("bsd-")
            || id.starts_with("apache")
        {
            return LicenceClass::Permissive;
        }
        if id.starts_with("gpl") || id.starts_with("lgpl") || id.starts_with("agpl") {
            return LicenceClass::Restricted;
        }
        LicenceClass::Unknown
    }

    /// Whether a model built from such data may be shipped (with attribution).
    pub fn shippable(self) -> bool {
        matches!(
            self,
            LicenceClass::PublicDomain | LicenceClass::Permissive | LicenceClass::Attribution
        )
    }
}

/// Which rows a build keeps, by licence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LicencePolicy {
    /// Every row, whatever its licence (research builds).
    #[default]
    All,
    /// Only [`LicenceClass::shippable`] rows: CC0*, MIT-style, CC-BY*. GPL,
    /// LGPL, research-only and unknown licences are dropped.
    ShippableOnly,
}

impl LicencePolicy {
    /// The policy a config's `lexicon_shippable_only` flag names.
    pub fn shippable_only(flag: bool) -> Self {
        if flag {
            LicencePolicy::ShippableOnly
        } else {
            LicencePolicy::All
        }
    }

    /// Whether a row with this licence is kept.
    pub fn keeps(self, licence: Option<&str>) -> bool {
        match self {
            LicencePolicy::All => true,
            LicencePolicy::ShippableOnly => LicenceClass::of(licence).shippable(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_licences_of_the_entry_list() {
        let keep = [
            "CC-BY (Freebase)",
            "CC0 (Wikidata)",
            "CC-BY-4.0 (GeoNames)",
            "MIT",
            "CC0",
            "CC0 (derived from CC0 team lists)",
        ];
        let drop = ["GPL-3", "LGPL-3", "none stated: research only, never ship"];
        for l in keep {
            assert!(LicencePolicy::ShippableOnly.keeps(Some(l)), "{l}");
        }
        for l in drop {
            assert!(!LicencePolicy::ShippableOnly.keeps(Some(l)), "{l}");
            assert!(LicencePolicy::All.keeps(Some(l)), "{l}");
        }
        assert!(!LicencePolicy::ShippableOnly.keeps(None));
        assert!(LicencePolicy::All.keeps(None));
    }

    #[test]
    fn classes() {
        assert_eq!(
            LicenceClass::of(Some("CC-BY (Freebase)")),
            LicenceClass::Attribution
        );
        assert_eq!(
            LicenceClass::of(Some("cc-by-4.0")),
            LicenceClass::Attribution
        );
        assert_eq!(
            LicenceClass::of(Some("CC-BY-SA-3.0")),
            LicenceClass::Restricted
        );
        assert_eq!(
            LicenceClass::of(Some("CC-BY-NC 4.0")),
            LicenceClass::Restricted
        );
        assert_eq!(
            LicenceClass::of(Some("CC0 (Wikidata)")),
            LicenceClass::PublicDomain
        );
        assert_eq!(LicenceClass::of(Some("MIT")), LicenceClass::Permissive);
        assert_eq!(LicenceClass::of(Some("GPL-3")), LicenceClass::Restricted);
        assert_eq!(LicenceClass::of(Some("LGPL-3")), LicenceClass::Restricted);
        assert_eq!(
            LicenceClass::of(Some("none stated: research only, never ship")),
            LicenceClass::ResearchOnly
        );
        assert_eq!(LicenceClass::of(Some("")), LicenceClass::Unknown);
        assert_eq!(LicenceClass::of(Some("CC")), LicenceClass::Unknown);
        assert_eq!(LicenceClass::of(Some("CC0ish")), LicenceClass::Unknown);
        assert_eq!(LicenceClass::of(None), LicenceClass::Unknown);
    }
}
