//! Error analyses beyond the reference scorer: a confusion table of entity
//! types and a breakdown of errors into boundary classes. Both say *why* F1
//! is what it is (typing vs. segmentation vs. recall problems), which the
//! scorer's single numbers cannot.

use serde::Serialize;
use std::fmt::Write as _;

/// Label of the outside row/column in rendered tables.
pub const OUTSIDE_LABEL: &str = "O";

/// How an entity type is shown in tables: the scorer allows an empty type
/// (tags without a hyphen), which would otherwise render as nothing.
fn show_type(ty: &str) -> &str {
    if ty.is_empty() {
        "(untyped)"
    } else {
        ty
    }
}

/// Confusion of gold entity types against predicted ones.
///
/// Each gold entity adds one to row `gold type`: in the column of the type of
/// the prediction it is matched with (an exact-span prediction first, then an
/// overlapping prediction of the same type, then the one with the largest
/// overlap), or in the last column ("O", missed) when no prediction overlaps
/// it. Each prediction overlapping no gold entity adds one to the last row
/// ("O", spurious). Row sums are therefore the gold counts per type; the
/// "O"/"O" cell is always zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Entity types in byte order; index `types.len()` is the outside label.
    pub types: Vec<String>,
    /// `matrix[gold][pred]`, square with side `types.len() + 1`.
    pub matrix: Vec<Vec<usize>>,
}

impl Confusion {
    fn index(&self, label: Option<&str>) -> Option<usize> {
        match label {
            None => Some(self.types.len()),
            Some(t) => self.types.iter().position(|x| x == t),
        }
    }

    /// The cell for a gold and a predicted label (`None` = outside); zero for
    /// types that never occurred.
    pub fn get(&self, gold: Option<&str>, pred: Option<&str>) -> usize {
        match (self.index(gold), self.index(pred)) {
            (Some(g), Some(p)) => self
                .matrix
                .get(g)
                .and_then(|row| row.get(p))
                .copied()
                .unwrap_or(0),
            _ => 0,
        }
    }

    /// A fixed-width text table, gold types down, predicted types across.
    pub fn to_text(&self) -> String {
        let labels: Vec<&str> = self
            .types
            .iter()
            .map(|t| show_type(t))
            .chain(std::iter::once(OUTSIDE_LABEL))
            .collect();
        let corner = "gold \\ pred";
        let row_w = labels
            .iter()
            .map(|l| l.len())
            .chain(std::iter::once(corner.len()))
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = labels
            .iter()
            .enumerate()
            .map(|(j, l)| {
                let digits = self
                    .matrix
                    .iter()
                    .filter_map(|row| row.get(j))
                    .map(|v| v.to_string().len())
                    .max()
                    .unwrap_or(1);
                l.len().max(digits)
            })
            .collect();
        let mut out = String::new();
        let _ = write!(out, "{corner:<row_w$}");
        for (l, w) in labels.iter().zip(&widths) {
            let _ = write!(out, "  {l:>w$}");
        }
        out.push('\n');
        for (label, row) in labels.iter().zip(&self.matrix) {
            let _ = write!(out, "{label:<row_w$}");
            for (v, w) in row.iter().zip(&widths) {
                let _ = write!(out, "  {v:>w$}");
            }
            out.push('\n');
        }
        out
    }
}

/// Counts of the boundary error classes for one entity type (or in total).
///
/// Every gold entity falls in exactly one of `exact`, `wrong_type`,
/// `wrong_span`, `wrong_type_and_span` and `missed` (checked in that order);
/// `spurious` counts predictions that overlap no gold entity, under the
/// predicted type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BoundaryCounts {
    /// Same span and same type as a prediction.
    pub exact: usize,
    /// A prediction has the same span but another type.
    pub wrong_type: usize,
    /// An overlapping prediction has the same type but other boundaries.
    pub wrong_span: usize,
    /// Only overlapping predictions of another type with other boundaries.
    pub wrong_type_and_span: usize,
    /// No prediction overlaps the gold entity.
    pub missed: usize,
    /// A prediction overlapping no gold entity.
    pub spurious: usize,
}

