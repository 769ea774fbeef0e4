//! The transformer's element-wise stages (GELU, softmax, layer norm), each
//! compiled for the widest instruction set the CPU has ([`crate::multiversion!`]).

use crate::simd::{max16, sum16};
use crate::{exp_fast, tanh_one};

/// `erf` to ~2e-7 (erfc as `t·e^{poly(t)}` with fractional error below
/// 1.2e-7, the Chebyshev fit of Numerical Recipes), evaluated with [`exp_fast`].
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t * exp_fast(
        -z * z - 1.265_512_2
            + t * (1.000_023_7
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_204
                                    + t * (1.488_515_9
                                        + t * (-0.822_152_2 + t * 0.170_872_77)))))))),
    );
    (1.0 - r).copysign(x)
}

crate::multiversion! {
    /// GELU with the exact (erf) form, in place.
    pub fn gelu_erf, gelu_erf_portable(x: &mut [f32]) {
        for v in x {
            let a = *v;
            *v = 0.5 * a * (1.0 + erf(a * std::f32::consts::FRAC_1_SQRT_2));
        }
    }
}

crate::multiversion! {
    /// GELU with the tanh approximation (GPT-2's `gelu_new`), in place.
    pub fn gelu_tanh, gelu_tanh_portable(x: &mut [f32]) {
        // sqrt(2/π)
        const C: f32 = 0.797_884_6;
        for v in x {
            let a = *v;
            *v = 0.5 * a * (1.0 + tanh_one(C * (a + 0.044_715 * a * a * a)));
        }
    }
}

crate::multiversion! {
    /// Row-wise softmax of `scores·scale + bias` over a matrix of `width`-wide
    /// rows (attention scores), in place. The matrix goes through each pass
    /// whole, not row by row, because rows are as short as the tweet (~35
    /// sub-words): per row, a 16-lane loop would spend most of its time in
    /// the scalar tail.
    pub fn softmax_rows, softmax_rows_portable(
        scores: &mut [f32],
        width: usize,
        scale: f32,
        bias: Option<&[f32]>,
    ) {
        if width == 0 {
            return;
        }
        match bias {
            Some(b) => scores.iter_mut().zip(b).for_each(|(s, b)| *s = *s * scale + b),
            None => scores.iter_mut().for_each(|s| *s *= scale),
        }
        for row in scores.chunks_exact_mut(width) {
            let m = max16(row, |v| v);
            row.iter_mut().for_each(|s| *s -= m);
        }
        scores.iter_mut().for_each(|s| *s = exp_fast(*s));
        for row in scores.chunks_exact_mut(width) {
            let inv = 1.0 / sum16(row);
            row.iter_mut().for_each(|s| *s *= inv);
        }
    }
}

crate::multiversion! {
    /// Layer norm of every `gamma.len()`-wide row of `x`, in place.
    pub fn layer_norm, layer_norm_portable(x: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
        let h = gamma.len();
        if h == 0 {
            return;
        }
        let n = h as f32;
        for row in x.chunks_exact_mut(h) {
            let mean = sum16(row) / n;
            row.iter_mut().for_each(|v| *v -= mean);
            let mut sq = [0.0f32; 16];
            let mut chunks = row.chunks_exact(16);
            for c in &mut chunks {
                for (a, v) in sq.iter_mut().zip(c) {
                    *a += v * v;
                }
            }
            for (a, v) in sq.iter_mut().zip(chunks.remainder()) {
                *a += v * v;
            }
            let inv = 1.0 / (sq.iter().sum::<f32>() / n + eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
                *v = *v * inv * g + b;
            }
        }
    }
}

crate::multiversion! {
    /// `y ← y + x`, element by element (residual connections).
    pub fn add_assign, add_assign_portable(y: &mut [f32], x: &[f32]) {
        y.iter_mut().zip(x).for_each(|(a, b)| *a += b);
    }
}

