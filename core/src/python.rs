//! The PyO3 boundary: `chromecut._core`. Converts Python inputs to [`crate::batch::Input`]s, releases the GIL
//! for the batch, and hands the columns back as NumPy arrays and a few lists (one object per page or per
//! distinct string, never per node); and `Forest`, [`crate::trees::Forest`] over NumPy feature matrices.

use numpy::{Element, IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::batch::{segment_batch, Input};
use crate::trees::{self, Feature};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use crate::limits::{Deadline, Limits};
use crate::segment::{Options, LINE_TAGS, MAX_ATTR_WORDS_DEFAULT};

/// Segment a batch of HTML pages (bytes or str) into lines, as columns.
///
/// Returns a dict of NumPy arrays (one entry per line) and lists (one entry per page); see `_core.pyi`.
#[pyfunction]
#[pyo3(signature = (pages, *, max_attr_words = MAX_ATTR_WORDS_DEFAULT, max_page_bytes = None, max_lines = None,
                    max_depth = None, timeout = None))]
fn segment_html_batch<'py>(
    py: Python<'py>,
    pages: Vec<Bound<'py, PyAny>>,
    max_attr_words: usize,
    max_page_bytes: Option<usize>,
    max_lines: Option<usize>,
    max_depth: Option<usize>,
    timeout: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut inputs = Vec::with_capacity(pages.len());
    for page in &pages {
        if let Ok(bytes) = page.cast::<PyBytes>() {
            inputs.push(Input::Bytes(bytes.as_bytes()));
        } else if let Ok(text) = page.cast::<PyString>() {
            inputs.push(match text.to_str() {
                Ok(s) => Input::Text(s),
                Err(_) => Input::Unreadable,
            });
        } else {
            return Err(PyTypeError::new_err(format!("pages must be bytes or str, got {}", page.get_type().name()?)));
        }
    }
    let options = Options { max_attr_words, limits: Limits { max_page_bytes, max_lines, max_depth } };
    let deadline = Deadline::after(timeout);
    let batch = py.detach(|| segment_batch(&inputs, &options, &deadline));

    let out = PyDict::new(py);
    out.set_item("text", PyString::new(py, &batch.text))?;
    out.set_item("text_offsets", batch.text_offsets.into_pyarray(py))?;
    out.set_item("tag", batch.tag.into_pyarray(py))?;
    out.set_item("heading", batch.heading.into_pyarray(py))?;
    out.set_item("list_item", PyArray1::from_vec(py, batch.list_item))?;
    out.set_item("depth", batch.depth.into_pyarray(py))?;
    out.set_item("link_chars", batch.link_chars.into_pyarray(py))?;
    out.set_item("link_count", batch.link_count.into_pyarray(py))?;
    out.set_item("attr_words_index", batch.attr_words_index.into_pyarray(py))?;
    out.set_item("attr_words", PyList::new(py, &batch.attr_words)?)?;
    out.set_item("landmarks", batch.landmarks.into_pyarray(py))?;
    out.set_item("line_offsets", batch.line_offsets.into_pyarray(py))?;
    let titles = PyList::new(py, batch.pages.iter().map(|p| p.title.as_deref()))?;
    let languages = PyList::new(py, batch.pages.iter().map(|p| p.language.as_deref()))?;
    let encodings = PyList::new(py, batch.pages.iter().map(|p| p.encoding))?;
    let errors =
        PyList::new(py, batch.pages.iter().map(|p| p.error.as_ref().map(|e| (e.kind(), e.to_string(), e.step()))))?;
    out.set_item("titles", titles)?;
    out.set_item("languages", languages)?;
    out.set_item("encodings", encodings)?;
    out.set_item("errors", errors)?;
    Ok(out)
}

/// A LightGBM model's trees, evaluated natively (see `crate::trees`): the same scores as LightGBM's predictor.
#[pyclass(frozen, module = "chromecut._core")]
struct Forest {
    inner: trees::Forest,
}

#[pymethods]
impl Forest {
    /// Parse LightGBM's model text; `ValueError` says why text is refused.
    #[new]
    fn new(model_text: &str) -> PyResult<Self> {
        trees::Forest::parse(model_text).map(|inner| Forest { inner }).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    #[getter]
    fn num_features(&self) -> usize {
        self.inner.num_features()
    }

    #[getter]
    fn num_trees(&self) -> usize {
        self.inner.num_trees()
    }

    /// Raw scores (LightGBM's `predict(raw_score=True)`) of a 2-D float32 or float64 matrix, GIL released.
    fn predict_raw<'py>(&self, py: Python<'py>, features: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        predict(py, &self.inner, features, Output::Raw)
    }

    /// Probabilities of the positive class of a binary model (LightGBM's `predict()`), GIL released.
    fn predict_proba<'py>(&self, py: Python<'py>, features: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        predict(py, &self.inner, features, Output::Probability)
    }
}

#[derive(Clone, Copy)]
enum Output {
    Raw,
    Probability,
}

fn predict<'py>(
    py: Python<'py>,
    forest: &trees::Forest,
    features: &Bound<'py, PyAny>,
    output: Output,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    if let Ok(array) = features.cast::<PyArray2<f32>>() {
        return predict_array(py, forest, array, output);
    }
    if let Ok(array) = features.cast::<PyArray2<f64>>() {
        return predict_array(py, forest, array, output);
    }
    Err(PyTypeError::new_err(format!(
        "features must be a 2-D NumPy array of float32 or float64, got {}",
        features.repr().map_or_else(|_| "?".to_string(), |r| r.to_string().chars().take(80).collect())
    )))
}

/// Rows are read in place when the array is C-contiguous, else copied once in row order; the trees run with the
/// GIL released.
fn predict_array<'py, T: Element + Feature>(
    py: Python<'py>,
    forest: &trees::Forest,
    array: &Bound<'py, PyArray2<T>>,
    output: Output,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let readonly: PyReadonlyArray2<'py, T> =
        array.try_readonly().map_err(|e| PyValueError::new_err(format!("features cannot be read: {e}")))?;
    let width = readonly.shape()[1];
    let copied: Vec<T>;
    let values = match readonly.as_slice() {
        Ok(values) if readonly.is_c_contiguous() => values,
        _ => {
            copied = readonly.as_array().iter().copied().collect();
            &copied
        }
    };
    let scores = py
        .detach(|| match output {
            Output::Raw => forest.predict_raw(values, width),
            Output::Probability => forest.predict_proba(values, width),
        })
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(scores.into_pyarray(py))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(segment_html_batch, m)?)?;
    m.add_class::<Forest>()?;
    m.add("LINE_TAGS", LINE_TAGS.to_vec())?;
    m.add("MAX_ATTR_WORDS_DEFAULT", MAX_ATTR_WORDS_DEFAULT)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
