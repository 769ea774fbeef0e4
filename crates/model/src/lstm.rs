//! Length-aware LSTM layers (Burn), written here rather than using
//! `burn::nn::BiLstm` for two reasons:
//!
//! * burn's `BiLstm` runs its reverse direction from the last *padded*
//!   position, so padding leaks into the backward states of real tokens. Here
//!   the reverse direction runs forwards over per-sentence reversed inputs
//!   (see [`crate::batch::reverse_index`]), so padding always trails.
//! * one fused `[D, 4H]` input projection for all time steps and one `[H, 4H]`
//!   recurrent matmul per step (instead of eight small matmuls per step) keeps
//!   the per-op overhead of the CPU backend down.
//!
//! Gate layout along the `4H` axis is `[input | forget | cell | output]`; the
//! same layout is read by the plain-`f32` inference path.

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Int, Tensor};

use crate::util::float_tensor;

/// One direction of an LSTM.
#[derive(Module, Debug)]
pub struct LstmDirection {
    /// Input projection `[D, 4H]` with bias.
    pub input: Linear,
    /// Recurrent projection `[H, 4H]`, no bias.
    pub hidden: Linear,
    /// Hidden size `H`.
    pub d_hidden: usize,
}

impl LstmDirection {
    /// Fresh weights; the forget-gate bias starts at 1 so early training
    /// keeps memory instead of wiping it.
    pub fn new(d_input: usize, d_hidden: usize, device: &Device) -> Self {
        let mut input = LinearConfig::new(d_input, 4 * d_hidden).init(device);
        let mut bias = vec![0.0f32; 4 * d_hidden];
        bias[d_hidden..2 * d_hidden].fill(1.0);
        input.bias = Some(Param::from_tensor(float_tensor(
            bias,
            [4 * d_hidden],
            device,
        )));
        let hidden = LinearConfig::new(d_hidden, 4 * d_hidden)
            .with_bias(false)
            .init(device);
        LstmDirection {
            input,
            hidden,
            d_hidden,
        }
    }

    /// Run left to right over `x: [B, T, D]`, returning all hidden states `[B, T, H]`.
    /// Outputs at padded positions are meaningless but, since padding trails,
    /// never influence real positions.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, t, _] = x.dims();
        let h_dim = self.d_hidden;
        let device = x.device();
        if t == 0 {
            return Tensor::zeros([b, 0, h_dim], &device);
        }
        let projected = self.input.forward(x); // [B, T, 4H]
        let mut h: Tensor<2> = Tensor::zeros([b, h_dim], &device);
        let mut c: Tensor<2> = Tensor::zeros([b, h_dim], &device);
        let mut outputs = Vec::with_capacity(t);
        for step in projected.chunk(t, 1) {
            let gates = step.reshape([b, 4 * h_dim]) + self.hidden.forward(h);
            let mut parts = gates.chunk(4, 1).into_iter();
            let (Some(i), Some(f), Some(g), Some(o)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                unreachable!("chunk(4) of a 4H axis yields four parts");
            };
            c = sigmoid(f) * c + sigmoid(i) * g.tanh();
            h = sigmoid(o) * c.clone().tanh();
            outputs.push(h.clone());
        }
        Tensor::stack(outputs, 1)
    }
}

/// Reorder the time axis of `x: [B, T, D]` with a flat `[B * T]` row index.
pub fn reorder_time(x: Tensor<3>, index: Tensor<1, Int>) -> Tensor<3> {
    let [b, t, d] = x.dims();
    x.reshape([b * t, d]).select(0, index).reshape([b, t, d])
}

/// A bidirectional layer: output `[B, T, 2H]` = forward ⊕ backward states.
#[derive(Module, Debug)]
pub struct BiLstmLayer {
    /// Left-to-right direction.
    pub forward: LstmDirection,
    /// Right-to-left direction (run on per-sentence reversed input).
    pub backward: LstmDirection,
}

