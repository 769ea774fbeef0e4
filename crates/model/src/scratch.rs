//! The per-thread work buffers of plain-`f32` inference ([`crate::infer`]).

/// Reusable work buffers. Inference allocates several multi-megabyte arrays
/// per batch; reusing them per thread avoids fresh pages (and their page
/// faults) on every call.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub(crate) xp: Vec<f32>,
    pub(crate) hs: Vec<f32>,
    pub(crate) cs: Vec<f32>,
    pub(crate) gates: Vec<f32>,
    pub(crate) x: Vec<f32>,
    pub(crate) y: Vec<f32>,
    pub(crate) cols: Vec<f32>,
    pub(crate) conv: Vec<f32>,
    pub(crate) chars: Vec<f32>,
    pub(crate) states: Vec<f32>,
}

/// Largest buffer (in floats, 4 MiB) a thread keeps between calls. A batch of
/// 64 tweets needs far less; a batch of 2,000-token texts (the server takes
/// them, up to `max_text_tokens`) needs hundreds of MiB, which must go back
/// to the allocator afterwards instead of staying with the thread for good.
const KEEP_FLOATS: usize = 1 << 20;

impl Scratch {
    /// Frees the buffers that grew past [`KEEP_FLOATS`].
    pub(crate) fn trim(&mut self) {
        for buf in [
            &mut self.xp,
            &mut self.hs,
            &mut self.cs,
            &mut self.gates,
            &mut self.x,
            &mut self.y,
            &mut self.cols,
            &mut self.conv,
            &mut self.chars,
            &mut self.states,
        ] {
            if buf.capacity() > KEEP_FLOATS {
                *buf = Vec::new();
            }
        }
    }

    /// Floats held by all buffers.
    #[cfg(test)]
    fn held(&self) -> usize {
        [
            &self.xp,
            &self.hs,
            &self.cs,
            &self.gates,
            &self.x,
            &self.y,
            &self.cols,
            &self.conv,
            &self.chars,
            &self.states,
        ]
        .iter()
        .map(|b| b.capacity())
        .sum()
    }
}

thread_local! {
    pub(crate) static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Resize `buf` to `n` zeros, reusing its allocation.
pub(crate) fn zeroed(buf: &mut Vec<f32>, n: usize) -> &mut [f32] {
    buf.clear();
    buf.resize(n, 0.0);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 16, "return freed memory": a buffer grown for one huge batch is
    /// freed after it; the usual sizes stay for the next call.
    #[test]
    fn buffers_past_the_cap_are_freed_and_small_ones_kept() {
        let mut s = Scratch::default();
        zeroed(&mut s.x, 3 * KEEP_FLOATS);
        zeroed(&mut s.gates, 1000);
        s.trim();
        assert_eq!(s.x.capacity(), 0);
        assert!(s.gates.capacity() >= 1000);
        assert!(s.held() <= KEEP_FLOATS);
    }
}
