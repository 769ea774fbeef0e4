//! [`TransformerTagger`]: a fine-tuned transformer directory behind the
//! project's [`Tagger`] trait, for `tweetner tag`, `eval --model`, `bench`
//! and the server.
//!
//! It runs on a plain-`f32` copy of the network ([`FastClassifier`]: no
//! autodiff, no dropout, no padding — each window runs on its own),
//! tokenizes each tweet into pieces, and spreads windows over a private rayon
//! pool of the configured size, so `threads` bounds the CPU the tagger uses
//! regardless of the caller's pools. The burn path
//! ([`crate::predict::word_scores`]) gives the same scores to ~1e-5.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use tweetner_lexicon::Lexicon;

use tweetner_model::{ModelError, Prediction, StageTimes, TaggedSentence, Tagger};

use crate::error::TransformerError;
use crate::fast::FastClassifier;
use crate::head::{HeadSpec, LexiconScores, TokenClassifier};
use crate::modeldir::{load_model_dir, LEXICON_FILE};
use crate::predict::{word_scores_fast, Decoder, INFERENCE_BATCH};
use crate::subword::SubwordTokenizer;

/// A loaded fine-tuned transformer, ready to tag.
pub struct TransformerTagger {
    spec: HeadSpec,
    fast: FastClassifier,
    tokenizer: SubwordTokenizer,
    decoder: Decoder,
    /// The head's layer over entry-list features, when it reads them.
    lexicon_layer: Option<LexiconScores>,
    /// The entry list those features come from (`with_lexicon`).
    lexicon: Option<Arc<Lexicon>>,
    pool: rayon::ThreadPool,
    threads: usize,
    batch_size: usize,
    name: String,
}

impl std::fmt::Debug for TransformerTagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransformerTagger")
            .field("name", &self.name)
            .field("threads", &self.threads)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, TransformerError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| TransformerError::Input(format!("cannot start {threads} threads: {e}")))
}

impl TransformerTagger {
    /// Load a model directory written by [`crate::modeldir::save_model_dir`]
    /// (or [`crate::compact_model_dir`]: that one runs in int8 from the start).
    pub fn load(dir: &Path) -> Result<Self, TransformerError> {
        let device = crate::cpu_device();
        let (model, tokenizer, manifest) = load_model_dir(dir, &device)?;
        let dim = manifest.head.lexicon_dim;
        let mut tagger = Self::from_parts(model, tokenizer, manifest.name)?;
        if crate::compact::is_compacted(dir)? {
            tagger = tagger.with_int8();
        }
        if dim == 0 {
            return Ok(tagger);
        }
        let path = dir.join(LEXICON_FILE);
        let lex = Lexicon::open(&path)
            .map_err(|e| TransformerError::Input(format!("{}: {e}", path.display())))?;
        tagger.with_lexicon(Arc::new(lex))
    }

    /// Give a head that reads entry-list features its list (the one it was
    /// trained with: the widths must agree).
    pub fn with_lexicon(mut self, lex: Arc<Lexicon>) -> Result<Self, TransformerError> {
        if self.lexicon_layer.is_none() {
            return Err(TransformerError::Input(
                "this model reads no entry-list features".into(),
            ));
        }
        if lex.feature_dim() != self.spec.lexicon_dim {
            return Err(TransformerError::Input(format!(
                "the entry list gives {} feature columns, the model reads {}",
                lex.feature_dim(),
                self.spec.lexicon_dim
            )));
        }
        self.lexicon = Some(lex);
        Ok(self)
    }

    /// Wrap an in-memory model (moved to the plain CPU device).
    pub fn from_parts(
        model: TokenClassifier,
        tokenizer: SubwordTokenizer,
        name: String,
    ) -> Result<Self, TransformerError> {
        use burn::module::Module;
        let model = model.valid();
        let decoder = Decoder::new(&model)?;
        let fast = FastClassifier::from_model(&model)?;
        let lexicon_layer = LexiconScores::of(&model)?;
        // Only the plain copy is kept: holding the burn module as well would
        // double the weights in memory.
        Ok(TransformerTagger {
            spec: model.spec.clone(),
            fast,
            tokenizer,
            decoder,
            lexicon_layer,
            lexicon: None,
            pool: pool(1)?,
            threads: 1,
            batch_size: INFERENCE_BATCH,
            name,
        })
    }