impl BiLstmLayer {
    /// Fresh layer.
    pub fn new(d_input: usize, d_hidden: usize, device: &Device) -> Self {
        BiLstmLayer {
            forward: LstmDirection::new(d_input, d_hidden, device),
            backward: LstmDirection::new(d_input, d_hidden, device),
        }
    }

    /// `x: [B, T, D]`, `reverse: [B * T]` from [`crate::batch::reverse_index`].
    pub fn forward(&self, x: Tensor<3>, reverse: Tensor<1, Int>) -> Tensor<3> {
        let fwd = self.forward.forward(x.clone());
        let reversed = reorder_time(x, reverse.clone());
        let bwd = reorder_time(self.backward.forward(reversed), reverse);
        Tensor::cat(vec![fwd, bwd], 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::reverse_index;
    use crate::testutil::Rng;
    use crate::util::{int_tensor, tensor_to_vec};

    /// Real-token outputs must not depend on padding content or amount.
    #[test]
    fn padding_never_reaches_real_tokens() {
        let device = crate::cpu_device();
        let (d, h) = (3, 4);
        let layer = BiLstmLayer::new(d, h, &device);
        let mut rng = Rng::new(3);
        let lengths = [4usize, 2, 1];
        let run = |t_max: usize, rng: &mut Rng| {
            let x = rng.vec(lengths.len() * t_max * d, 5.0);
            (t_max, x)
        };
        // Same real tokens, different padding widths and garbage.
        let real: Vec<Vec<f32>> = lengths.iter().map(|&l| rng.vec(l * d, 1.0)).collect();
        let mut outs = Vec::new();
        for t_max in [4usize, 6] {
            let (_, mut x) = run(t_max, &mut rng);
            for (bi, r) in real.iter().enumerate() {
                x[bi * t_max * d..bi * t_max * d + r.len()].copy_from_slice(r);
            }
            let idx = reverse_index(&lengths, t_max);
            let rev = int_tensor(idx, [lengths.len() * t_max], &device);
            let y = layer.forward(float_tensor(x, [lengths.len(), t_max, d], &device), rev);
            let y = tensor_to_vec(y).expect("read");
            let mut real_out = Vec::new();
            for (bi, &l) in lengths.iter().enumerate() {
                real_out.push(y[bi * t_max * 2 * h..(bi * t_max + l) * 2 * h].to_vec());
            }
            outs.push(real_out);
        }
        assert_eq!(outs[0], outs[1]);
        // And a sentence alone (no padding) gives the same states.
        let alone = float_tensor(real[1].clone(), [1, 2, d], &device);
        let rev = int_tensor(reverse_index(&[2], 2), [2], &device);
        let y = tensor_to_vec(layer.forward(alone, rev)).expect("read");
        for (a, b) in y.iter().zip(&outs[0][1]) {
            assert!((a - b).abs() < 1e-5);
        }
    }

    /// The backward half at position t must summarise tokens t..len, i.e. equal
    /// a forward run over the explicitly reversed sentence.
    #[test]
    fn backward_direction_reads_right_to_left() {
        let device = crate::cpu_device();
        let (d, h, t) = (2, 3, 5);
        let layer = BiLstmLayer::new(d, h, &device);
        let x = Rng::new(8).vec(t * d, 1.0);
        let rev = int_tensor(reverse_index(&[t], t), [t], &device);
        let y = tensor_to_vec(layer.forward(float_tensor(x.clone(), [1, t, d], &device), rev))
            .expect("read");
        let reversed: Vec<f32> = x.chunks(d).rev().flatten().copied().collect();
        let manual = tensor_to_vec(layer.backward.forward(float_tensor(
            reversed,
            [1, t, d],
            &device,
        )))
        .expect("read");
        for pos in 0..t {
            let got = &y[pos * 2 * h + h..(pos + 1) * 2 * h];
            let want = &manual[(t - 1 - pos) * h..(t - pos) * h];
            for (a, b) in got.iter().zip(want) {
                assert!((a - b).abs() < 1e-5);
            }
        }
    }
}
