//! Int8 linear layers for transformer inference: weights quantised once per
//! output column, activations quantised per token at run time.
//!
//! Why: a fine-tuned MiniLM spends most of its inference time in the four
//! linear layers of each encoder layer. On CPUs with AVX-512 VNNI one
//! `vpdpbusd` does 64 u8×i8 multiply-adds, four times the multiply-adds of an
//! f32 FMA of the same width, and the weights shrink fourfold, so these layers
//! run in int8 while attention, layer norms and GELU stay in f32.
//!
//! Scheme (symmetric, per-row activation scale `s_r`, per-column weight scale
//! `w_n`): `x ≈ s_r·q`, `W[:,n] ≈ w_n·p[:,n]` with `q, p ∈ [-127, 127]`.
//! VNNI wants unsigned activations, so `u = q + 128` is fed instead and the
//! `128·Σ_k p[k,n]` it adds is subtracted again from the i32 sum, which stays
//! exact: `y[r,n] = s_r·w_n·(Σ_k u·p − 128·Σ_k p) + b_n`.
//!
//! Weights are packed column block by column block (64 columns), four
//! consecutive inputs per 32-bit lane, so that a block's weights are
//! contiguous and one 64-byte load feeds sixteen columns. CPUs with AVX2 but
//! no VNNI widen to i16 (`vpmaddwd`); others use a portable loop over the same
//! layout; all three give the same integers.

/// Output columns per packed block (four 16-lane vectors).
const BLOCK: usize = 64;
/// Rows (tokens) computed together; each weight load is reused this often.
const ROWS: usize = 6;

/// A `[d_in → d_out]` linear layer with int8 weights.
#[derive(Debug, Clone)]
pub struct QuantLinear {
    /// `[block][k4][64 columns][4 inputs]`.
    packed: Vec<i8>,
    /// Per output column: `max |W[:,n]| / 127`.
    scale: Vec<f32>,
    /// Per output column (padded): `Σ_k p[k, n]`.
    colsum: Vec<i32>,
    bias: Vec<f32>,
    d_in: usize,
    d_out: usize,
    /// `d_in` rounded up to a multiple of 4.
    k_pad: usize,
    /// `d_out` rounded up to a multiple of [`BLOCK`].
    n_pad: usize,
}

/// Whether this CPU runs the VNNI kernel (checked once per call; the check is cached by std).
fn has_vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The symmetric int8 scale of values whose largest magnitude is `amax`
/// (`amax / 127`; 1 when all are zero). Shared with int8 storage
/// ([`crate::compact`]), whose stored linears must come back as the very
/// integers [`QuantLinear::new`] makes.
pub(crate) fn int8_scale(amax: f32) -> f32 {
    if amax > 0.0 {
        amax / 127.0
    } else {
        1.0
    }
}

/// `v` in steps of `scale`, rounded and clamped to `[-127, 127]`.
pub(crate) fn to_int8(v: f32, scale: f32) -> i8 {
    (v / scale).round().clamp(-127.0, 127.0) as i8
}

/// Whether [`QuantLinear`] runs the AVX-512 VNNI kernel here (else the AVX2 kernel where
/// the CPU has AVX2, and the portable loop elsewhere).
pub fn int8_accelerated() -> bool {
    has_vnni()
}

impl QuantLinear {
    /// Quantise a row-major `[d_in, d_out]` weight matrix and its bias.
    pub fn new(w: &[f32], bias: &[f32], d_in: usize, d_out: usize) -> Self {
        let k_pad = d_in.div_ceil(4) * 4;
        let n_pad = d_out.div_ceil(BLOCK) * BLOCK;
        let k4 = k_pad / 4;
        let mut scale = vec![0.0f32; d_out];
        for (n, s) in scale.iter_mut().enumerate() {
            let amax = (0..d_in)
                .map(|k| w[k * d_out + n].abs())
                .fold(0.0f32, f32::max);
            *s = int8_scale(amax);
        }
        let mut packed = vec![0i8; n_pad * k_pad];
        let mut colsum = vec![0i32; n_pad];
        for k in 0..d_in {
            for n in 0..d_out {
                let q = to_int8(w[k * d_out + n], scale[n]);
                let (blk, col) = (n / BLOCK, n % BLOCK);
                packed[((blk * k4 + k / 4) * BLOCK + col) * 4 + k % 4] = q;
                colsum[n] += i32::from(q);
            }
        }
        let mut b = bias.to_vec();
        b.resize(d_out, 0.0);
        QuantLinear {
            packed,
            scale,
            colsum,
            bias: b,
            d_in,
            d_out,
            k_pad,
            n_pad,
        }
    }

