//! An ensemble: several model directories tagging together, their per-token
//! label probabilities averaged, the average decoded under BIO constraints.
//!
//! Why: a teacher for distillation is worth more than its speed, and models
//! that err differently (an MPNet and a MiniLM, two seeds) cancel part of
//! each other's mistakes when their probabilities are averaged. Averaging
//! marginals rather than votes keeps each model's confidence, and the
//! constrained decoding turns the average back into well-formed entities.
//!
//! The directory holds only a manifest, `tweetner-model.json`:
//!
//! ```json
//! {"format": 1, "kind": "ensemble", "name": "teacher-ensemble",
//!  "members": [{"path": "../mpnet"}, {"path": "../minilm", "weight": 0.5}]}
//! ```
//!
//! Member paths are relative to the ensemble directory; weights default to
//! one. Members must share one label list and may not be ensembles
//! themselves (which also rules out a directory naming itself).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tweetner_core::crf::ProbDecoder;
use tweetner_core::labels::BioTag;
use tweetner_core::predict::spans_of;
use tweetner_core::registry::{manifest_kind, LoadOptions, SharedTagger};
use tweetner_core::{ModelError, SpanScore, TaggedSentence, Tagger};

use crate::error::TaggerError;
use crate::manifest::{FORMAT_VERSION, MANIFEST_FILE};

/// The manifest `kind` of an ensemble directory.
pub const KIND_ENSEMBLE: &str = "ensemble";

/// The manifest of an ensemble directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleManifest {
    /// Format version (1).
    pub format: u32,
    /// Always [`KIND_ENSEMBLE`].
    pub kind: String,
    /// Display name.
    pub name: String,
    /// The models averaged.
    pub members: Vec<EnsembleMember>,
}

/// One model of an ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleMember {
    /// Model directory, relative to the ensemble directory (or absolute).
    pub path: PathBuf,
    /// Weight of its probabilities in the average.
    #[serde(default = "one")]
    pub weight: f32,
}

fn one() -> f32 {
    1.0
}

impl EnsembleManifest {
    /// Reads and checks `dir/tweetner-model.json`.
    pub fn read(dir: &Path) -> Result<Self, TaggerError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| TaggerError::io(&path, e))?;
        let m: EnsembleManifest =
            serde_json::from_str(&text).map_err(|source| TaggerError::Json {
                path: path.clone(),
                source,
            })?;
        let bad = |msg: String| Err(TaggerError::invalid(&path, msg));
        if m.format != FORMAT_VERSION {
            return bad(format!(
                "format {} (this build reads {FORMAT_VERSION})",
                m.format
            ));
        }
        if m.kind != KIND_ENSEMBLE {
            return bad(format!("kind {:?}, expected {KIND_ENSEMBLE:?}", m.kind));
        }
        if m.members.is_empty() {
            return bad("an ensemble needs at least one member".into());
        }
        for (i, member) in m.members.iter().enumerate() {
            if !(member.weight.is_finite() && member.weight > 0.0) {
                return bad(format!(
                    "members[{i}].weight must be a positive number, not {}",
                    member.weight
                ));
            }
        }
        Ok(m)
    }

    /// Writes the manifest into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> Result<(), TaggerError> {
        std::fs::create_dir_all(dir).map_err(|e| TaggerError::io(dir, e))?;
        let path = dir.join(MANIFEST_FILE);
        let text = serde_json::to_string_pretty(self).map_err(|source| TaggerError::Json {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&path, text + "\n").map_err(|e| TaggerError::io(&path, e))
    }
}

/// Loaded members and what decoding their average needs.
pub struct EnsembleTagger {
    members: Vec<(SharedTagger, f32)>,
    labels: Vec<String>,
    tags: Vec<BioTag>,
    /// Decodes the averaged probabilities under the BIO constraints.
    decoder: ProbDecoder,
}

impl EnsembleTagger {
    /// Loads the ensemble in `dir`, each member with `opts` through `load`
    /// (the registry's loader, passed in so that this module does not depend
    /// on which kinds a build has).
    pub fn load(
        dir: &Path,
        opts: &LoadOptions,
        load: impl Fn(&Path, &LoadOptions) -> Result<SharedTagger, TaggerError>,
    ) -> Result<Self, TaggerError> {
        let manifest = EnsembleManifest::read(dir)?;
        let manifest_path = dir.join(MANIFEST_FILE);
        let mut members = Vec::with_capacity(manifest.members.len());
        for (i, member) in manifest.members.iter().enumerate() {
            let path = dir.join(&member.path);
            let kind = manifest_kind(&path)
                .map_err(|e| TaggerError::invalid(&manifest_path, format!("members[{i}]: {e}")))?;
            if kind == KIND_ENSEMBLE {
                return Err(TaggerError::invalid(
                    &manifest_path,
                    format!(
                        "members[{i}] ({}) is an ensemble itself; list its members instead",
                        path.display()
                    ),
                ));
            }
            members.push((load(&path, opts)?, member.weight));
        }
        Self::from_members(members).map_err(|e| TaggerError::invalid(&manifest_path, e))
    }

