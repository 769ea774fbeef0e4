//! A loss tensor as a plain number, for the divergence check and the log.

use tweetner_model::burn::tensor::Tensor;

/// The value of a one-element loss tensor (`NaN` if it holds none, which the
/// trainers' divergence check then reports like any non-finite loss).
pub fn loss_value(loss: &Tensor<1>) -> f64 {
    loss.clone()
        .into_data()
        .iter::<f32>()
        .next()
        .map_or(f64::NAN, f64::from)
}
