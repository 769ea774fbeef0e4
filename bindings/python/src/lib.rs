//! The native half of the `tweetner` Python package (`tweetner._tweetner`).
//!
//! Only what must be fast or must hold the tagger lives here: loading a model
//! directory and tagging lists of texts with the GIL released. Model names,
//! the Hugging Face and spaCy adapters and the Arrow helpers are Python
//! (`python/tweetner/`), where they are easier to read and to change.
//!
//! Every tagging call goes through [`tweetner_pipeline::annotate_batch`], the
//! same guarded batch the CLI and the HTTP server use, so a Python caller gets
//! the entities, offsets and scores they would get from `tweetner tag`, and a
//! panicking model becomes an exception instead of aborting the interpreter.

use std::path::PathBuf;

use pyo3::create_exception;
use pyo3::exceptions::{PyFileNotFoundError, PyRuntimeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use tweetner_core::{Annotation, Entity, TaggedSentence};
use tweetner_pipeline::{annotate_batch, tag_batch, BatchError};
use tweetner_tagger::{LoadOptions, SharedTagger, TaggerError};

create_exception!(
    tweetner,
    TweetnerError,
    PyRuntimeError,
    "A model could not be loaded or failed while tagging; the message is the Rust error's."
);

/// Loading errors keep their Python meaning where there is one: a file that
/// does not exist (anywhere in the error's cause chain, whichever part of
/// the model reported it) is what `open()` would raise; everything else is
/// tweetner's own error. The message is always the Rust one, naming the file.
fn load_error(e: TaggerError) -> PyErr {
    let message = e.to_string();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = cause {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::NotFound {
                return PyFileNotFoundError::new_err(message);
            }
        }
        cause = err.source();
    }
    TweetnerError::new_err(message)
}

fn batch_error(e: BatchError) -> PyErr {
    TweetnerError::new_err(e.to_string())
}

/// A loaded model. Immutable once built, so one instance may be shared by any
/// number of Python threads; each call spreads its batch over `threads`.
#[pyclass(module = "tweetner._tweetner", name = "NativeTagger", frozen)]
struct NativeTagger {
    tagger: SharedTagger,
    path: PathBuf,
    threads: usize,
    batch_size: usize,
}

#[pymethods]
impl NativeTagger {
    #[new]
    #[pyo3(signature = (path, threads = None, batch_size = 64, int8 = false))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        threads: Option<usize>,
        batch_size: usize,
        int8: bool,
    ) -> PyResult<Self> {
        let threads = match threads {
            Some(0) => return Err(PyValueError::new_err("threads must be at least 1")),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        let opts = LoadOptions {
            threads,
            batch_size,
            int8,
        };
        let tagger = py
            .allow_threads(|| tweetner_tagger::load_model_opts(&path, &opts))
            .map_err(load_error)?;
        Ok(NativeTagger {
            tagger,
            path,
            threads,
            batch_size,
        })
    }

    /// The model directory this tagger was loaded from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    #[getter]
    fn threads(&self) -> usize {
        self.threads
    }

    #[getter]
    fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The BIO labels in the model's output order.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.tagger.labels().to_vec()
    }

    /// Annotate `texts` in one batch. Each result is the list of entity dicts,
    /// or with `with_tokens` a dict `{"entities", "tokens"}` (the HTTP API's
    /// result shape).
    #[pyo3(signature = (texts, with_tokens = false))]
    fn annotate<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        with_tokens: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let annotations = self.run(py, &texts)?;
        let out = PyList::empty(py);
        for a in &annotations {
            let entities = entity_list(py, &a.entities)?;
            if with_tokens {
                let d = PyDict::new(py);
                d.set_item(intern!(py, "entities"), entities)?;
                d.set_item(intern!(py, "tokens"), token_list(py, a)?)?;
                out.append(d)?;
            } else {
                out.append(entities)?;
            }
        }
        Ok(out)
    }

    /// Annotate `texts` (a `None` is tagged as empty) into columns of one
    /// entity table: `row` is the input position. Building lists per column
    /// instead of a dict per entity is what makes the Arrow path cheap.
    fn annotate_columns<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Option<String>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let texts: Vec<String> = texts.into_iter().map(Option::unwrap_or_default).collect();
        let annotations = self.run(py, &texts)?;
        let n: usize = annotations.iter().map(|a| a.entities.len()).sum();
        let mut row = Vec::with_capacity(n);
        let mut text = Vec::with_capacity(n);
        let mut ty = Vec::with_capacity(n);
        let mut start = Vec::with_capacity(n);
        let mut end = Vec::with_capacity(n);
        let mut byte_start = Vec::with_capacity(n);
        let mut byte_end = Vec::with_capacity(n);
        let mut score = Vec::with_capacity(n);
        for (i, a) in annotations.iter().enumerate() {
            for e in &a.entities {
                row.push(i);
                text.push(e.text.as_str());
                ty.push(e.ty.as_str());
                start.push(e.start);
                end.push(e.end);
                byte_start.push(e.byte_start);
                byte_end.push(e.byte_end);
                score.push(e.score);
            }
        }
        let d = PyDict::new(py);
        d.set_item("row", row)?;
        d.set_item("text", text)?;
        d.set_item("type", ty)?;
        d.set_item("start", start)?;
        d.set_item("end", end)?;
        d.set_item("byte_start", byte_start)?;
        d.set_item("byte_end", byte_end)?;
        d.set_item("score", score)?;
        Ok(d)
    }

    /// Tag pre-tokenized sentences (what `tweetner tag --input-format conll`
    /// does): the tokens are taken as given, so spans are token indices.
    fn tag_tokens<'py>(
        &self,
        py: Python<'py>,
        sentences: Vec<Vec<String>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let tagger = &self.tagger;
        let tagged: Vec<TaggedSentence> = py
            .allow_threads(|| tag_batch(tagger.as_ref(), &sentences))
            .map_err(batch_error)?;
        let out = PyList::empty(py);
        for (words, t) in sentences.iter().zip(&tagged) {
            let spans = PyList::empty(py);
            for s in &t.spans {
                let d = PyDict::new(py);
                d.set_item(intern!(py, "text"), words[s.start..s.end].join(" "))?;
                d.set_item(intern!(py, "type"), &s.ty)?;
                d.set_item(intern!(py, "token_start"), s.start)?;
                d.set_item(intern!(py, "token_end"), s.end)?;
                d.set_item(intern!(py, "score"), s.score)?;
                spans.append(d)?;
            }
            let d = PyDict::new(py);
            d.set_item(intern!(py, "entities"), spans)?;
            d.set_item(intern!(py, "tags"), &t.tags)?;
            d.set_item(intern!(py, "token_scores"), &t.token_scores)?;
            out.append(d)?;
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!(
            "NativeTagger(path={:?}, threads={}, batch_size={})",
            self.path.display().to_string(),
            self.threads,
            self.batch_size
        )
    }
}

