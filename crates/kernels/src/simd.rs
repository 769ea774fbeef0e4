//! Run-time choice of instruction set for the element-wise loops.
//!
//! Why: release builds target baseline x86-64 so that the binary and the
//! Python wheel run on any x86-64 CPU. Compiled that way, the element-wise
//! loops of inference (GELU, softmax, layer norm, int8 row quantisation, the
//! LSTM cell) run four lanes wide with SSE2, and they took more time than the
//! int8 matmuls around them. [`crate::multiversion!`] compiles one loop body three
//! times (baseline, AVX2+FMA, AVX-512) and picks the widest the CPU has on
//! each call; the choice is detected once and cached.
//!
//! The three copies give bit-identical results: Rust never contracts
//! `a * b + c` into an FMA on its own, and the reductions below keep sixteen
//! partial sums in a fixed order whatever the vector width.

use std::sync::atomic::{AtomicU8, Ordering};

/// The widest instruction set [`crate::multiversion!`] functions use on this CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Whatever the build targets (SSE2 on x86-64).
    Baseline = 1,
    /// AVX2 with FMA.
    Avx2 = 2,
    /// AVX-512 F/BW/DQ/VL (plus AVX2 and FMA).
    Avx512 = 3,
}

static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The level detected on this CPU (cached after the first call).
#[inline]
pub fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        1 => Level::Baseline,
        2 => Level::Avx2,
        3 => Level::Avx512,
        _ => {
            let l = detect();
            LEVEL.store(l as u8, Ordering::Relaxed);
            l
        }
    }
}

fn detect() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        let avx2 = has!("avx2") && has!("fma");
        if avx2 && has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl") {
            return Level::Avx512;
        }
        if avx2 {
            return Level::Avx2;
        }
    }
    Level::Baseline
}

/// Defines `$name` (dispatching on [`level`]) and `$portable` (the same body
/// compiled for the build's baseline, for tests that compare the two).
///
/// ```
/// tweetner_kernels::multiversion! {
///     /// Doubles every value.
///     pub fn double, double_portable(x: &mut [f32]) {
///         x.iter_mut().for_each(|v| *v *= 2.0);
///     }
/// }
/// let mut a = [1.0f32, 2.5];
/// double(&mut a);
/// assert_eq!(a, [2.0, 5.0]);
/// ```
#[macro_export]
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident, $portable:ident
        ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        #[doc = concat!("[`", stringify!($name), "`] compiled for the build's baseline only.")]
        #[inline(always)]
        #[allow(dead_code)]
        $vis fn $portable($($arg: $ty),*) $(-> $ret)? $body

        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma,avx512f,avx512bw,avx512dq,avx512vl")]
                unsafe fn wide($($arg: $ty),*) $(-> $ret)? {
                    $portable($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $portable($($arg),*)
                }
                match $crate::simd::level() {
                    // SAFETY: `level` reports only features it detected on this CPU.
                    $crate::simd::Level::Avx512 => return unsafe { wide($($arg),*) },
                    // SAFETY: as above.
                    $crate::simd::Level::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::simd::Level::Baseline => {}
                }
            }
            $portable($($arg),*)
        }
    };
}

/// Sum with sixteen partial sums, so the loop vectorises at any width and the
/// result does not depend on it.
#[inline(always)]
pub fn sum16(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let mut chunks = x.chunks_exact(16);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    for (a, v) in acc.iter_mut().zip(chunks.remainder()) {
        *a += v;
    }
    acc.iter().sum()
}

/// Largest value of `f(x)` (`f32::NEG_INFINITY` for an empty slice), with
/// sixteen partial maxima like [`sum16`].
#[inline(always)]
pub fn max16(x: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 16];
    let mut chunks = x.chunks_exact(16);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a = a.max(f(*v));
        }
    }
    for (a, v) in acc.iter_mut().zip(chunks.remainder()) {
        *a = a.max(f(*v));
    }
    acc.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}