    /// Input width.
    pub fn d_in(&self) -> usize {
        self.d_in
    }

    /// Output width.
    pub fn d_out(&self) -> usize {
        self.d_out
    }

    /// `x [t, d_in]` → `[t, d_out]`.
    pub fn forward(&self, x: &[f32], t: usize) -> Vec<f32> {
        let (u, scales) = self.quantize_rows(x, t);
        let acc = self.accumulate(&u, t);
        let mut y = vec![0.0f32; t * self.d_out];
        for ((out, a), &s) in y
            .chunks_exact_mut(self.d_out.max(1))
            .zip(acc.chunks_exact(self.n_pad.max(1)))
            .zip(&scales)
        {
            dequantize_row(a, &self.colsum, s, &self.scale, &self.bias, out);
        }
        y
    }

    /// Rows as `u8` (`q + 128`, padded with 128 = zero) and their scales.
    fn quantize_rows(&self, x: &[f32], t: usize) -> (Vec<u8>, Vec<f32>) {
        let mut u = vec![128u8; t * self.k_pad];
        let mut scales = vec![0.0f32; t];
        for (r, s) in scales.iter_mut().enumerate() {
            let row = &x[r * self.d_in..(r + 1) * self.d_in];
            *s = quantize_row(row, &mut u[r * self.k_pad..r * self.k_pad + self.d_in]);
        }
        (u, scales)
    }

    /// `Σ_k u[r,k]·p[k,n]` for every row and (padded) column.
    fn accumulate(&self, u: &[u8], t: usize) -> Vec<i32> {
        let mut acc = vec![0i32; t * self.n_pad];
        #[cfg(target_arch = "x86_64")]
        if has_vnni() {
            // SAFETY: the features the kernel is compiled for were detected
            // above; `u` holds `t·k_pad` bytes, `packed` `n_pad·k_pad`, `acc`
            // `t·n_pad`, which bounds every load and store the kernel makes.
            unsafe { vnni::accumulate(self, u, t, &mut acc) };
            return acc;
        }
        #[cfg(target_arch = "x86_64")]
        if tweetner_kernels::simd::level() >= tweetner_kernels::simd::Level::Avx2 {
            let wide: Vec<i16> = u.iter().map(|&v| i16::from(v)).collect();
            // SAFETY: the level (AVX2 or wider) implies AVX2; `wide` holds `t·k_pad` values
            // (`k_pad` a multiple of 4), `packed` `n_pad·k_pad`, `acc` `t·n_pad`.
            unsafe { avx2::accumulate(self, &wide, t, &mut acc) };
            return acc;
        }
        self.accumulate_portable(u, t, &mut acc);
        acc
    }

    fn accumulate_portable(&self, u: &[u8], t: usize, acc: &mut [i32]) {
        let k4 = self.k_pad / 4;
        for blk in 0..self.n_pad / BLOCK {
            let wb = &self.packed[blk * k4 * BLOCK * 4..(blk + 1) * k4 * BLOCK * 4];
            for r in 0..t {
                let row = &u[r * self.k_pad..(r + 1) * self.k_pad];
                let out =
                    &mut acc[r * self.n_pad + blk * BLOCK..r * self.n_pad + (blk + 1) * BLOCK];
                for kk in 0..k4 {
                    let a = &row[kk * 4..kk * 4 + 4];
                    let w = &wb[kk * BLOCK * 4..(kk + 1) * BLOCK * 4];
                    for (col, o) in out.iter_mut().enumerate() {
                        let p = &w[col * 4..col * 4 + 4];
                        *o += (0..4)
                            .map(|b| i32::from(a[b]) * i32::from(p[b]))
                            .sum::<i32>();
                    }
                }
            }
        }
    }
}

