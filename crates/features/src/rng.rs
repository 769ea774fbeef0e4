//! A tiny seeded generator (SplitMix64) for reproducible embedding initialisation
//! without pulling in a random-number crate.

pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[-a, a)`.
    pub(crate) fn uniform(&mut self, a: f32) -> f32 {
        // 24 random bits give every representable step of an f32 in [0, 1).
        let u = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        (2.0 * u - 1.0) * a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_bounded() {
        let a: Vec<f32> = {
            let mut r = SplitMix64::new(7);
            (0..1000).map(|_| r.uniform(0.5)).collect()
        };
        let mut r = SplitMix64::new(7);
        let b: Vec<f32> = (0..1000).map(|_| r.uniform(0.5)).collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|x| (-0.5..0.5).contains(x)));
        let mean = a.iter().sum::<f32>() / 1000.0;
        assert!(mean.abs() < 0.05, "{mean}");
        let mut c = SplitMix64::new(8);
        assert_ne!(c.uniform(0.5), a[0]);
    }
}
