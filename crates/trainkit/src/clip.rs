//! Global gradient-norm clipping over any burn module.
//!
//! All gradients are scaled together so that their joint L2 norm is at most
//! the limit: the direction of the update is kept, unlike per-tensor clipping.

use tweetner_model::burn::module::{Module, ModuleVisitor, Param};
use tweetner_model::burn::optim::GradientsParams;
use tweetner_model::burn::tensor::Tensor;

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

/// Clip the gradients of `model`'s parameters to a joint L2 norm of at most
/// `max_norm` (0 = no clipping). Returns the norm before clipping.
pub fn clip_global_norm<M: Module>(model: &M, grads: &mut GradientsParams, max_norm: f64) -> f64 {
    let mut norm = SquaredNorm { grads, total: 0.0 };
    model.visit(&mut norm);
    let total = norm.total.sqrt();
    if max_norm > 0.0 && total > max_norm {
        model.visit(&mut Rescale {
            grads,
            factor: (max_norm / total) as f32,
        });
    }
    total
}
