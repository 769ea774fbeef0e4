//! CRF checks against brute-force enumeration of every label sequence.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::*;
use crate::labels::is_valid_sequence;
use crate::testutil::Rng;
use crate::util::{float_tensor, tensor_to_vec};

pub(super) fn label_set(l: usize, bio: bool) -> Vec<String> {
    let bio_labels = ["O", "B-a", "I-a", "B-b", "I-b"];
    (0..l)
        .map(|i| {
            if bio {
                bio_labels[i].to_string()
            } else {
                format!("L{i}")
            }
        })
        .collect()
}

/// A random CRF (effective scores) and its burn module.
pub(super) fn random_crf(rng: &mut Rng, labels: &[String], constrained: bool) -> (Crf, CrfScores) {
    let l = labels.len();
    let crf = Crf::new(labels, constrained, &crate::cpu_device())
        .set_scores(rng.vec(l * l, 2.0), rng.vec(l, 2.0), rng.vec(l, 2.0))
        .expect("sizes match");
    let scores = crf.scores().expect("readable");
    (crf, scores)
}

/// Every label path of length `t` over `l` labels.
pub(super) fn all_paths(l: usize, t: usize) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for _ in 0..t {
        out = out
            .into_iter()
            .flat_map(|p| {
                (0..l).map(move |y| {
                    let mut q = p.clone();
                    q.push(y);
                    q
                })
            })
            .collect();
    }
    out
}

/// Path score in f64, written independently of the code under test.
pub(super) fn score64(s: &CrfScores, em: &[f32], path: &[usize]) -> f64 {
    let l = s.num_labels;
    let mut acc = 0.0f64;
    for (t, &y) in path.iter().enumerate() {
        acc += em[t * l + y] as f64;
        acc += if t == 0 {
            s.start[y] as f64
        } else {
            s.transitions[path[t - 1] * l + y] as f64
        };
    }
    acc + s.end[path[path.len() - 1]] as f64
}

pub(super) struct Brute {
    paths: Vec<Vec<usize>>,
    scores: Vec<f64>,
    log_z: f64,
}

impl Brute {
    pub(super) fn new(s: &CrfScores, em: &[f32], t: usize) -> Self {
        let paths = all_paths(s.num_labels, t);
        let scores: Vec<f64> = paths.iter().map(|p| score64(s, em, p)).collect();
        let m = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let log_z = m + scores.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
        Brute {
            paths,
            scores,
            log_z,
        }
    }

    /// Total probability of the paths satisfying `pred`.
    pub(super) fn prob(&self, pred: impl Fn(&[usize]) -> bool) -> f64 {
        self.paths
            .iter()
            .zip(&self.scores)
            .filter(|(p, _)| pred(p))
            .map(|(_, s)| (s - self.log_z).exp())
            .sum()
    }
}

/// The (labels, constrained) cases each test runs over.
fn cases() -> Vec<(Vec<String>, bool)> {
    let mut v = Vec::new();
    for l in 3..=5 {
        v.push((label_set(l, true), true));
        v.push((label_set(l, false), false));
    }
    v
}

#[test]
fn plain_forward_and_viterbi_match_enumeration() {
    for (labels, constrained) in cases() {
        for seed in 0..4u64 {
            let mut rng = Rng::new(seed * 31 + labels.len() as u64);
            let (_, s) = random_crf(&mut rng, &labels, constrained);
            for t in 1..=5 {
                let em = rng.vec(t * labels.len(), 3.0);
                let brute = Brute::new(&s, &em, t);
                let lz = s.log_partition(&em) as f64;
                assert!(
                    (lz - brute.log_z).abs() < 1e-3,
                    "logZ {lz} vs {}",
                    brute.log_z
                );
                let lat = s.lattice(&em);
                assert!((lat.log_z as f64 - brute.log_z).abs() < 1e-3);

                let (path, best) = s.viterbi(&em);
                let (arg, max) =
                    brute
                        .scores
                        .iter()
                        .enumerate()
                        .fold(
                            (0, f64::NEG_INFINITY),
                            |a, (i, &x)| if x > a.1 { (i, x) } else { a },
                        );
                assert_eq!(path, brute.paths[arg], "seed {seed} t {t}");
                assert!((best as f64 - max).abs() < 1e-3);
                assert!((s.path_score(&em, &path) as f64 - max).abs() < 1e-3);
            }
        }
    }
}

#[test]
fn marginals_match_enumeration() {
    for (labels, constrained) in cases() {
        let l = labels.len();
        for seed in 0..3u64 {
            let mut rng = Rng::new(1000 + seed * 7 + l as u64);
            let (_, s) = random_crf(&mut rng, &labels, constrained);
            for t in 1..=5 {
                let em = rng.vec(t * l, 2.0);
                let brute = Brute::new(&s, &em, t);
                let marg = s.lattice(&em).marginals();
                assert_eq!(marg.len(), t);
                for (ti, row) in marg.iter().enumerate() {
                    let sum: f32 = row.iter().sum();
                    assert!((sum - 1.0).abs() < 1e-4);
                    for (y, &p) in row.iter().enumerate() {
                        let want = brute.prob(|path| path[ti] == y);
                        assert!((p as f64 - want).abs() < 1e-4, "t{ti} y{y}: {p} vs {want}");
                    }
                }
            }
        }
    }
}

