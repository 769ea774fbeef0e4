//! Soft targets: expected scores against enumeration, and the gradient that
//! pulls the CRF's marginals towards the teacher's.

use burn::module::{Module, Param};
use burn::tensor::Tensor;

use super::tests::{all_paths, label_set, random_crf, score64, Brute};
use super::*;
use crate::testutil::Rng;
use crate::util::{float_tensor, tensor_to_vec};

/// `t` random probability rows over `l` labels, `[t * l]`.
fn random_rows(rng: &mut Rng, t: usize, l: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(t * l);
    for _ in 0..t {
        let row: Vec<f32> = rng.vec(l, 2.0).iter().map(|x| x.exp()).collect();
        let sum: f32 = row.iter().sum();
        out.extend(row.iter().map(|x| x / sum));
    }
    out
}

fn one_hot(path: &[usize], l: usize) -> Vec<f32> {
    let mut out = vec![0.0; path.len() * l];
    for (t, &y) in path.iter().enumerate() {
        out[t * l + y] = 1.0;
    }
    out
}

fn score_of(crf: &Crf, em: &[f32], t: usize, targets: &[CrfTarget<'_>]) -> f64 {
    let l = crf.num_labels();
    let em = float_tensor(em.to_vec(), [1, t, l], &crate::cpu_device());
    tensor_to_vec(crf.target_score(em, targets).expect("valid")).expect("read")[0] as f64
}

#[test]
fn soft_score_is_the_expectation_under_the_product_of_the_rows() {
    // Unconstrained, nothing is renormalised: the score must equal the sum
    // over every path of its probability under the product of the rows.
    let labels = label_set(4, false);
    let l = labels.len();
    let mut rng = Rng::new(41);
    let (crf, s) = random_crf(&mut rng, &labels, false);
    for t in 1..=4 {
        let em = rng.vec(t * l, 2.0);
        let q = random_rows(&mut rng, t, l);
        let want: f64 = all_paths(l, t)
            .iter()
            .map(|p| {
                let prob: f64 = p
                    .iter()
                    .enumerate()
                    .map(|(i, &y)| q[i * l + y] as f64)
                    .product();
                prob * score64(&s, &em, p)
            })
            .sum();
        let path = vec![0; t];
        let got = score_of(
            &crf,
            &em,
            t,
            &[CrfTarget {
                path: &path,
                soft: Some((&q, 1.0)),
            }],
        );
        assert!((got - want).abs() < 1e-3, "t {t}: {got} vs {want}");
    }
}

#[test]
fn one_hot_rows_and_weights_mix_path_scores_linearly() {
    let labels = label_set(5, true);
    let l = labels.len();
    let mut rng = Rng::new(42);
    let (crf, s) = random_crf(&mut rng, &labels, true);
    let t = 4;
    let em = rng.vec(t * l, 2.0);
    let a = vec![1, 2, 0, 3];
    let b = vec![0, 3, 4, 4];
    let (sa, sb) = (score64(&s, &em, &a), score64(&s, &em, &b));
    let hard = score_of(&crf, &em, t, &[CrfTarget::hard(&a)]);
    assert!((hard - sa).abs() < 1e-3);
    let qb = one_hot(&b, l);
    for w in [0.0f32, 0.3, 1.0] {
        let got = score_of(
            &crf,
            &em,
            t,
            &[CrfTarget {
                path: &a,
                soft: Some((&qb, w)),
            }],
        );
        let want = (1.0 - w as f64) * sa + w as f64 * sb;
        assert!((got - want).abs() < 1e-3, "w {w}: {got} vs {want}");
    }
    // Random rows put mass on forbidden moves (O then I-a). The target is then
    // the distribution over valid paths proportional to the product of the
    // rows, and no forbidden move may reach the score as the penalty.
    let q = random_rows(&mut rng, t, l);
    let weights: Vec<(Vec<usize>, f64)> = all_paths(l, t)
        .into_iter()
        .filter(|p| crate::labels::is_valid_sequence(&labels, p))
        .map(|p| {
            let w = p
                .iter()
                .enumerate()
                .map(|(i, &y)| q[i * l + y] as f64)
                .product();
            (p, w)
        })
        .collect();
    let z: f64 = weights.iter().map(|(_, w)| w).sum();
    let want: f64 = weights
        .iter()
        .map(|(p, w)| w / z * score64(&s, &em, p))
        .sum();
    let got = score_of(
        &crf,
        &em,
        t,
        &[CrfTarget {
            path: &a,
            soft: Some((&q, 1.0)),
        }],
    );
    assert!((got - want).abs() < 1e-3, "{got} vs {want}");
}

/// Emissions as a parameter, to read the loss's gradient on them.
#[derive(Module, Debug)]
struct Emissions {
    values: Param<Tensor<3>>,
}

#[test]
fn the_gradient_is_the_models_marginals_minus_the_targets() {
    let labels = label_set(4, false);
    let l = labels.len();
    let mut rng = Rng::new(43);
    let (crf, s) = random_crf(&mut rng, &labels, false);
    let device = crate::cpu_device().autodiff();
    let crf = crf.to_device(&device);
    let t = 3;
    let em = rng.vec(t * l, 2.0);
    let q = random_rows(&mut rng, t, l);
    let path = vec![1, 1, 0];
    let w = 0.7f32;
    let module = Emissions {
        values: Param::from_tensor(float_tensor(em.clone(), [1, t, l], &device)),
    };
    let mask = float_tensor(vec![1.0; t], [1, t], &device);
    let target = [CrfTarget {
        path: &path,
        soft: Some((&q, w)),
    }];
    let loss = crf
        .target_loss(module.values.val(), mask, &target)
        .expect("valid");
    let grads = loss.backward();
    let grad = tensor_to_vec(module.values.val().grad(&grads).expect("a gradient")).expect("read");
    let brute = Brute::new(&s, &em, t);
    let hard = one_hot(&path, l);
    for ti in 0..t {
        for y in 0..l {
            let k = ti * l + y;
            let marginal = brute.prob(|p| p[ti] == y);
            let target = w as f64 * q[k] as f64 + (1.0 - w as f64) * hard[k] as f64;
            assert!(
                (grad[k] as f64 - (marginal - target)).abs() < 1e-3,
                "t{ti} y{y}: {} vs {}",
                grad[k],
                marginal - target
            );
        }
    }
}

#[test]
fn soft_targets_are_checked() {
    let device = crate::cpu_device();
    let crf = Crf::new(&label_set(3, true), true, &device);
    let em: Tensor<3> = Tensor::zeros([1, 2, 3], &device);
    let path = [0, 0];
    let short = [1.0, 0.0, 0.0];
    assert!(matches!(
        crf.target_score(
            em.clone(),
            &[CrfTarget {
                path: &path,
                soft: Some((&short, 0.5))
            }]
        ),
        Err(ModelError::Shape(_))
    ));
    let rows = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    assert!(matches!(
        crf.target_score(
            em,
            &[CrfTarget {
                path: &path,
                soft: Some((&rows, 1.5))
            }]
        ),
        Err(ModelError::Config(_))
    ));
}
