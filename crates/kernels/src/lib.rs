//! Dense kernels every plain-`f32` inference path shares (the BiLSTM-CRF's
//! and the transformer's): row-major matmul (via the `gemm` crate, which
//! picks AVX2/AVX-512 kernels at run time), a vectorisable `exp` with the
//! sigmoid/tanh/LSTM cell built on it, and the transformer's element-wise
//! stages ([`elementwise`]), each compiled for baseline, AVX2 and AVX-512 and
//! chosen at run time ([`simd`], [`crate::multiversion!`]).
//!
//! `f32::exp`/`tanh` are scalar libm calls; with hidden size 128–200 an LSTM
//! evaluates ~1,000 of them per token and direction, which would dominate
//! inference time. The approximations below are branch-free so the compiler
//! vectorises them; their relative error (~1e-7) is far below the noise the
//! network tolerates, and tests compare the whole path against burn.

// Unsafe SIMD paths live here, so `unsafe_code = "forbid"` (the workspace lint)
// cannot apply; every other workspace lint does.
#![warn(missing_docs)]

pub mod elementwise;
pub mod simd;

pub use elementwise::{add_assign, axpy, erf, gelu_erf, gelu_tanh, layer_norm, softmax_rows};

/// `c[m×n] (+)= a[m×k] · b[k×n]`, all row-major and contiguous.
pub fn matmul(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], accumulate: bool) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(a.len() >= m * k, "lhs too short");
    assert!(b.len() >= k * n && c.len() >= m * n, "rhs or dst too short");
    if k == 0 {
        if !accumulate {
            c[..m * n].fill(0.0);
        }
        return;
    }
    // SAFETY: the asserts above guarantee every index the kernel touches,
    // (i*k + p) < a.len(), (p*n + j) < b.len(), (i*n + j) < c.len() for
    // i < m, p < k, j < n, is in bounds; `c` does not alias `a` or `b`
    // (distinct borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `c[m×n] = a[m×k] · b[k×n] + bias`, `bias` (`[n]`) added to every row:
/// the affine layers of inference (LSTM input projections, output layers).
pub fn matmul_bias(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    bias: &[f32],
    c: &mut [f32],
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        bias.len() == n && c.len() >= m * n,
        "bias or dst has the wrong size"
    );
    for row in c[..m * n].chunks_exact_mut(n) {
        row.copy_from_slice(bias);
    }
    matmul(m, k, n, a, b, c, true);
}

/// `x` rounded to the nearest integer (ties to even), for `|x| < 2^22`,
/// with plain vector operations: `f32::round` is a libm call on baseline
/// x86-64 and `as i32` a saturating cast with scalar fix-ups per lane.
/// Adding 1.5·2^23 leaves the rounded value in the low mantissa bits (one
/// unit per ulp in [2^23, 2^24)), so an integer subtraction reads it out.
#[inline(always)]
pub fn round_small(x: f32) -> i32 {
    const ROUND: f32 = 12_582_912.0;
    (x + ROUND).to_bits() as i32 - ROUND.to_bits() as i32
}

/// `e^x` in `f32` without a libm call, so that the loops calling it
/// vectorise: range reduction to `2^n · e^r` with `|r| ≤ ln2/2` and a
/// degree-7 Taylor polynomial (relative error below 2e-7). Inputs are clamped
/// to `[-87, 88]`: arguments below give ~0, none overflow.
#[inline(always)]
pub fn exp_fast(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.clamp(-87.0, 88.0);
    let ni = round_small(x * LOG2E);
    let n = ni as f32;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    f32::from_bits(((ni + 127) as u32) << 23) * p
}

#[inline(always)]
fn sigmoid_one(x: f32) -> f32 {
    1.0 / (1.0 + exp_fast(-x))
}

#[inline(always)]
pub(crate) fn tanh_one(x: f32) -> f32 {
    2.0 / (1.0 + exp_fast(-2.0 * x)) - 1.0
}

