//! The lexicon as dense per-token features, the same columns for every
//! model that reads it (the BiLSTM-CRF's feature extractor and the
//! transformer's CRF head): per type `B`, `I` and agreeing sources, then the
//! length of the longest match.

use crate::annotate::Bio;
use crate::store::Lexicon;

/// Matches longer than this many tokens count as this long.
const LONGEST_CAP: f32 = 4.0;

impl Lexicon {
    /// Columns per token: 3 per type, plus the longest match.
    pub fn feature_dim(&self) -> usize {
        3 * self.types().len() + 1
    }

    /// Column names, `lex:B-movie`, `lex:I-movie`, `lex:src-movie`, …, `lex:longest`.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.feature_dim());
        for t in self.types() {
            names.push(format!("lex:B-{}", t.name));
            names.push(format!("lex:I-{}", t.name));
            names.push(format!("lex:src-{}", t.name));
        }
        names.push("lex:longest".into());
        names
    }

    /// Fills `rows[i][offset..offset + feature_dim()]` for each token `i`
    /// (rows beyond the tokens are left alone).
    pub fn write_feature_rows<S: AsRef<str>, R: AsMut<[f32]>>(
        &self,
        tokens: &[S],
        rows: &mut [R],
        offset: usize,
    ) {
        let n_types = self.types().len();
        let dim = self.feature_dim();
        for (m, row) in self.annotate(tokens).iter().zip(rows.iter_mut()) {
            let cols = &mut row.as_mut()[offset..offset + dim];
            for ty in m.types().iter().filter(|&t| t < n_types) {
                match m.bio(ty) {
                    Bio::B => cols[3 * ty] = 1.0,
                    Bio::I => cols[3 * ty + 1] = 1.0,
                    Bio::O => {}
                }
                // 1 source → 0.5, 2 → 0.67, 3 → 0.75: more lists, more trust, bounded.
                let s = f32::from(m.sources(ty));
                cols[3 * ty + 2] = s / (s + 1.0);
            }
            cols[3 * n_types] = (m.longest as f32).min(LONGEST_CAP) / LONGEST_CAP;
        }
    }

    /// The features of `tokens` as one flat `tokens × feature_dim()` vector.
    pub fn feature_rows<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<f32> {
        let dim = self.feature_dim();
        let mut flat = vec![0.0; tokens.len() * dim];
        let mut rows: Vec<&mut [f32]> = flat.chunks_mut(dim.max(1)).collect();
        self.write_feature_rows(tokens, &mut rows, 0);
        flat
    }
}

#[cfg(test)]
mod tests {
    use crate::{BuildOptions, Lexicon, Row};

    #[test]
    fn flat_rows_equal_the_row_writer() {
        let rows = [
            Row::new("New York City", "geo-loc"),
            Row::new("Harold and Maude", "movie"),
        ];
        let lex = Lexicon::build(rows, &BuildOptions::default()).unwrap();
        let tokens = ["harold", "and", "maude", "in", "#NewYorkCity"];
        let flat = lex.feature_rows(&tokens);
        let d = lex.feature_dim();
        assert_eq!(flat.len(), tokens.len() * d);
        let mut dense = vec![vec![0.0f32; d + 1]; tokens.len()];
        lex.write_feature_rows(&tokens, &mut dense, 1);
        for (i, row) in dense.iter().enumerate() {
            assert_eq!(&row[1..], &flat[i * d..(i + 1) * d]);
        }
        let movie = lex.type_id("movie").unwrap();
        assert_eq!(flat[3 * movie], 1.0);
        assert_eq!(flat[d + 3 * movie + 1], 1.0);
    }
}
