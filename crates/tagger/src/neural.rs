//! [`NeuralTagger`]: feature extractor + plain-`f32` BiLSTM-CRF, behind [`Tagger`].

use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use tweetner_features::{FeatureExtractor, SentenceFeatures};
use tweetner_model::{
    FastBiLstmCrf, ModelError, Prediction, SentenceInput, StageTimes, TaggedSentence, Tagger,
};

use crate::error::TaggerError;
use crate::manifest::ModelManifest;
use crate::weights::load_fast_network;

/// Sentences per inference batch. Sentences of one batch run their recurrences in
/// lock-step, so batches are formed from sentences of similar length; 64 amortises the
/// per-step matmul well without making the longest sentence wait for many short ones.
pub use tweetner_core::registry::DEFAULT_BATCH_SIZE;

/// Convert extracted features into the network's input type.
pub fn to_input(f: SentenceFeatures) -> SentenceInput {
    SentenceInput {
        word_ids: f.word_ids,
        char_ids: f.char_ids,
        dense: f.dense,
    }
}

fn empty_prediction() -> Prediction {
    Prediction {
        tags: Vec::new(),
        path_log_prob: 0.0,
        token_marginals: Vec::new(),
        spans: Vec::new(),
    }
}

/// Tag `inputs` with `net`, grouping sentences of similar length into batches of
/// `batch_size` and spreading the batches over `threads` threads. The output is in input
/// order and does not depend on `batch_size` or `threads` (the network's result for a
/// sentence does not depend on its batch mates).
pub fn predict_batched(
    net: &FastBiLstmCrf,
    inputs: &[SentenceInput],
    batch_size: usize,
    threads: usize,
) -> Result<Vec<Prediction>, ModelError> {
    let lens: Vec<usize> = inputs.iter().map(SentenceInput::len).collect();
    predict_batched_with(net, &lens, batch_size, threads, |i| {
        Ok(Cow::Borrowed(&inputs[i]))
    })
}

/// [`predict_batched`] over sentences of `lens` tokens whose inputs `input(i)` makes
/// when its batch runs, on the thread that runs it: feature extraction is then spread
/// over the threads with the network instead of running on the caller's thread first.
fn predict_batched_with<'a>(
    net: &FastBiLstmCrf,
    lens: &[usize],
    batch_size: usize,
    threads: usize,
    input: impl Fn(usize) -> Result<Cow<'a, SentenceInput>, ModelError> + Sync,
) -> Result<Vec<Prediction>, ModelError> {
    let mut order: Vec<usize> = (0..lens.len()).filter(|&i| lens[i] > 0).collect();
    order.sort_by_key(|&i| lens[i]);
    let batches: Vec<&[usize]> = order.chunks(batch_size.max(1)).collect();
    let slots: Vec<Mutex<Option<Prediction>>> = (0..lens.len()).map(|_| Mutex::new(None)).collect();
    let run_batch = |ids: &[usize]| -> Result<(), ModelError> {
        let batch = ids
            .iter()
            .map(|&i| input(i))
            .collect::<Result<Vec<_>, _>>()?;
        for (&i, p) in ids.iter().zip(net.predict(&batch)?) {
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(p);
            }
        }
        Ok(())
    };
    let threads = threads.clamp(1, batches.len().max(1));
    if threads == 1 {
        batches.iter().try_for_each(|b| run_batch(b))?;
    } else {
        let next = AtomicUsize::new(0);
        let work = || loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            match batches.get(k) {
                Some(b) => run_batch(b)?,
                None => return Ok(()),
            }
        };
        // The calling thread is one of the workers: its per-thread work buffers persist
        // across calls, while a spawned thread's are allocated afresh each call (and
        // each thread's buffers and malloc arena add to resident memory).
        let results: Vec<Result<(), ModelError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            let mine = work();
            std::iter::once(mine)
                .chain(handles.into_iter().map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(ModelError::Tensor("inference thread panicked".into()))
                    })
                }))
                .collect()
        });
        results.into_iter().collect::<Result<Vec<()>, _>>()?;
    }
    Ok(slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(empty_prediction)
        })
        .collect())
}

/// A BiLSTM-CRF tagger ready for inference: no autodiff, no burn dispatch per op.
#[derive(Debug, Clone)]
pub struct NeuralTagger {
    name: String,
    extractor: FeatureExtractor,
    network: FastBiLstmCrf,
    batch_size: usize,
    threads: usize,
}

impl NeuralTagger {
    /// Load a model directory (see the crate docs for its layout).
    pub fn load(dir: &Path) -> Result<Self, TaggerError> {
        let manifest = ModelManifest::read(dir)?;
        let extractor = FeatureExtractor::load(dir)?;
        let mut network = load_fast_network(
            &manifest.network,
            &dir.join(&manifest.weights.file),
            manifest.weights.precision,
        )?;
        if let Some(tensor) = network.non_finite_tensor() {
            return Err(TaggerError::invalid(
                dir.join(&manifest.weights.file),
                format!("the {tensor} hold NaN or infinite values: the weights are corrupt"),
            ));
        }
        network.set_temperature(manifest.temperature)?;
        network.set_entity_bias(manifest.entity_bias)?;
        Self::from_parts(manifest.name, extractor, network).map_err(|e| match e {
            TaggerError::Invalid { message, .. } => TaggerError::invalid(dir, message),
            other => other,
        })
    }