    /// Use `threads` worker threads per call (at least 1).
    pub fn with_threads(mut self, threads: usize) -> Result<Self, TransformerError> {
        self.pool = pool(threads)?;
        self.threads = threads.max(1);
        Ok(self)
    }

    /// Tweets per batch (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Run the encoder's linear layers in int8 ([`crate::quant`]): about 2× faster
    /// on CPUs with AVX-512 VNNI, at a small cost in accuracy (see the README's
    /// bench table); a no-op if already applied.
    pub fn with_int8(mut self) -> Self {
        if !self.fast.is_int8() {
            self.fast = self.fast.to_int8();
        }
        self
    }

    /// Whether the linear layers run in int8 ([`Self::with_int8`], or a
    /// compacted model directory).
    pub fn is_int8(&self) -> bool {
        self.fast.is_int8()
    }

    /// Display name from the manifest.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Head settings and labels.
    pub fn spec(&self) -> &HeadSpec {
        &self.spec
    }

    /// Predictions for pre-tokenized tweets, in input order.
    pub fn predict<S: AsRef<str> + Sync>(
        &self,
        sentences: &[Vec<S>],
    ) -> Result<Vec<Prediction>, TransformerError> {
        let aligned = sentences
            .iter()
            .map(|s| self.tokenizer.tokenize(s))
            .collect::<Result<Vec<_>, _>>()?;
        let mut scores = self.pool.install(|| {
            word_scores_fast(
                &self.fast,
                &self.spec,
                &self.tokenizer,
                &aligned,
                self.threads,
            )
        })?;
        self.add_lexicon_scores(sentences, &mut scores)?;
        Ok(scores.iter().map(|s| self.decoder.decode(s)).collect())
    }

    /// Adds the entry-list scores of each tweet to its word scores.
    fn add_lexicon_scores<S: AsRef<str>>(
        &self,
        sentences: &[Vec<S>],
        scores: &mut [Vec<f32>],
    ) -> Result<(), TransformerError> {
        let Some(layer) = &self.lexicon_layer else {
            return Ok(());
        };
        // Tagging without the list would silently drop what the model learned from it.
        let Some(lex) = &self.lexicon else {
            return Err(TransformerError::Input(
                "the model reads entry-list features but was given no entry list (with_lexicon)"
                    .into(),
            ));
        };
        for (words, s) in sentences.iter().zip(scores.iter_mut()) {
            layer.add_to(s, &lex.feature_rows(words));
        }
        Ok(())
    }
}

impl Tagger for TransformerTagger {
    fn labels(&self) -> &[String] {
        self.decoder.labels()
    }

    fn profile(&self, sentences: &[Vec<String>]) -> Result<StageTimes, ModelError> {
        let err = |e: TransformerError| ModelError::Features(e.to_string());
        let clock = Instant::now();
        let aligned = sentences
            .iter()
            .map(|s| self.tokenizer.tokenize(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let pieces = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        let mut scores =
            word_scores_fast(&self.fast, &self.spec, &self.tokenizer, &aligned, 1).map_err(err)?;
        let encoder = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        self.add_lexicon_scores(sentences, &mut scores)
            .map_err(err)?;
        let lexicon = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        let decoded: usize = scores
            .iter()
            .map(|s| self.decoder.decode(s).tags.len())
            .sum();
        std::hint::black_box(decoded);
        let decode = clock.elapsed().as_secs_f64();
        let mut stages = vec![("sub-words", pieces), ("encoder", encoder)];
        if self.lexicon_layer.is_some() {
            stages.push(("entry list", lexicon));
        }
        stages.push(("decode", decode));
        Ok(stages)
    }

    fn token_marginals(&self, sentences: &[Vec<String>]) -> Result<Vec<Vec<Vec<f32>>>, ModelError> {
        let predictions = self
            .predict(sentences)
            .map_err(|e| ModelError::Features(e.to_string()))?;
        Ok(predictions.into_iter().map(|p| p.token_marginals).collect())
    }

    fn tag_batch(&self, sentences: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError> {
        let predictions = self
            .predict(sentences)
            .map_err(|e| ModelError::Features(e.to_string()))?;
        Ok(predictions
            .iter()
            .map(|p| TaggedSentence::from_prediction(p, self.decoder.labels()))
            .collect())
    }
}