tweetner_kernels::multiversion! {
    /// One row as `u8` (`q + 128`) in steps of its own scale, which it returns.
    fn quantize_row, quantize_row_portable(row: &[f32], dst: &mut [u8]) -> f32 {
        let amax = tweetner_kernels::simd::max16(row, f32::abs);
        // An overflowed activation must not make every other one zero.
        let s = if amax.is_finite() { int8_scale(amax) } else { 1.0 };
        let inv = 1.0 / s;
        for (d, v) in dst.iter_mut().zip(row) {
            let q = tweetner_kernels::round_small((v * inv).clamp(-127.0, 127.0));
            *d = (q + 128) as u8;
        }
        s
    }
}

tweetner_kernels::multiversion! {
    /// `out[n] = s·scale[n]·(acc[n] − 128·colsum[n]) + bias[n]`.
    fn dequantize_row, dequantize_row_portable(
        acc: &[i32],
        colsum: &[i32],
        s: f32,
        scale: &[f32],
        bias: &[f32],
        out: &mut [f32],
    ) {
        for ((((o, a), c), w), b) in out.iter_mut().zip(acc).zip(colsum).zip(scale).zip(bias) {
            *o = (a - 128 * c) as f32 * s * w + b;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use super::{QuantLinear, BLOCK, ROWS};
    use std::arch::x86_64::*;

    /// Blocks of [`ROWS`] rows × 64 columns, their 24 accumulators in registers (of 32).
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn accumulate(q: &QuantLinear, u: &[u8], t: usize, acc: &mut [i32]) {
        let k4 = q.k_pad / 4;
        for blk in 0..q.n_pad / BLOCK {
            let wb = q.packed.as_ptr().add(blk * k4 * BLOCK * 4);
            let mut r = 0;
            while r < t {
                let rows = (t - r).min(ROWS);
                match rows {
                    6 => block::<6>(wb, u.as_ptr().add(r * q.k_pad), q, k4, acc, r, blk),
                    5 => block::<5>(wb, u.as_ptr().add(r * q.k_pad), q, k4, acc, r, blk),
                    4 => block::<4>(wb, u.as_ptr().add(r * q.k_pad), q, k4, acc, r, blk),
                    3 => block::<3>(wb, u.as_ptr().add(r * q.k_pad), q, k4, acc, r, blk),
                    2 => block::<2>(wb, u.as_ptr().add(r * q.k_pad), q, k4, acc, r, blk),
                    _ => block::<1>(wb, u.as_ptr().add(r * q.k_pad), q, k4, acc, r, blk),
                }
                r += rows;
            }
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn block<const R: usize>(
        wb: *const i8,
        rows: *const u8,
        q: &QuantLinear,
        k4: usize,
        acc: &mut [i32],
        r0: usize,
        blk: usize,
    ) {
        let mut s = [[_mm512_setzero_si512(); 4]; R];
        for kk in 0..k4 {
            let w = wb.add(kk * BLOCK * 4);
            let w0 = _mm512_loadu_si512(w as *const _);
            let w1 = _mm512_loadu_si512(w.add(64) as *const _);
            let w2 = _mm512_loadu_si512(w.add(128) as *const _);
            let w3 = _mm512_loadu_si512(w.add(192) as *const _);
            for (r, sr) in s.iter_mut().enumerate() {
                let a = _mm512_set1_epi32(
                    (rows.add(r * q.k_pad + kk * 4) as *const i32).read_unaligned(),
                );
                sr[0] = _mm512_dpbusd_epi32(sr[0], a, w0);
                sr[1] = _mm512_dpbusd_epi32(sr[1], a, w1);
                sr[2] = _mm512_dpbusd_epi32(sr[2], a, w2);
                sr[3] = _mm512_dpbusd_epi32(sr[3], a, w3);
            }
        }
        for (r, sr) in s.iter().enumerate() {
            let out = acc.as_mut_ptr().add((r0 + r) * q.n_pad + blk * BLOCK);
            for (j, v) in sr.iter().enumerate() {
                _mm512_storeu_si512(out.add(16 * j) as *mut _, *v);
            }
        }
    }
}

/// CPUs with AVX2 but no VNNI (many AMD and older Intel server chips): the
/// same integers through `vpmaddwd` on activations and weights widened to
/// i16, whose pair sums (at most 2·255·127) cannot overflow, unlike the
/// saturating u8×i8 `vpmaddubsw`. Without it the portable loop ran a
/// compacted MiniLM some 60 times slower than f32 on such machines.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{QuantLinear, BLOCK};
    use std::arch::x86_64::*;

    /// Rows computed together: 4 rows × 8 columns keep 8 accumulators, two
    /// widened weight vectors and one broadcast activation in 16 registers.
    const ROWS: usize = 4;

    /// `wide` is `u` as i16, `t × k_pad`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn accumulate(q: &QuantLinear, wide: &[i16], t: usize, acc: &mut [i32]) {
        let k4 = q.k_pad / 4;
        for blk in 0..q.n_pad / BLOCK {
            let wb = q.packed.as_ptr().add(blk * k4 * BLOCK * 4);
            for group in 0..BLOCK / 8 {
                let mut r = 0;
                while r < t {
                    let rows = (t - r).min(ROWS);
                    let a = wide.as_ptr().add(r * q.k_pad);
                    let at = (r, blk * BLOCK + group * 8);
                    match rows {
                        4 => block::<4>(wb.add(group * 32), a, q, k4, acc, at),
                        3 => block::<3>(wb.add(group * 32), a, q, k4, acc, at),
                        2 => block::<2>(wb.add(group * 32), a, q, k4, acc, at),
                        _ => block::<1>(wb.add(group * 32), a, q, k4, acc, at),
                    }
                    r += rows;
                }
            }
        }
    }

    /// `R` rows × 8 columns starting at `(row, col)`; `w` points at the
    /// columns' first 4-input group, the next one `BLOCK·4` bytes on.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn block<const R: usize>(
        w: *const i8,
        a: *const i16,
        q: &QuantLinear,
        k4: usize,
        acc: &mut [i32],
        (row, col): (usize, usize),
    ) {
        let mut s = [[_mm256_setzero_si256(); 2]; R];
        for kk in 0..k4 {
            let wk = w.add(kk * BLOCK * 4);
            // Columns 0–3 and 4–7, four inputs each, as 16 i16.
            let w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(wk as *const _));
            let w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(wk.add(16) as *const _));
            for (r, sr) in s.iter_mut().enumerate() {
                let x = (a.add(r * q.k_pad + kk * 4) as *const i64).read_unaligned();
                let x = _mm256_set1_epi64x(x);
                sr[0] = _mm256_add_epi32(sr[0], _mm256_madd_epi16(x, w0));
                sr[1] = _mm256_add_epi32(sr[1], _mm256_madd_epi16(x, w1));
            }
        }
        // Each column holds two partial sums (inputs 0+1 and 2+3) side by side.
        for (r, sr) in s.iter().enumerate() {
            let out = &mut acc[(row + r) * q.n_pad + col..][..8];
            for (half, v) in sr.iter().enumerate() {
                let mut lanes = [0i32; 8];
                _mm256_storeu_si256(lanes.as_mut_ptr() as *mut _, *v);
                for c in 0..4 {
                    out[half * 4 + c] = lanes[2 * c] + lanes[2 * c + 1];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random values in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn reference(w: &[f32], b: &[f32], x: &[f32], t: usize, d_in: usize, d_out: usize) -> Vec<f32> {
        let mut y = vec![0.0f32; t * d_out];
        for r in 0..t {
            for n in 0..d_out {
                y[r * d_out + n] = b[n]
                    + (0..d_in)
                        .map(|k| x[r * d_in + k] * w[k * d_out + n])
                        .sum::<f32>();
            }
        }
        y
    }

    #[test]
    fn kernel_and_portable_loop_give_the_same_integers() {
        // Odd shapes: inputs not a multiple of 4, outputs not of 64, rows not of 4.
        for (t, d_in, d_out) in [(1, 3, 5), (7, 38, 70), (5, 384, 128), (9, 130, 64)] {
            let w = values(d_in * d_out, 1);
            let q = QuantLinear::new(&w, &vec![0.0; d_out], d_in, d_out);
            let (u, _) = q.quantize_rows(&values(t * d_in, 2), t);
            let fast = q.accumulate(&u, t);
            let mut slow = vec![0i32; t * q.n_pad];
            q.accumulate_portable(&u, t, &mut slow);
            assert_eq!(fast, slow, "shape {t}×{d_in}→{d_out}");
        }
    }

    #[test]
    fn wide_row_kernels_equal_the_baseline() {
        for n in [1usize, 15, 16, 33, 384] {
            let row: Vec<f32> = values(n, 7).iter().map(|v| v * 3.0).collect();
            let (mut a, mut b) = (vec![0u8; n], vec![0u8; n]);
            assert_eq!(
                quantize_row(&row, &mut a),
                quantize_row_portable(&row, &mut b)
            );
            assert_eq!(a, b, "quantize {n}");
            // The rounding agrees with `to_int8`'s for the row's own scale.
            let s = quantize_row(&row, &mut a);
            for (u, v) in a.iter().zip(&row) {
                assert_eq!(i32::from(*u) - 128, i32::from(to_int8(*v, s)), "{v}");
            }
            let acc: Vec<i32> = (0..n as i32).map(|i| i * 37 - 500).collect();
            let colsum: Vec<i32> = (0..n as i32).map(|i| i % 11 - 5).collect();
            let (sc, bias) = (values(n, 8), values(n, 9));
            let (mut y1, mut y2) = (vec![0.0; n], vec![0.0; n]);
            dequantize_row(&acc, &colsum, 0.01, &sc, &bias, &mut y1);
            dequantize_row_portable(&acc, &colsum, 0.01, &sc, &bias, &mut y2);
            assert_eq!(y1, y2, "dequantize {n}");
        }
    }

    #[test]
    fn int8_matches_f32_to_quantisation_error() {
        let (t, d_in, d_out) = (6, 384, 96);
        let w = values(d_in * d_out, 3);
        let b = values(d_out, 4);
        let x = values(t * d_in, 5);
        let want = reference(&w, &b, &x, t, d_in, d_out);
        let got = QuantLinear::new(&w, &b, d_in, d_out).forward(&x, t);
        // Outputs have magnitude ~sqrt(384)/3 ≈ 6.5; two 8-bit roundings leave ~1%.
        let rms = (want.iter().map(|v| v * v).sum::<f32>() / want.len() as f32).sqrt();
        let err = want
            .iter()
            .zip(&got)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            err < 0.02 * rms.max(1.0) * 3.0,
            "max error {err} vs rms {rms}"
        );
        assert!(err > 0.0, "int8 cannot be exact on random weights");
    }

    #[test]
    fn zero_rows_and_zero_columns_stay_zero_plus_bias() {
        let (d_in, d_out) = (8, 3);
        let mut w = values(d_in * d_out, 6);
        for k in 0..d_in {
            w[k * d_out + 1] = 0.0;
        }
        let b = [0.5, -0.25, 2.0];
        let x = vec![0.0f32; 2 * d_in];
        let y = QuantLinear::new(&w, &b, d_in, d_out).forward(&x, 2);
        assert_eq!(y, vec![0.5, -0.25, 2.0, 0.5, -0.25, 2.0]);
    }
}