impl BoundaryCounts {
    pub(crate) fn add(&mut self, o: &BoundaryCounts) {
        self.exact += o.exact;
        self.wrong_type += o.wrong_type;
        self.wrong_span += o.wrong_span;
        self.wrong_type_and_span += o.wrong_type_and_span;
        self.missed += o.missed;
        self.spurious += o.spurious;
    }

    /// Number of gold entities classified.
    pub fn gold(&self) -> usize {
        self.exact + self.wrong_type + self.wrong_span + self.wrong_type_and_span + self.missed
    }

    fn cells(&self) -> [usize; 6] {
        [
            self.exact,
            self.wrong_type,
            self.wrong_span,
            self.wrong_type_and_span,
            self.missed,
            self.spurious,
        ]
    }
}

/// The boundary error classes of one entity type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeBoundaryCounts {
    /// Entity type; empty for hyphenless tags (shown as "(untyped)").
    pub ty: String,
    /// Gold entities of this type by class, plus spurious predictions of it;
    /// flattened into this object in JSON.
    #[serde(flatten)]
    pub counts: BoundaryCounts,
}

/// Boundary error classes, in total and per entity type (byte order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoundaryErrors {
    /// Sum of the per-type counts.
    pub total: BoundaryCounts,
    /// One entry per type of a gold entity or a spurious prediction.
    pub per_type: Vec<TypeBoundaryCounts>,
}

impl BoundaryErrors {
    /// A fixed-width text table, one row per type plus a total row.
    pub fn to_text(&self) -> String {
        const HEADERS: [&str; 6] = [
            "exact",
            "wrong-type",
            "wrong-span",
            "wrong-both",
            "missed",
            "spurious",
        ];
        let rows: Vec<(&str, [usize; 6])> = self
            .per_type
            .iter()
            .map(|t| (show_type(&t.ty), t.counts.cells()))
            .chain(std::iter::once(("total", self.total.cells())))
            .collect();
        let row_w = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0).max(4);
        let widths: Vec<usize> = HEADERS
            .iter()
            .enumerate()
            .map(|(j, h)| {
                rows.iter()
                    .map(|(_, c)| c[j].to_string().len())
                    .max()
                    .unwrap_or(1)
                    .max(h.len())
            })
            .collect();
        let mut out = String::new();
        let _ = write!(out, "{:<row_w$}", "type");
        for (h, w) in HEADERS.iter().zip(&widths) {
            let _ = write!(out, "  {h:>w$}");
        }
        out.push('\n');
        for (label, cells) in rows {
            let _ = write!(out, "{label:<row_w$}");
            for (v, w) in cells.iter().zip(&widths) {
                let _ = write!(out, "  {v:>w$}");
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_text_aligns_columns() {
        let c = Confusion {
            types: vec!["person".into(), "x".into()],
            matrix: vec![vec![12, 1, 3], vec![0, 2, 0], vec![4, 0, 0]],
        };
        let text = c.to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines.iter().all(|l| l.len() == lines[0].len()));
        assert!(lines[1].starts_with("person"));
        assert!(lines[3].starts_with("O "));
        assert_eq!(c.get(Some("person"), None), 3);
        assert_eq!(c.get(Some("nope"), None), 0);
    }

    #[test]
    fn boundary_text_has_total_row() {
        let one = BoundaryCounts {
            exact: 3,
            missed: 1,
            ..Default::default()
        };
        let b = BoundaryErrors {
            total: one,
            per_type: vec![TypeBoundaryCounts {
                ty: String::new(),
                counts: one,
            }],
        };
        let text = b.to_text();
        assert!(text.contains("(untyped)"));
        assert!(text.lines().last().is_some_and(|l| l.starts_with("total")));
        assert_eq!(one.gold(), 4);
    }
}
