//! Small helpers shared by the burn-facing modules.

use burn::tensor::Device;
use burn::tensor::{Int, Tensor, TensorData};

use crate::error::ModelError;

/// Read any float tensor back as a flat row-major `Vec<f32>`.
pub fn tensor_to_vec<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, ModelError> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| ModelError::Tensor(format!("reading tensor data: {e:?}")))
}

/// Build a float tensor from a flat vector and a shape.
pub fn float_tensor<const D: usize>(
    values: Vec<f32>,
    shape: [usize; D],
    device: &Device,
) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// Build an int tensor from a flat vector and a shape.
pub fn int_tensor<const D: usize>(
    values: Vec<i64>,
    shape: [usize; D],
    device: &Device,
) -> Tensor<D, Int> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// `log(sum(exp(x)))` along `dim` (kept as size 1), stabilised by the
/// detached maximum so the gradient flows only through the exact expression.
pub fn log_sum_exp_dim<const D: usize>(x: Tensor<D>, dim: usize) -> Tensor<D> {
    let m = x.clone().max_dim(dim).detach();
    (x - m.clone()).exp().sum_dim(dim).log() + m
}
