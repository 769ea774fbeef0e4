//! Optimizer construction, learning-rate schedule and global gradient-norm clipping.

use tweetner_model::burn::module::{Module, ModuleVisitor, Param};
use tweetner_model::burn::optim::decay::WeightDecayConfig;
use tweetner_model::burn::optim::momentum::MomentumConfig;
use tweetner_model::burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use tweetner_model::burn::tensor::Tensor;
use tweetner_model::BiLstmCrf;

use crate::config::{OptimizerKind, TrainSection};

/// The configured optimizer (clipping is done separately, over all parameters at once).
pub fn build_optimizer(t: &TrainSection) -> ModuleOptimizer {
    let decay = (t.weight_decay > 0.0).then(|| WeightDecayConfig::new(t.weight_decay as f32));
    match t.optimizer {
        OptimizerKind::Adam => AdamConfig::new().with_weight_decay(decay).init(),
        OptimizerKind::Sgd => {
            // Plain heavy-ball momentum: no dampening, as in the usual SGD formulation.
            let momentum = (t.momentum > 0.0).then(|| {
                MomentumConfig::new()
                    .with_momentum(t.momentum)
                    .with_dampening(0.0)
            });
            SgdConfig::new()
                .with_weight_decay(decay)
                .with_momentum(momentum)
                .init()
        }
    }
}

/// Learning rate of 0-based `epoch`: `lr / (1 + lr_decay * epoch)`.
pub fn learning_rate(t: &TrainSection, epoch: usize) -> f64 {
    t.lr / (1.0 + t.lr_decay * epoch as f64)
}

fn scalar(t: Tensor<1>) -> f64 {
    t.into_data().iter::<f32>().next().map_or(0.0, f64::from)
}

struct SquaredNorm<'a> {
    grads: &'a GradientsParams,
    total: f64,
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            self.total += scalar(g.square().sum());
        }
    }
}

struct Rescale<'a> {
    grads: &'a mut GradientsParams,
    factor: f32,
}

impl ModuleVisitor for Rescale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            self.grads.register(param.id, g.mul_scalar(self.factor));
        }
    }
}

/// Scale all gradients together so that their joint L2 norm is at most `max_norm`
/// (the direction of the update is kept, unlike per-tensor clipping). Returns the norm
/// before clipping.
pub fn clip_global_norm(model: &BiLstmCrf, grads: &mut GradientsParams, max_norm: f64) -> f64 {
    let mut norm = SquaredNorm { grads, total: 0.0 };
    model.visit(&mut norm);
    let total = norm.total.sqrt();
    if max_norm > 0.0 && total > max_norm {
        let mut r = Rescale {
            grads,
            factor: (max_norm / total) as f32,
        };
        model.visit(&mut r);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_schedule() {
        let t = TrainSection {
            lr: 0.015,
            lr_decay: 0.05,
            ..TrainSection::default()
        };
        assert!((learning_rate(&t, 0) - 0.015).abs() < 1e-12);
        assert!((learning_rate(&t, 10) - 0.01).abs() < 1e-12);
    }
}