    /// An ensemble of loaded taggers with their weights; all must share one
    /// label list.
    pub fn from_members(members: Vec<(SharedTagger, f32)>) -> Result<Self, String> {
        let Some((first, _)) = members.first() else {
            return Err("an ensemble needs at least one member".into());
        };
        let labels = first.labels().to_vec();
        for (i, (m, w)) in members.iter().enumerate() {
            if m.labels() != labels.as_slice() {
                return Err(format!(
                    "members[{i}] has labels {:?}, members[0] {:?}: members must share one label list",
                    m.labels(),
                    labels
                ));
            }
            if !(w.is_finite() && *w > 0.0) {
                return Err(format!("members[{i}]: weight {w} is not positive"));
            }
        }
        let decoder = ProbDecoder::new(&labels);
        Ok(EnsembleTagger {
            tags: labels.iter().map(|l| BioTag::parse(l)).collect(),
            members,
            labels,
            decoder,
        })
    }

    /// The members' weighted average probabilities, `[sentence][token][label]`.
    fn average(&self, sentences: &[Vec<String>]) -> Result<Vec<Vec<Vec<f32>>>, ModelError> {
        let total: f32 = self.members.iter().map(|(_, w)| w).sum();
        let mut avg: Vec<Vec<Vec<f32>>> = sentences
            .iter()
            .map(|s| vec![vec![0.0; self.labels.len()]; s.len()])
            .collect();
        for (i, (member, weight)) in self.members.iter().enumerate() {
            let m = member.token_marginals(sentences)?;
            let shape_ok = m.len() == avg.len()
                && m.iter().zip(&avg).all(|(a, b)| {
                    a.len() == b.len() && a.iter().all(|row| row.len() == self.labels.len())
                });
            if !shape_ok {
                return Err(ModelError::Shape(format!(
                    "ensemble member {i} answered probabilities of another shape"
                )));
            }
            let share = weight / total;
            for (sa, sm) in avg.iter_mut().zip(&m) {
                for (ra, rm) in sa.iter_mut().zip(sm) {
                    for (a, p) in ra.iter_mut().zip(rm) {
                        *a += share * p;
                    }
                }
            }
        }
        Ok(avg)
    }

    /// Best BIO-consistent path through one sentence's averaged probabilities
    /// (maximising the sum of log-probabilities), with token and span scores
    /// read off the average (a span's: the product over its tokens).
    fn decode(&self, probs: &[Vec<f32>]) -> TaggedSentence {
        let path = self.decoder.best_path(probs);
        let token_scores: Vec<f32> = path.iter().zip(probs).map(|(&y, row)| row[y]).collect();
        let spans = spans_of(&self.tags, &path)
            .into_iter()
            .map(|(start, end, ty)| SpanScore {
                score: token_scores[start..end]
                    .iter()
                    .product::<f32>()
                    .clamp(0.0, 1.0),
                start,
                end,
                ty,
            })
            .collect();
        TaggedSentence {
            tags: path.iter().map(|&y| self.labels[y].clone()).collect(),
            token_scores,
            spans,
        }
    }
}

impl Tagger for EnsembleTagger {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn token_marginals(&self, sentences: &[Vec<String>]) -> Result<Vec<Vec<Vec<f32>>>, ModelError> {
        self.average(sentences)
    }