impl NativeTagger {
    /// Tags with the GIL released: other Python threads run meanwhile, and
    /// the tagger's own threads never wait on the interpreter.
    fn run(&self, py: Python<'_>, texts: &[String]) -> PyResult<Vec<Annotation>> {
        let tagger = &self.tagger;
        py.allow_threads(|| {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            annotate_batch(tagger.as_ref(), &refs)
        })
        .map_err(batch_error)
    }
}

/// Entities as dicts with the HTTP API's field names, so JSON written from
/// Python matches what `tweetner serve` and `tweetner tag` write.
fn entity_list<'py>(py: Python<'py>, entities: &[Entity]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for e in entities {
        let d = PyDict::new(py);
        d.set_item(intern!(py, "text"), PyString::new(py, &e.text))?;
        d.set_item(intern!(py, "type"), &e.ty)?;
        d.set_item(intern!(py, "start"), e.start)?;
        d.set_item(intern!(py, "end"), e.end)?;
        d.set_item(intern!(py, "byte_start"), e.byte_start)?;
        d.set_item(intern!(py, "byte_end"), e.byte_end)?;
        d.set_item(intern!(py, "utf16_start"), e.utf16_start)?;
        d.set_item(intern!(py, "utf16_end"), e.utf16_end)?;
        d.set_item(intern!(py, "score"), e.score)?;
        out.append(d)?;
    }
    Ok(out)
}

fn token_list<'py>(py: Python<'py>, a: &Annotation) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for ((t, tag), score) in a.tokens.iter().zip(&a.tags).zip(&a.token_scores) {
        let d = PyDict::new(py);
        d.set_item(intern!(py, "text"), &t.text)?;
        d.set_item(intern!(py, "start"), t.char_start)?;
        d.set_item(intern!(py, "end"), t.char_end)?;
        d.set_item(intern!(py, "byte_start"), t.start)?;
        d.set_item(intern!(py, "byte_end"), t.end)?;
        d.set_item(intern!(py, "tag"), tag)?;
        d.set_item(intern!(py, "score"), *score)?;
        d.set_item(intern!(py, "kind"), t.kind.as_str())?;
        out.append(d)?;
    }
    Ok(out)
}

#[pymodule]
fn _tweetner(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeTagger>()?;
    m.add("TweetnerError", m.py().get_type::<TweetnerError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
