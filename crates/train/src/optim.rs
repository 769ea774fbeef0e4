//! Optimizer construction and the learning-rate schedule (clipping is shared:
//! [`tweetner_trainkit::clip_global_norm`]).

use tweetner_model::burn::optim::decay::WeightDecayConfig;
use tweetner_model::burn::optim::momentum::MomentumConfig;
use tweetner_model::burn::optim::{AdamConfig, ModuleOptimizer, SgdConfig};

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