#[test]
fn span_marginals_match_enumeration() {
    // Span marginals need B/I pairs; also try an unconstrained CRF where the
    // "inside" label can follow anything.
    for (l, constrained) in [(3, true), (5, true), (5, false)] {
        let labels = label_set(l, true);
        for seed in 0..3u64 {
            let mut rng = Rng::new(77 + seed);
            let (_, s) = random_crf(&mut rng, &labels, constrained);
            for t in 1..=5 {
                let em = rng.vec(t * l, 2.0);
                let brute = Brute::new(&s, &em, t);
                let lat = s.lattice(&em);
                for (b, i) in [(1usize, 2usize), (3, 4)].into_iter().filter(|p| p.1 < l) {
                    for start in 0..t {
                        for end in start..t {
                            let got = s.span_log_prob(&lat, start, end, b, Some(i)).exp() as f64;
                            let want = brute.prob(|p| {
                                p[start] == b
                                    && p[start + 1..=end].iter().all(|&y| y == i)
                                    && (end + 1 == t || p[end + 1] != i)
                            });
                            assert!((got - want).abs() < 1e-4, "{start}..{end}: {got} vs {want}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn scaled_forward_backward_matches_enumeration() {
    for (l, constrained) in [(3, true), (4, false), (5, true), (5, false)] {
        let labels = label_set(l, true);
        for seed in 0..3u64 {
            let mut rng = Rng::new(300 + seed * 5 + l as u64);
            let (_, s) = random_crf(&mut rng, &labels, constrained);
            let scaled = scaled::ScaledCrf::new(&s);
            for t in 1..=5 {
                let em = rng.vec(t * l, 4.0);
                let brute = Brute::new(&s, &em, t);
                let lat = scaled.lattice(&em).expect("no underflow at this scale");
                assert!((lat.log_z as f64 - brute.log_z).abs() < 1e-3);
                for (ti, row) in lat.marginals().iter().enumerate() {
                    for (y, &p) in row.iter().enumerate() {
                        let want = brute.prob(|path| path[ti] == y);
                        assert!((p as f64 - want).abs() < 1e-4, "t{ti} y{y}: {p} vs {want}");
                    }
                }
                for (b, i) in [(1usize, 2usize), (3, 4)].into_iter().filter(|p| p.1 < l) {
                    for start in 0..t {
                        for end in start..t {
                            let got = scaled.span_prob(&lat, start, end, b, Some(i)) as f64;
                            let want = brute.prob(|p| {
                                p[start] == b
                                    && p[start + 1..=end].iter().all(|&y| y == i)
                                    && (end + 1 == t || p[end + 1] != i)
                            });
                            assert!((got - want).abs() < 1e-4, "{start}..{end}: {got} vs {want}");
                        }
                    }
                    // Without an inside label only single-token spans exist.
                    let single = scaled.span_prob(&lat, 0, 0, b, None) as f64;
                    assert!((single - brute.prob(|p| p[0] == b)).abs() < 1e-4);
                }
            }
        }
    }
}

#[test]
fn extreme_emissions_fall_back_to_log_space() {
    let labels = label_set(3, true);
    let (_, s) = random_crf(&mut Rng::new(1), &labels, true);
    // Step 0 forces O; step 1 favours I-a (unreachable from O) by 200 nats.
    let em = vec![300.0, 0.0, 0.0, 0.0, 0.0, 200.0];
    assert!(scaled::ScaledCrf::new(&s).lattice(&em).is_none());
    let p = crate::predict::CrfDecoder::new(s.clone(), &labels).decode(&em);
    let exact = s.lattice(&em).marginals();
    assert_eq!(p.token_marginals, exact);
    assert!(p.token_marginals.iter().flatten().all(|x| x.is_finite()));
    assert!(p.path_log_prob.is_finite());
}

#[test]
fn constrained_decoding_never_emits_invalid_moves() {
    let labels: Vec<String> = ["O", "B-a", "I-a", "B-b", "I-b", "B-c", "I-c"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut rng = Rng::new(5);
    let (_, s) = random_crf(&mut rng, &labels, true);
    for _ in 0..300 {
        let t = 1 + rng.below(12);
        // Large emissions that strongly favour I- labels everywhere.
        let mut em = rng.vec(t * labels.len(), 8.0);
        for ti in 0..t {
            for y in [2, 4, 6] {
                em[ti * labels.len() + y] += 10.0;
            }
        }
        let (path, _) = s.viterbi(&em);
        assert!(is_valid_sequence(&labels, &path), "{path:?}");
    }
}

/// Pack sequences into a padded `[B, T, L]` tensor filled with garbage after each length.
fn padded(rng: &mut Rng, seqs: &[Vec<f32>], l: usize, device: &Device) -> (Tensor<3>, Tensor<2>) {
    let t_max = seqs.iter().map(|s| s.len() / l).max().unwrap_or(0) + 2;
    let b = seqs.len();
    let mut em = rng.vec(b * t_max * l, 50.0);
    let mut mask = vec![0.0f32; b * t_max];
    for (bi, s) in seqs.iter().enumerate() {
        em[bi * t_max * l..bi * t_max * l + s.len()].copy_from_slice(s);
        for ti in 0..s.len() / l {
            mask[bi * t_max + ti] = 1.0;
        }
    }
    (
        float_tensor(em, [b, t_max, l], device),
        float_tensor(mask, [b, t_max], device),
    )
}

#[test]
fn burn_forward_matches_enumeration_and_ignores_padding() {
    let device = crate::cpu_device();
    for (labels, constrained) in cases() {
        let l = labels.len();
        for seed in 0..3u64 {
            let mut rng = Rng::new(500 + seed * 13 + l as u64);
            let (crf, s) = random_crf(&mut rng, &labels, constrained);
            let seqs: Vec<Vec<f32>> = (1..=5).map(|t| rng.vec(t * l, 2.0)).collect();
            let (em, mask) = padded(&mut rng, &seqs, l, &device);
            let lz = tensor_to_vec(crf.log_partition(em.clone(), mask.clone())).expect("read");
            // Different garbage in the padding must give identical results.
            let (em2, mask2) = padded(&mut rng, &seqs, l, &device);
            let lz2 = tensor_to_vec(crf.log_partition(em2, mask2)).expect("read");
            for (bi, seq) in seqs.iter().enumerate() {
                let brute = Brute::new(&s, seq, seq.len() / l);
                assert!(
                    (lz[bi] as f64 - brute.log_z).abs() < 1e-3,
                    "{} vs {}",
                    lz[bi],
                    brute.log_z
                );
                assert_eq!(lz[bi], lz2[bi]);
            }
            // NLL of random gold paths = mean(logZ - score).
            let gold: Vec<Vec<usize>> = seqs
                .iter()
                .map(|q| {
                    let t = q.len() / l;
                    let path: Vec<usize> = (0..t).map(|_| rng.below(l)).collect();
                    if constrained {
                        crate::labels::repair_bio_indices(&crf.bio_tags, &path)
                    } else {
                        path
                    }
                })
                .collect();
            let nll =
                tensor_to_vec(crf.nll(em, mask, &gold).expect("valid")).expect("read")[0] as f64;
            let want: f64 = seqs
                .iter()
                .zip(&gold)
                .map(|(q, p)| Brute::new(&s, q, p.len()).log_z - score64(&s, q, p))
                .sum::<f64>()
                / seqs.len() as f64;
            assert!((nll - want).abs() < 1e-3, "nll {nll} vs {want}");
        }
    }
}

#[test]
fn gold_tags_are_validated() {
    let device = crate::cpu_device();
    let labels = label_set(3, true);
    let crf = Crf::new(&labels, true, &device);
    let em: Tensor<3> = Tensor::zeros([1, 2, 3], &device);
    assert!(matches!(
        crf.gold_score(em.clone(), &[vec![0, 7]]),
        Err(ModelError::Index(_))
    ));
    assert!(matches!(
        crf.gold_score(em.clone(), &[vec![0, 0, 0]]),
        Err(ModelError::Shape(_))
    ));
    assert!(matches!(crf.gold_score(em, &[]), Err(ModelError::Shape(_))));
}

/// Emissions as a learnable parameter under the CRF: the smallest model
/// whose loss can only fall if gradients reach both the emissions and the CRF.
#[derive(Module, Debug)]
struct Toy {
    emissions: burn::module::Param<Tensor<3>>,
    crf: Crf,
}

#[test]
fn optimizer_steps_reduce_the_loss() {
    use burn::optim::{AdamConfig, GradientsParams};
    let device = crate::cpu_device().autodiff();
    let labels = label_set(5, true);
    let mut rng = Rng::new(9);
    let (b, t, l) = (3, 4, 5);
    let mut model = Toy {
        emissions: burn::module::Param::from_tensor(float_tensor(
            rng.vec(b * t * l, 0.1),
            [b, t, l],
            &device,
        )),
        crf: Crf::new(&labels, true, &device),
    };
    let mask = float_tensor(
        vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0],
        [b, t],
        &device,
    );
    let gold = vec![vec![0, 1, 2, 0], vec![3, 4], vec![1, 0, 3]];
    let mut optim = AdamConfig::new().init();
    let mut losses = Vec::new();
    for _ in 0..20 {
        let loss = model
            .crf
            .nll(model.emissions.val(), mask.clone(), &gold)
            .expect("valid");
        losses.push(tensor_to_vec(loss.clone()).expect("read")[0]);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        assert!(grads.get::<2>(model.crf.transitions.id).is_some());
        assert!(grads.get::<1>(model.crf.start.id).is_some());
        assert!(grads.get::<3>(model.emissions.id).is_some());
        model = optim.step(0.1, model, grads);
    }
    assert!(losses[19] < 0.5 * losses[0], "losses {losses:?}");
}
