//! AdamW with separate encoder and head learning rates, the linear warm-up +
//! decay schedule, global gradient-norm clipping and layer freezing.
//!
//! Two optimizers rather than one with a scaled gradient: Adam normalises
//! each update by the gradient's running scale, so scaling gradients would
//! not change the step size; the learning rate itself must differ.

use tweetner_trainkit::clip_global_norm;
use tweetner_transformer::burn::module::{Module, ModuleVisitor, Param};
use tweetner_transformer::burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use tweetner_transformer::burn::tensor::Tensor;
use tweetner_transformer::TokenClassifier;

use crate::config::TrainSection;

/// AdamW as configured (decay applied to every parameter, as the usual
/// fine-tuning recipes for these small heads do not separate LayerNorms).
pub fn adamw(t: &TrainSection) -> ModuleOptimizer {
    AdamWConfig::new()
        .with_weight_decay(t.weight_decay as f32)
        .init()
}

/// Linear warm-up over the first `warmup_steps` updates to `peak`, then
/// linear decay to 0 at `total_steps`. `step` is 0-based.
pub fn scheduled_lr(peak: f64, step: usize, warmup_steps: usize, total_steps: usize) -> f64 {
    if step < warmup_steps {
        return peak * (step + 1) as f64 / warmup_steps as f64;
    }
    let rest = total_steps.saturating_sub(warmup_steps).max(1);
    let done = step - warmup_steps;
    peak * (rest.saturating_sub(done)) as f64 / rest as f64
}

struct Take<'a> {
    from: &'a mut GradientsParams,
    into: GradientsParams,
}

impl ModuleVisitor for Take<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.from.remove::<D>(param.id) {
            self.into.register(param.id, g);
        }
    }
}

/// Move the gradients of `module`'s parameters out of `grads`.
pub fn take_grads<M: Module>(grads: &mut GradientsParams, module: &M) -> GradientsParams {
    let mut t = Take {
        from: grads,
        into: GradientsParams::new(),
    };
    module.visit(&mut t);
    t.into
}

/// Detach the frozen parts (embeddings, lowest layers) from the graph, so no
/// gradient is computed for them and the optimizer leaves them as they are.
pub fn freeze(mut model: TokenClassifier, t: &TrainSection) -> TokenClassifier {
    if t.freeze_embeddings {
        model.encoder.embeddings = model.encoder.embeddings.no_grad();
    }
    let n = t.freeze_layers.min(model.encoder.layers.len());
    let layers = std::mem::take(&mut model.encoder.layers);
    model.encoder.layers = layers
        .into_iter()
        .enumerate()
        .map(|(i, l)| if i < n { l.no_grad() } else { l })
        .collect();
    model
}

/// One update: clip, then step the encoder at `lr_encoder` and the head
/// (linear layers and CRF) at `lr_head`. Returns the updated model and the
/// gradient norm before clipping.
pub fn update(
    model: TokenClassifier,
    mut grads: GradientsParams,
    encoder_opt: &mut ModuleOptimizer,
    head_opt: &mut ModuleOptimizer,
    lr_encoder: f64,
    lr_head: f64,
    clip_norm: f64,
) -> (TokenClassifier, f64) {
    let norm = clip_global_norm(&model, &mut grads, clip_norm);
    let TokenClassifier {
        encoder,
        dropout,
        classifier,
        crf,
        lexicon,
        spec,
    } = model;
    let enc_grads = take_grads(&mut grads, &encoder);
    let cls_grads = take_grads(&mut grads, &classifier);
    let encoder = encoder_opt.step(lr_encoder, encoder, enc_grads);
    let classifier = head_opt.step(lr_head, classifier, cls_grads);
    let crf = crf.map(|c| {
        let g = take_grads(&mut grads, &c);
        head_opt.step(lr_head, c, g)
    });
    let lexicon = lexicon.map(|l| {
        let g = take_grads(&mut grads, &l);
        head_opt.step(lr_head, l, g)
    });
    (
        TokenClassifier {
            encoder,
            dropout,
            classifier,
            crf,
            lexicon,
            spec,
        },
        norm,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_then_decays_to_zero() {
        let lr = |s| scheduled_lr(1.0, s, 10, 110);
        assert!((lr(0) - 0.1).abs() < 1e-12);
        assert!((lr(9) - 1.0).abs() < 1e-12);
        assert!((lr(10) - 1.0).abs() < 1e-12);
        assert!((lr(60) - 0.5).abs() < 1e-12);
        assert_eq!(lr(110), 0.0);
        assert_eq!(lr(500), 0.0);
        let mut last = f64::INFINITY;
        for s in 10..110 {
            assert!(lr(s) < last);
            last = lr(s);
        }
        // No warm-up: starts at the peak.
        assert!((scheduled_lr(2.0, 0, 0, 4) - 2.0).abs() < 1e-12);
    }
}