    /// Assemble a tagger from an extractor and a network, checking that they fit.
    pub fn from_parts(
        name: impl Into<String>,
        extractor: FeatureExtractor,
        network: FastBiLstmCrf,
    ) -> Result<Self, TaggerError> {
        let c = network.config();
        let problem = if c.word_vocab_size != extractor.word_vocab.len() {
            Some(format!(
                "network has {} word ids, extractor {}",
                c.word_vocab_size,
                extractor.word_vocab.len()
            ))
        } else if c.dense_dim != extractor.dense_dim() {
            Some(format!(
                "network expects {} dense features, extractor gives {}",
                c.dense_dim,
                extractor.dense_dim()
            ))
        } else if c.char_encoder.output_dim() > 0 && c.char_vocab_size != extractor.char_vocab.len()
        {
            Some(format!(
                "network has {} char ids, extractor {}",
                c.char_vocab_size,
                extractor.char_vocab.len()
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            return Err(TaggerError::invalid("<model>", p));
        }
        Ok(NeuralTagger {
            name: name.into(),
            extractor,
            network,
            batch_size: DEFAULT_BATCH_SIZE,
            threads: 1,
        })
    }

    /// Use up to `threads` threads per [`Tagger::tag_batch`] call (default 1, which
    /// suits a server that already runs one request per thread).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Sentences per internal batch (default [`DEFAULT_BATCH_SIZE`]).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Scale the CRF probabilities by `temperature` (the model directory's own
    /// is applied at load); used to fit one on held-out tweets.
    pub fn set_temperature(&mut self, temperature: f32) -> Result<(), TaggerError> {
        Ok(self.network.set_temperature(temperature)?)
    }

    /// Add `bias` to every `B-x` label's score (the model directory's own is
    /// applied at load); used to fit one on held-out tweets.
    pub fn set_entity_bias(&mut self, bias: f32) -> Result<(), TaggerError> {
        Ok(self.network.set_entity_bias(bias)?)
    }

    /// Display name from the manifest.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The feature extractor.
    pub fn extractor(&self) -> &FeatureExtractor {
        &self.extractor
    }

    /// The network.
    pub fn network(&self) -> &FastBiLstmCrf {
        &self.network
    }

    /// Network input of one tokenised sentence.
    pub fn input<S: AsRef<str>>(&self, tokens: &[S]) -> SentenceInput {
        to_input(self.extractor.extract(tokens))
    }

    /// Full predictions (paths, marginals, span probabilities), in input order.
    pub fn predict<S: AsRef<str> + Sync>(
        &self,
        sentences: &[Vec<S>],
    ) -> Result<Vec<Prediction>, ModelError> {
        let lens: Vec<usize> = sentences.iter().map(Vec::len).collect();
        predict_batched_with(&self.network, &lens, self.batch_size, self.threads, |i| {
            Ok(Cow::Owned(self.guarded_input(i, &sentences[i])?))
        })
    }

    /// [`NeuralTagger::input`], turning a panic in feature extraction into an error for
    /// this request: a tagger serving many requests must not die on one odd token, even
    /// if a lower layer has a bug.
    fn guarded_input<S: AsRef<str>>(
        &self,
        index: usize,
        tokens: &[S],
    ) -> Result<SentenceInput, ModelError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.input(tokens))).map_err(
            |_| {
                ModelError::Features(format!(
                    "sentence {index}: feature extraction failed (internal error)"
                ))
            },
        )
    }
}

impl Tagger for NeuralTagger {
    fn labels(&self) -> &[String] {
        self.network.labels()
    }

    fn token_marginals(&self, sentences: &[Vec<String>]) -> Result<Vec<Vec<Vec<f32>>>, ModelError> {
        Ok(self
            .predict(sentences)?
            .into_iter()
            .map(|p| p.token_marginals)
            .collect())
    }

    fn tag_batch(&self, sentences: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError> {
        let labels = self.network.labels();
        Ok(self
            .predict(sentences)?
            .iter()
            .map(|p| TaggedSentence::from_prediction(p, labels))
            .collect())
    }

    /// Features, network (emissions), then CRF decoding, batched by length like
    /// [`NeuralTagger::predict`].
    fn profile(&self, sentences: &[Vec<String>]) -> Result<StageTimes, ModelError> {
        let clock = Instant::now();
        let mut inputs: Vec<SentenceInput> = sentences
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| self.input(s))
            .collect();
        let features = clock.elapsed().as_secs_f64();
        inputs.sort_by_key(SentenceInput::len);
        let batch = self.batch_size.max(1);
        let clock = Instant::now();
        for b in inputs.chunks(batch) {
            self.network.emissions(b)?;
        }
        let network = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        for b in inputs.chunks(batch) {
            self.network.predict(b)?;
        }
        // `predict` recomputes the emissions; what remains is CRF decoding.
        let decode = (clock.elapsed().as_secs_f64() - network).max(0.0);
        Ok(vec![
            ("features", features),
            ("network", network),
            ("decode", decode),
        ])
    }
}