    fn tag_batch(&self, sentences: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError> {
        Ok(self
            .average(sentences)?
            .iter()
            .map(|p| self.decode(p))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A member that answers fixed probabilities for every token.
    struct Fixed {
        labels: Vec<String>,
        probs: Vec<f32>,
    }

    impl Tagger for Fixed {
        fn labels(&self) -> &[String] {
            &self.labels
        }
        fn tag_batch(&self, _: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError> {
            unreachable!("the ensemble asks for marginals only")
        }
        fn token_marginals(&self, s: &[Vec<String>]) -> Result<Vec<Vec<Vec<f32>>>, ModelError> {
            Ok(s.iter()
                .map(|w| vec![self.probs.clone(); w.len()])
                .collect())
        }
    }

    fn labels() -> Vec<String> {
        ["O", "B-person", "I-person"].map(String::from).to_vec()
    }

    fn fixed(probs: [f32; 3]) -> SharedTagger {
        Box::new(Fixed {
            labels: labels(),
            probs: probs.to_vec(),
        })
    }

    fn words(n: usize) -> Vec<Vec<String>> {
        vec![(0..n).map(|i| format!("w{i}")).collect()]
    }

    #[test]
    fn probabilities_are_averaged_with_weights() {
        let e = EnsembleTagger::from_members(vec![
            (fixed([1.0, 0.0, 0.0]), 1.0),
            (fixed([0.0, 1.0, 0.0]), 3.0),
        ])
        .expect("ensemble");
        let m = e.token_marginals(&words(2)).expect("marginals");
        assert_eq!(m[0][0], vec![0.25, 0.75, 0.0]);
        assert_eq!(m[0][1], vec![0.25, 0.75, 0.0]);
    }

    #[test]
    fn decoding_keeps_bio_well_formed() {
        // Every token alone prefers I-person, which may not start an entity
        // nor follow O: the best legal path is B-person I-person I-person.
        let e = EnsembleTagger::from_members(vec![(fixed([0.1, 0.3, 0.6]), 1.0)]).expect("e");
        let t = &e.tag_batch(&words(3)).expect("tag")[0];
        assert_eq!(t.tags, ["B-person", "I-person", "I-person"]);
        assert_eq!(t.token_scores, vec![0.3, 0.6, 0.6]);
        assert_eq!((t.spans[0].start, t.spans[0].end), (0, 3));
        assert!((t.spans[0].score - 0.3 * 0.6 * 0.6).abs() < 1e-6);
        // Empty sentences give empty results.
        let empty = e.tag_batch(&[Vec::new()]).expect("tag");
        assert!(empty[0].tags.is_empty() && empty[0].spans.is_empty());
    }

    #[test]
    fn members_must_agree_on_labels() {
        let other: SharedTagger = Box::new(Fixed {
            labels: ["O", "B-geo-loc", "I-geo-loc"].map(String::from).to_vec(),
            probs: vec![1.0, 0.0, 0.0],
        });
        let err = EnsembleTagger::from_members(vec![(fixed([1.0, 0.0, 0.0]), 1.0), (other, 1.0)])
            .err()
            .expect("mismatch");
        assert!(err.contains("members[1]"), "{err}");
        assert!(EnsembleTagger::from_members(Vec::new()).is_err());
    }

    #[test]
    fn bad_manifests_are_errors_naming_the_file() {
        let d = tempfile::tempdir().expect("dir");
        for (text, want) in [
            (
                r#"{"format":1,"kind":"ensemble","name":"e","members":[]}"#,
                "at least one",
            ),
            (
                r#"{"format":1,"kind":"ensemble","name":"e","members":[{"path":"a","weight":-1}]}"#,
                "members[0].weight",
            ),
            (
                r#"{"format":1,"kind":"ensemble","name":"e","members":[{"path":"a","colour":1}]}"#,
                "unknown field",
            ),
            (
                r#"{"format":2,"kind":"ensemble","name":"e","members":[{"path":"a"}]}"#,
                "format 2",
            ),
        ] {
            std::fs::write(d.path().join(MANIFEST_FILE), text).expect("write");
            let err = EnsembleManifest::read(d.path())
                .expect_err(text)
                .to_string();
            assert!(err.contains(MANIFEST_FILE) && err.contains(want), "{err}");
        }
    }

    #[test]
    fn a_member_that_is_an_ensemble_or_missing_is_refused() {
        let d = tempfile::tempdir().expect("dir");
        let m = EnsembleManifest {
            format: FORMAT_VERSION,
            kind: KIND_ENSEMBLE.into(),
            name: "self".into(),
            members: vec![EnsembleMember {
                path: ".".into(),
                weight: 1.0,
            }],
        };
        m.write(d.path()).expect("write");
        assert_eq!(EnsembleManifest::read(d.path()).expect("read"), m);
        let never = |_: &Path, _: &LoadOptions| -> Result<SharedTagger, TaggerError> {
            unreachable!("no member may be loaded")
        };
        let opts = LoadOptions::default();
        let err = EnsembleTagger::load(d.path(), &opts, never)
            .err()
            .expect("self");
        assert!(err.to_string().contains("is an ensemble itself"), "{err}");
        let m = EnsembleManifest {
            members: vec![EnsembleMember {
                path: "missing".into(),
                weight: 1.0,
            }],
            ..m
        };
        m.write(d.path()).expect("write");
        let err = EnsembleTagger::load(d.path(), &opts, never)
            .err()
            .expect("missing");
        assert!(err.to_string().contains("members[0]"), "{err}");
    }
}