crate::multiversion! {
    /// `y ← y + a·x`: one sparse input column's share of a projection.
    pub fn axpy, axpy_portable(y: &mut [f32], a: f32, x: &[f32]) {
        y.iter_mut().zip(x).for_each(|(v, b)| *v += a * b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, spread: f32) -> Vec<f32> {
        (0..n)
            .map(|i| ((i as f32 * 0.618_034).fract() * 2.0 - 1.0) * spread)
            .collect()
    }

    #[test]
    fn erf_is_accurate() {
        for (x, want) in [
            (0.0f32, 0.0f32),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (2.0, 0.995_322_3),
            (-1.5, -0.966_105_1),
        ] {
            assert!((erf(x) - want).abs() < 1e-6, "{x}: {} vs {want}", erf(x));
        }
    }

    /// Every kernel: the dispatched copy (AVX-512 or AVX2 where the CPU has
    /// them) gives exactly the baseline copy's bits; odd lengths exercise the tails.
    #[test]
    fn wide_copies_equal_the_baseline_bit_for_bit() {
        for n in [1usize, 15, 16, 17, 37, 384, 1543] {
            let x = values(n, 6.0);
            let (mut a, mut b) = (x.clone(), x.clone());
            gelu_erf(&mut a);
            gelu_erf_portable(&mut b);
            assert_eq!(a, b, "gelu_erf {n}");
            let (mut a, mut b) = (x.clone(), x.clone());
            gelu_tanh(&mut a);
            gelu_tanh_portable(&mut b);
            assert_eq!(a, b, "gelu_tanh {n}");
            let bias = values(n, 2.0);
            for width in [1, 3, n] {
                for bias in [None, Some(bias.as_slice())] {
                    let (mut a, mut b) = (x.clone(), x.clone());
                    softmax_rows(&mut a, width, 0.125, bias);
                    softmax_rows_portable(&mut b, width, 0.125, bias);
                    assert_eq!(a, b, "softmax {n} in rows of {width}");
                }
            }
            let g = values(n, 1.5);
            let beta = values(n, 0.5);
            let (mut a, mut b) = (values(3 * n, 4.0), values(3 * n, 4.0));
            layer_norm(&mut a, &g, &beta, 1e-12);
            layer_norm_portable(&mut b, &g, &beta, 1e-12);
            assert_eq!(a, b, "layer_norm {n}");
            let (mut a, mut b) = (x.clone(), x.clone());
            axpy(&mut a, -0.375, &g);
            axpy_portable(&mut b, -0.375, &g);
            assert_eq!(a, b, "axpy {n}");
            assert!(
                a.iter()
                    .zip(&x)
                    .zip(&g)
                    .all(|((got, y), v)| *got == y + -0.375 * v),
                "axpy {n} is y + a·x"
            );
        }
    }

    #[test]
    fn gelu_matches_its_definition() {
        for &a in &values(200, 5.0) {
            let mut v = [a];
            gelu_erf(&mut v);
            // erf from its Taylor-free identity: compare with the tanh form's
            // known gap (< 1e-3) and with exact values at a few points.
            let mut t = [a];
            gelu_tanh(&mut t);
            assert!((v[0] - t[0]).abs() < 1e-3, "{a}: {} vs {}", v[0], t[0]);
        }
        let mut v = [1.0f32, -1.0, 0.0];
        gelu_erf(&mut v);
        assert!((v[0] - 0.841_344_7).abs() < 1e-6 && (v[1] + 0.158_655_3).abs() < 1e-6);
        assert_eq!(v[2], 0.0);
    }

    #[test]
    fn softmax_and_layer_norm_match_naive_formulas() {
        let x = values(37 * 3, 8.0);
        let bias = values(37 * 3, 1.0);
        let mut got = x.clone();
        softmax_rows(&mut got, 37, 0.5, Some(&bias));
        for (r, got) in got.chunks(37).enumerate() {
            let z: Vec<f64> = x[r * 37..(r + 1) * 37]
                .iter()
                .zip(&bias[r * 37..])
                .map(|(v, b)| f64::from(v * 0.5 + b))
                .collect();
            let m = z.iter().copied().fold(f64::MIN, f64::max);
            let total: f64 = z.iter().map(|v| (v - m).exp()).sum();
            for (g, v) in got.iter().zip(&z) {
                assert!((f64::from(*g) - (v - m).exp() / total).abs() < 1e-6);
            }
        }
        let mut row = x[..37].to_vec();
        let ones = vec![1.0f32; 37];
        layer_norm(&mut row, &ones, &[0.0; 37], 1e-5);
        let mean = sum16(&row) / 37.0;
        let var = row.iter().map(|v| v * v).sum::<f32>() / 37.0;
        assert!(
            mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-3,
            "{mean} {var}"
        );
    }
}