multiversion! {
    /// One LSTM cell update over a row of `4H` pre-activations laid out
    /// `[input | forget | cell | output]`: updates `c` and `h` (both `[H]`).
    pub fn lstm_cell, lstm_cell_portable(gates: &[f32], c: &mut [f32], h: &mut [f32]) {
        assert!(gates.len() == 4 * c.len() && h.len() == c.len());
        let hd = c.len();
        let (gi, rest) = gates.split_at(hd);
        let (gf, rest) = rest.split_at(hd);
        let (gg, go) = rest.split_at(hd);
        for j in 0..hd {
            let i = sigmoid_one(gi[j]);
            let f = sigmoid_one(gf[j]);
            let g = tanh_one(gg[j]);
            let o = sigmoid_one(go[j]);
            let cj = f * c[j] + i * g;
            c[j] = cj;
            h[j] = o * tanh_one(cj);
        }
    }
}

multiversion! {
    /// In-place `tanh` over a slice.
    pub fn tanh_slice, tanh_slice_portable(xs: &mut [f32]) {
        for x in xs {
            *x = tanh_one(*x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approximations_are_accurate() {
        let mut x = -30.0f32;
        while x < 30.0 {
            let e = exp_fast(x);
            assert!((e - x.exp()).abs() <= 3e-7 * x.exp(), "exp {x}");
            assert!(
                (sigmoid_one(x) - 1.0 / (1.0 + (-x).exp())).abs() < 1e-6,
                "sigmoid {x}"
            );
            assert!((tanh_one(x) - x.tanh()).abs() < 1e-6, "tanh {x}");
            x += 0.0137;
        }
        assert!(exp_fast(-1000.0) >= 0.0 && exp_fast(1000.0).is_finite());
        assert_eq!(tanh_one(50.0), 1.0);
        assert!(sigmoid_one(-200.0) < 1e-30);
    }

    #[test]
    fn round_small_rounds_to_nearest_even() {
        for (x, want) in [
            (0.0f32, 0),
            (0.4, 0),
            (0.5, 0),
            (1.5, 2),
            (2.5, 2),
            (-0.6, -1),
            (-2.5, -2),
            (126.7, 127),
            (-127.0, -127),
        ] {
            assert_eq!(round_small(x), want, "{x}");
        }
    }

    #[test]
    fn exp_fast_is_accurate_over_the_range_used() {
        let mut x = -80.0f32;
        while x < 80.0 {
            let (got, want) = (exp_fast(x), x.exp());
            assert!(((got - want) / want).abs() < 5e-7, "{x}: {got} vs {want}");
            x += 0.173;
        }
        assert!(exp_fast(-1000.0) < 1e-37);
        assert_eq!(exp_fast(0.0), 1.0);
    }

    #[test]
    fn wide_lstm_cell_and_tanh_equal_the_baseline_bit_for_bit() {
        for hd in [1usize, 7, 16, 200] {
            let gates: Vec<f32> = (0..4 * hd)
                .map(|i| (i as f32 * 0.731).sin() * 4.0)
                .collect();
            let c0: Vec<f32> = (0..hd).map(|i| (i as f32 * 0.29).cos()).collect();
            let (mut c1, mut h1) = (c0.clone(), vec![0.0; hd]);
            let (mut c2, mut h2) = (c0.clone(), vec![0.0; hd]);
            lstm_cell(&gates, &mut c1, &mut h1);
            lstm_cell_portable(&gates, &mut c2, &mut h2);
            assert_eq!((c1, h1), (c2, h2), "lstm {hd}");
            let (mut a, mut b) = (gates.clone(), gates.clone());
            tanh_slice(&mut a);
            tanh_slice_portable(&mut b);
            assert_eq!(a, b, "tanh {hd}");
        }
    }

    #[test]
    fn matmul_matches_naive() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let mut c = vec![1.0f32; m * n];
        matmul(m, k, n, &a, &b, &mut c, true);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = 1.0 + (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum::<f32>();
                assert!((c[i * n + j] - want).abs() < 1e-5);
            }
        }
        matmul(m, k, n, &a, &b, &mut c, false);
        let want0: f32 = (0..k).map(|p| a[p] * b[p * n]).sum();
        assert!((c[0] - want0).abs() < 1e-5);
        let bias = [0.5f32, -1.0, 2.0];
        let mut d = vec![9.0f32; m * n];
        matmul_bias(m, k, n, &a, &b, &bias, &mut d);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = bias[j] + (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum::<f32>();
                assert!((d[i * n + j] - want).abs() < 1e-5);
            }
        }
    }
}
