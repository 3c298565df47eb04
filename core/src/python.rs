//! The PyO3 boundary: `chromecut._core`. Converts Python inputs to [`crate::batch::Input`]s, releases the GIL
//! for the batch, and hands the columns back as NumPy arrays and a few lists (one object per page or per
//! distinct string, never per node); `Forest`, [`crate::trees::Forest`] over NumPy feature matrices; and
//! `TextFeaturizer`, [`crate::features::TextFeaturizer`] over a batch of lines given as one string (in HTML mode
//! with the markup columns as NumPy arrays and lists of the distinct strings), the feature matrix back as one
//! NumPy array.

use numpy::ndarray::Array2;
use numpy::{
    Element, IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::string::PyStringData;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::batch::{segment_batch, Input};
use crate::features::kinds::KindSpec;
use crate::features::markup::{MarkupInput, MarkupSpec};
use crate::features::normalise::{MapSpec, TokenizerSpec};
use crate::features::{
    self,
    sections::SectionSpec,
    tables::LowerCase,
    tables::RegexText,
    vocab::{Labelled, Learning, VocabSpec},
    HtmlSpec,
};
use crate::reflow;
use crate::trees::{self, Feature};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use crate::decision::{Decision, Fallback, Smoothing};
use crate::limits::{Deadline, Limits, PageError};
use crate::pipeline::{self, CompiledEntry, ContextPass, MemberSpec, PipelineSpec, Reading, Trees};
use crate::segment::{Options, LINE_TAGS, MAX_ATTR_WORDS_DEFAULT};

/// The pages of a batch (bytes or str) as the core reads them, borrowed.
fn page_inputs<'a, 'py>(pages: &'a [Bound<'py, PyAny>]) -> PyResult<Vec<Input<'a>>> {
    let mut inputs = Vec::with_capacity(pages.len());
    for page in pages {
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
    Ok(inputs)
}

/// A page's failure as `(kind, message, step)` (see `_core.pyi`).
fn failure(error: &PageError) -> (&'static str, String, Option<&'static str>) {
    (error.kind(), error.to_string(), error.step())
}

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
    let inputs = page_inputs(&pages)?;
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
    let errors = PyList::new(py, batch.pages.iter().map(|p| p.error.as_ref().map(failure)))?;
    out.set_item("titles", titles)?;
    out.set_item("summaries", PyList::new(py, batch.pages.iter().map(|p| p.summary.as_deref()))?)?;
    out.set_item("languages", languages)?;
    out.set_item("encodings", encodings)?;
    out.set_item("errors", errors)?;
    Ok(out)
}

/// A LightGBM model's trees, evaluated natively (see `crate::trees`): the same scores as LightGBM's predictor.
#[pyclass(frozen, module = "chromecut._core")]
struct Forest {
    inner: Arc<trees::Forest>,
}

#[pymethods]
impl Forest {
    /// Parse LightGBM's model text; `ValueError` says why text is refused.
    #[new]
    fn new(model_text: &str) -> PyResult<Self> {
        trees::Forest::parse(model_text)
            .map(|inner| Forest { inner: Arc::new(inner) })
            .map_err(|e| PyValueError::new_err(e.to_string()))
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

/// Featurisation of text or HTML mode (see `crate::features`), built by `chromecut.features.native.build` from a
/// dict of everything the Python featurizer reads.
#[pyclass(frozen, module = "chromecut._core")]
struct TextFeaturizer {
    inner: Arc<features::TextFeaturizer>,
}

macro_rules! spec_item {
    ($spec:expr, $key:literal) => {
        $spec.get_item($key)?.ok_or_else(|| PyKeyError::new_err($key))?.extract()?
    };
}

fn u32_array(spec: &Bound<'_, PyDict>, key: &str) -> PyResult<Vec<u32>> {
    let value = spec.get_item(key)?.ok_or_else(|| PyKeyError::new_err(key.to_string()))?;
    let array: PyReadonlyArray1<'_, u32> = value.extract()?;
    Ok(array.as_array().to_vec())
}

fn code_points(text: &str) -> Vec<u32> {
    text.chars().map(u32::from).collect()
}

/// A str's own code points (lone surrogates included).
fn str_code_points(text: &Bound<'_, PyString>) -> PyResult<Vec<u32>> {
    // SAFETY: `text` is borrowed for the call and a str is immutable; the view is copied at once.
    Ok(match unsafe { text.data()? } {
        PyStringData::Ucs1(data) => data.iter().map(|&c| u32::from(c)).collect(),
        PyStringData::Ucs2(data) => data.iter().map(|&c| u32::from(c)).collect(),
        PyStringData::Ucs4(data) => data.to_vec(),
    })
}

/// A stand-in text plan (`RegexPlan.spec()`): `ascii`, `codes`, `stand_ins` (word, digit, space, other).
fn regex_text(spec: &Bound<'_, PyDict>) -> PyResult<RegexText> {
    let ascii: Bound<'_, PyBytes> = spec_item!(spec, "ascii");
    let codes: Vec<(u32, Bound<'_, PyBytes>)> = spec_item!(spec, "codes");
    let stand_ins: Bound<'_, PyBytes> = spec_item!(spec, "stand_ins");
    let &[word, digit, space, other] = stand_ins.as_bytes() else {
        return Err(PyValueError::new_err("stand_ins must be four bytes: word, digit, space, other"));
    };
    Ok(RegexText {
        ascii: ascii.as_bytes().to_vec(),
        codes: codes.iter().map(|(cp, code)| (*cp, code.as_bytes().to_vec())).collect(),
        word,
        digit,
        space,
        other,
    })
}

fn map_spec(spec: &Bound<'_, PyDict>, key: &str) -> PyResult<MapSpec> {
    let table: Bound<'_, PyDict> =
        spec.get_item(key)?.ok_or_else(|| PyKeyError::new_err(key.to_string()))?.extract()?;
    Ok(MapSpec {
        sources: u32_array(&table, "sources")?,
        offsets: u32_array(&table, "offsets")?,
        targets: u32_array(&table, "targets")?,
    })
}

/// The rows of a 2-D `uint32` array with `width` columns.
fn u32_rows(spec: &Bound<'_, PyDict>, key: &str, width: usize) -> PyResult<Vec<Vec<u32>>> {
    let value = spec.get_item(key)?.ok_or_else(|| PyKeyError::new_err(key.to_string()))?;
    let array: PyReadonlyArray2<'_, u32> = value.extract()?;
    if array.shape()[1] != width {
        return Err(PyValueError::new_err(format!("{key} must have {width} columns")));
    }
    Ok(array.as_array().rows().into_iter().map(|r| r.to_vec()).collect())
}

fn kind_spec(spec: &Bound<'_, PyDict>, attr_regex_text: RegexText) -> PyResult<KindSpec> {
    let regex_spec: Bound<'_, PyDict> = spec_item!(spec, "kind_regex_text");
    let combining = u32_rows(spec, "combining", 2)?;
    let compositions = u32_rows(spec, "compositions", 3)?;
    let classes = combining
        .iter()
        .map(|r| u8::try_from(r[1]).map(|c| (r[0], c)))
        .collect::<Result<_, _>>()
        .map_err(|_| PyValueError::new_err("combining classes are below 256"))?;
    let names: Vec<String> = spec_item!(spec, "entity_names");
    let values: Vec<String> = spec_item!(spec, "entity_values");
    if names.len() != values.len() {
        return Err(PyValueError::new_err("one entity value per name"));
    }
    Ok(KindSpec {
        feature_kinds: spec_item!(spec, "feature_kinds"),
        article_features: spec_item!(spec, "article_features"),
        limits: spec_item!(spec, "kind_limits"),
        groups: spec_item!(spec, "kind_groups"),
        content_regex: spec_item!(spec, "kind_content_regex"),
        attr_regex_text,
        regex_text: regex_text(&regex_spec)?,
        regexes: spec_item!(spec, "kind_regexes"),
        phrases: spec_item!(spec, "kind_phrases"),
        number_signs: spec_item!(spec, "number_signs"),
        cell_tags: spec_item!(spec, "cell_tags"),
        caption_tags: spec_item!(spec, "caption_tags"),
        credit_sign: spec_item!(spec, "credit_sign"),
        email_sign: spec_item!(spec, "email_sign"),
        isdigit_spans: u32_array(spec, "isdigit_spans")?,
        landmarks: spec_item!(spec, "kind_landmarks"),
        tokenizer: TokenizerSpec {
            cjk_spans: u32_array(spec, "token_cjk_spans")?,
            word_spans: u32_array(spec, "token_word_spans")?,
            casefold: map_spec(spec, "casefold")?,
            nfkd: map_spec(spec, "nfkd")?,
            combining: classes,
            compositions: compositions.iter().map(|r| (r[0], r[1], r[2])).collect(),
            quotes: spec_item!(spec, "quotes"),
            entities: names.into_iter().zip(values).collect(),
            invalid_charrefs: spec_item!(spec, "invalid_charrefs"),
            invalid_codepoints: spec_item!(spec, "invalid_codepoints"),
        },
    })
}

/// HTML mode's part of the spec (`chromecut.features.native._html_spec`), with the main text's thresholds.
fn html_spec(spec: &Bound<'_, PyDict>, main_min_tokens: f64, main_max_gap: usize) -> PyResult<HtmlSpec> {
    let attr: Bound<'_, PyDict> = spec_item!(spec, "attr_regex_text");
    let attr_regex_text = regex_text(&attr)?;
    let kinds = if spec.contains("feature_kinds")? { Some(kind_spec(spec, attr_regex_text.clone())?) } else { None };
    Ok(HtmlSpec {
        markup: MarkupSpec {
            tag_vocabulary: spec_item!(spec, "tag_vocabulary"),
            landmark_features: spec_item!(spec, "landmark_features"),
            attr_regex_text,
            attr_families: spec_item!(spec, "attr_families"),
            title_word_spans: u32_array(spec, "title_word_spans")?,
            summary_features: spec.get_item("summary_features")?.map(|v| v.extract()).transpose()?.unwrap_or(false),
        },
        kinds,
        main_min_tokens,
        main_max_gap,
        attr_vocab: match spec.get_item("attr_vocab")? {
            Some(table) if !table.is_none() => Some(vocab_spec(table.cast()?)?),
            _ => None,
        },
    })
}

/// A learnt vocabulary's entries (`chromecut.features.vocab.VocabTable.spec`).
fn vocab_spec(spec: &Bound<'_, PyDict>) -> PyResult<VocabSpec> {
    let tokens: Vec<Bound<'_, PyBytes>> = spec_item!(spec, "vocab_tokens");
    let weights: PyReadonlyArray1<'_, f32> = spec_item!(spec, "vocab_weights");
    Ok(VocabSpec {
        max_tokens: spec_item!(spec, "vocab_max_tokens"),
        tokens: tokens.iter().map(|t| t.as_bytes().to_vec()).collect(),
        weights: weights.as_array().to_vec(),
        width: spec_item!(spec, "vocab_width"),
    })
}

/// The markup columns of a batch, owned (see [`MarkupInput`]).
struct MarkupColumns {
    tag: Vec<i64>,
    tags: Vec<String>,
    floats: [Vec<f64>; 6],
    depth_code: Vec<i64>,
    attr: Vec<i64>,
    attr_lists: Vec<Vec<u32>>,
    title: Option<Vec<i64>>,
    titles: Vec<Vec<u32>>,
    summary: Option<Vec<i64>>,
    summaries: Vec<Vec<u32>>,
}

/// The float columns of [`MarkupColumns`], in order.
const MARKUP_FLOATS: [&str; 6] = ["heading", "list_item", "depth", "link_chars", "link_count", "landmarks"];

impl MarkupColumns {
    fn extract(markup: &Bound<'_, PyDict>) -> PyResult<Self> {
        let ints = |key: &str| -> PyResult<Vec<i64>> {
            let array: PyReadonlyArray1<'_, i64> =
                markup.get_item(key)?.ok_or_else(|| PyKeyError::new_err(key.to_string()))?.extract()?;
            Ok(array.as_array().to_vec())
        };
        let floats = |key: &str| -> PyResult<Vec<f64>> {
            let array: PyReadonlyArray1<'_, f64> =
                markup.get_item(key)?.ok_or_else(|| PyKeyError::new_err(key.to_string()))?.extract()?;
            Ok(array.as_array().to_vec())
        };
        let strings = |key: &str| -> PyResult<Vec<Vec<u32>>> {
            let list: Vec<Bound<'_, PyString>> =
                markup.get_item(key)?.ok_or_else(|| PyKeyError::new_err(key.to_string()))?.extract()?;
            list.iter().map(str_code_points).collect()
        };
        let optional = |key: &str| -> PyResult<Option<Vec<i64>>> {
            Ok(match markup.get_item(key)? {
                Some(value) if !value.is_none() => {
                    Some(value.extract::<PyReadonlyArray1<'_, i64>>()?.as_array().to_vec())
                }
                _ => None,
            })
        };
        Ok(MarkupColumns {
            tag: ints("tag")?,
            tags: spec_item!(markup, "tags"),
            floats: [
                floats(MARKUP_FLOATS[0])?,
                floats(MARKUP_FLOATS[1])?,
                floats(MARKUP_FLOATS[2])?,
                floats(MARKUP_FLOATS[3])?,
                floats(MARKUP_FLOATS[4])?,
                floats(MARKUP_FLOATS[5])?,
            ],
            depth_code: ints("depth_code")?,
            attr: ints("attr")?,
            attr_lists: strings("attr_lists")?,
            title: optional("title")?,
            titles: strings("titles")?,
            summary: optional("summary")?,
            summaries: strings("summaries")?,
        })
    }

    fn input(&self) -> MarkupInput<'_> {
        let [heading, list_item, depth, link_chars, link_count, landmarks] = &self.floats;
        MarkupInput {
            tag: &self.tag,
            tags: &self.tags,
            heading,
            list_item,
            depth,
            depth_code: &self.depth_code,
            link_chars,
            link_count,
            landmarks,
            attr: &self.attr,
            attr_lists: &self.attr_lists,
            title: self.title.as_deref(),
            titles: &self.titles,
            summary: self.summary.as_deref(),
            summaries: &self.summaries,
        }
    }
}

fn sizes(array: &PyReadonlyArray1<'_, i64>, what: &str) -> PyResult<Vec<usize>> {
    array
        .as_array()
        .iter()
        .map(|&v| usize::try_from(v).map_err(|_| PyValueError::new_err(format!("{what} must not be negative"))))
        .collect()
}

/// A learnt vocabulary as Python gets it: the units (UTF-8) and their weights, a row per unit.
type LearntVocab<'py> = (Vec<Bound<'py, PyBytes>>, Bound<'py, PyArray2<f32>>);

/// What a vocabulary learns from, copied out of Python: each line's label, site and fold, and how.
struct LearntLines {
    labels: Vec<i64>,
    sites: Vec<i64>,
    folds: Vec<i64>,
    how: Learning,
}

impl LearntLines {
    fn new(
        labels: &PyReadonlyArray1<'_, i64>,
        sites: &PyReadonlyArray1<'_, i64>,
        folds: &PyReadonlyArray1<'_, i64>,
        how: Learning,
    ) -> Self {
        let copy = |a: &PyReadonlyArray1<'_, i64>| a.as_array().to_vec();
        LearntLines { labels: copy(labels), sites: copy(sites), folds: copy(folds), how }
    }

    /// `learn`'s units and their weights (`k + 1` per unit) as Python gets them, the GIL released meanwhile.
    fn learn<'py, F>(&self, py: Python<'py>, learn: F) -> PyResult<LearntVocab<'py>>
    where
        F: FnOnce(&Labelled, Learning) -> Result<(Vec<String>, Vec<f32>), features::InputError> + Send,
    {
        let lines = Labelled { labels: &self.labels, sites: &self.sites, folds: &self.folds };
        let (units, weights) =
            py.detach(|| learn(&lines, self.how)).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let matrix = Array2::from_shape_vec((units.len(), self.how.folds + 1), weights)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok((units.iter().map(|u| PyBytes::new(py, u.as_bytes())).collect(), matrix.into_pyarray(py)))
    }
}

#[pymethods]
impl TextFeaturizer {
    #[new]
    fn new(spec: &Bound<'_, PyDict>) -> PyResult<Self> {
        let flags: PyReadonlyArray1<'_, u8> = spec_item!(spec, "char_flags");
        let keys: Vec<Bound<'_, PyBytes>> = spec_item!(spec, "frequency_keys");
        let counts: PyReadonlyArray1<'_, i64> = spec_item!(spec, "frequency_counts");
        let ascii: Bound<'_, PyBytes> = spec_item!(spec, "regex_ascii");
        let codes: Vec<(u32, Bound<'_, PyBytes>)> = spec_item!(spec, "regex_codes");
        let stand_ins: Bound<'_, PyBytes> = spec_item!(spec, "regex_stand_ins");
        if stand_ins.as_bytes().len() != 4 {
            return Err(PyValueError::new_err("regex_stand_ins must be four bytes: word, digit, space, other"));
        }
        let sections = if spec_item!(spec, "section_features") {
            let prefixes: Vec<String> = spec_item!(spec, "byline_cjk_prefixes");
            let colons: String = spec_item!(spec, "byline_cjk_colons");
            let separators: String = spec_item!(spec, "separator_chars");
            let mut pairs = Vec::new();
            for prefix in prefixes {
                let cps = code_points(&prefix);
                if cps.len() != 2 {
                    return Err(PyValueError::new_err("byline_cjk_prefixes must be two characters each"));
                }
                pairs.push((cps[0], cps[1]));
            }
            Some(SectionSpec {
                heading_max_words: spec_item!(spec, "heading_max_words"),
                heading_max_chars: spec_item!(spec, "heading_max_chars"),
                headline_max_words: spec_item!(spec, "headline_max_words"),
                headline_max_chars: spec_item!(spec, "headline_max_chars"),
                title_case_min_share: spec_item!(spec, "title_case_min_share"),
                run_similar_length: spec_item!(spec, "run_similar_length"),
                main_min_tokens: spec_item!(spec, "main_min_tokens"),
                main_max_gap: spec_item!(spec, "main_max_gap"),
                only_number_max_letters: spec_item!(spec, "only_number_max_letters"),
                meta_max_words: spec_item!(spec, "meta_max_words"),
                byline_max_words: spec_item!(spec, "byline_max_words"),
                byline_word_positions: spec_item!(spec, "byline_word_positions"),
                byline_words: spec_item!(spec, "byline_words"),
                byline_cjk_prefixes: pairs,
                byline_cjk_colons: code_points(&colons),
                separators: code_points(&separators),
            })
        } else {
            None
        };
        let spec = features::Spec {
            names: spec_item!(spec, "names"),
            char_flags: flags.as_array().to_vec(),
            word_spans: u32_array(spec, "word_spans")?,
            digit_spans: u32_array(spec, "digit_spans")?,
            space_spans: u32_array(spec, "space_spans")?,
            regex_text: RegexText {
                ascii: ascii.as_bytes().to_vec(),
                codes: codes.iter().map(|(cp, code)| (*cp, code.as_bytes().to_vec())).collect(),
                word: stand_ins.as_bytes()[0],
                digit: stand_ins.as_bytes()[1],
                space: stand_ins.as_bytes()[2],
                other: stand_ins.as_bytes()[3],
            },
            lower: LowerCase {
                sources: u32_array(spec, "lower_sources")?,
                offsets: u32_array(spec, "lower_offsets")?,
                targets: u32_array(spec, "lower_targets")?,
            },
            sigma_cased: u32_array(spec, "sigma_cased")?,
            sigma_ignorable: u32_array(spec, "sigma_ignorable")?,
            pattern_names: spec_item!(spec, "pattern_names"),
            pattern_regexes: spec_item!(spec, "pattern_regexes"),
            copyright_regex: spec_item!(spec, "copyright_regex"),
            keyword_families: spec_item!(spec, "keyword_families"),
            keyword_single: spec_item!(spec, "keyword_single"),
            keyword_multi: spec_item!(spec, "keyword_multi"),
            keyword_cjk: spec_item!(spec, "keyword_cjk"),
            keyword_max_chars: spec_item!(spec, "keyword_max_chars"),
            stopwords: spec_item!(spec, "stopwords"),
            cjk_stopwords: u32_array(spec, "cjk_stopwords")?,
            separator_chars: spec_item!(spec, "separator_chars"),
            bullet_chars: spec_item!(spec, "bullet_chars"),
            list_indent_chars: spec_item!(spec, "list_indent_chars"),
            list_number_end_chars: spec_item!(spec, "list_number_end_chars"),
            closing_chars: spec_item!(spec, "closing_chars"),
            prose_min_words: spec_item!(spec, "prose_min_words"),
            cjk_prose_words: spec_item!(spec, "cjk_prose_words"),
            neighbour_offsets: spec_item!(spec, "neighbour_offsets"),
            context_half_windows: spec_item!(spec, "context_half_windows"),
            neighbour_bases: spec_item!(spec, "neighbour_bases"),
            sections,
            markdown: spec_item!(spec, "markdown_features"),
            page_words: spec_item!(spec, "page_word_features"),
            vocab: if spec_item!(spec, "vocab_features") { Some(vocab_spec(spec)?) } else { None },
            frequency_keys: keys.iter().map(|k| k.as_bytes().to_vec()).collect(),
            frequency_counts: counts.as_array().to_vec(),
            html: match spec.get_item("html")? {
                Some(html) if !html.is_none() => Some(html_spec(
                    html.cast()?,
                    spec_item!(spec, "main_min_tokens"),
                    spec_item!(spec, "main_max_gap"),
                )?),
                _ => None,
            },
        };
        features::TextFeaturizer::new(spec)
            .map(|inner| TextFeaturizer { inner: Arc::new(inner) })
            .map_err(PyValueError::new_err)
    }

    /// The output columns, in order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner.names().to_vec()
    }

    /// Each line's repetition key (what the corpus line-frequency table counts) of lines `text` (joined by
    /// `\n`, `lengths` code points each): one `bytes` of UTF-8 with surrogates kept and each key's end in it.
    fn line_keys<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        lengths: PyReadonlyArray1<'py, i64>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyArray1<i64>>)> {
        let lengths = sizes(&lengths, "lengths")?;
        let cps = str_code_points(text)?;
        let inner = &self.inner;
        let (bytes, ends) =
            py.detach(|| inner.line_keys(&cps, &lengths)).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let ends: Vec<i64> = ends.into_iter().map(|e| e as i64).collect();
        Ok((PyBytes::new(py, &bytes), ends.into_pyarray(py)))
    }

    /// The learnt vocabulary of labelled lines `text` (joined by `\n`, `lengths` code points each): their
    /// `labels` (0 chrome, 1 content, others skipped), `sites` (codes) and `folds` (`0..k`, one per site). Its
    /// units (UTF-8) and their chrome log-odds, `k + 1` per unit (the whole table's, then each fold's; NaN:
    /// unknown). `ValueError` when this featurizer has no vocabulary family or the columns disagree.
    #[pyo3(signature = (text, lengths, labels, sites, folds, *, k, min_sites, smoothing))]
    #[allow(clippy::too_many_arguments)]
    fn learn_vocab<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        lengths: PyReadonlyArray1<'py, i64>,
        labels: PyReadonlyArray1<'py, i64>,
        sites: PyReadonlyArray1<'py, i64>,
        folds: PyReadonlyArray1<'py, i64>,
        k: usize,
        min_sites: usize,
        smoothing: f64,
    ) -> PyResult<LearntVocab<'py>> {
        let lengths = sizes(&lengths, "lengths")?;
        let cps = str_code_points(text)?;
        let inner = &self.inner;
        let lines = LearntLines::new(&labels, &sites, &folds, Learning { folds: k, min_sites, smoothing });
        lines.learn(py, |labelled, how| inner.learn_vocab(&cps, &lengths, labelled, how))
    }

    /// The learnt class/id word vocabulary (HTML mode) of labelled lines whose word lists are `attr` (codes into
    /// `attr_lists`), with `labels`, `sites` and `folds` as in `learn_vocab`; the same result.
    #[pyo3(signature = (attr, attr_lists, labels, sites, folds, *, k, min_sites, smoothing))]
    #[allow(clippy::too_many_arguments)]
    fn learn_attr_vocab<'py>(
        &self,
        py: Python<'py>,
        attr: PyReadonlyArray1<'py, i64>,
        attr_lists: Vec<Bound<'py, PyString>>,
        labels: PyReadonlyArray1<'py, i64>,
        sites: PyReadonlyArray1<'py, i64>,
        folds: PyReadonlyArray1<'py, i64>,
        k: usize,
        min_sites: usize,
        smoothing: f64,
    ) -> PyResult<LearntVocab<'py>> {
        let attr = attr.as_array().to_vec();
        let attr_lists = attr_lists.iter().map(str_code_points).collect::<PyResult<Vec<_>>>()?;
        let inner = &self.inner;
        let lines = LearntLines::new(&labels, &sites, &folds, Learning { folds: k, min_sites, smoothing });
        lines.learn(py, |labelled, how| inner.learn_attr_vocab(&attr, &attr_lists, labelled, how))
    }

    /// The feature matrix (lines x names, float32 or float64) of lines `text` (joined by `\n`, `lengths` code
    /// points each), pages of `page_sizes` lines; `source` and `domain` are codes per line (-1: no domain);
    /// `markup`, HTML mode's markup columns (see `_core.pyi`). The GIL is released while the batch is featurised.
    #[pyo3(signature = (text, lengths, page_sizes, source, *, domain = None, leave_one_out = false, float64 = false,
                        markup = None, vocab_folds = None))]
    #[allow(clippy::too_many_arguments)]
    fn features<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
        lengths: PyReadonlyArray1<'py, i64>,
        page_sizes: PyReadonlyArray1<'py, i64>,
        source: PyReadonlyArray1<'py, i64>,
        domain: Option<PyReadonlyArray1<'py, i64>>,
        leave_one_out: bool,
        float64: bool,
        markup: Option<Bound<'py, PyDict>>,
        vocab_folds: Option<PyReadonlyArray1<'py, i64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let markup = markup.as_ref().map(MarkupColumns::extract).transpose()?;
        let vocab_folds = vocab_folds.map(|f| f.as_array().to_vec());
        let lengths = sizes(&lengths, "lengths")?;
        let page_sizes = sizes(&page_sizes, "page_sizes")?;
        let source = source.as_array().to_vec();
        let domain = domain.map(|d| d.as_array().to_vec());
        // The str's own code points, widened to u32 (copied before the GIL is released).
        let cps = str_code_points(text)?;
        let width = self.inner.names().len();
        let n = lengths.len();
        let inner = &self.inner;
        let input = features::Input {
            text: &cps,
            lengths: &lengths,
            page_sizes: &page_sizes,
            source: &source,
            domain: domain.as_deref(),
            leave_one_out,
            vocab_folds: vocab_folds.as_deref(),
            markup: markup.as_ref().map(MarkupColumns::input),
        };
        let error = |e: features::InputError| PyValueError::new_err(e.to_string());
        let shape_error = |e: numpy::ndarray::ShapeError| PyValueError::new_err(e.to_string());
        if float64 {
            let matrix = py.detach(|| inner.features::<f64>(&input)).map_err(error)?;
            Ok(Array2::from_shape_vec((n, width), matrix).map_err(shape_error)?.into_pyarray(py).into_any())
        } else {
            let matrix = py.detach(|| inner.features::<f32>(&input)).map_err(error)?;
            Ok(Array2::from_shape_vec((n, width), matrix).map_err(shape_error)?.into_pyarray(py).into_any())
        }
    }
}

/// One member of a [`Pipeline`] as Python gives it: its featurizer, first pass, context pass (or `None`), the
/// context pass's feature names, and `compiled` (see [`Pipeline::new`]).
type MemberArgs<'py> = (
    PyRef<'py, TextFeaturizer>,
    PyRef<'py, Forest>,
    Option<PyRef<'py, Forest>>,
    Vec<String>,
    Option<(usize, usize, Py<PyAny>)>,
);

/// Inference in one call (see `crate::pipeline`): each member's featurizer, first pass's and context pass's
/// trees (one member: a bundle; several: an ensemble, decided on their mean probability), the decision's
/// threshold, dominant share, smoothing and fallback (`crate::decision`).
#[pyclass(frozen, module = "chromecut._core")]
struct Pipeline {
    inner: pipeline::Pipeline,
    /// What keeps compiled trees loaded.
    _keep: Vec<Py<PyAny>>,
}

/// A pass's trees: the forest, or the compiled entry function at `entry` (0: none).
fn trees(forest: &Forest, entry: usize) -> Trees {
    if entry == 0 {
        Trees::Native(Arc::clone(&forest.inner))
    } else {
        // SAFETY: the caller (chromecut.model.fused) gives the address of lleaves' entry function of this
        // forest, whose code the pipeline's `_keep` keeps loaded for the pipeline's life.
        let function =
            unsafe { std::mem::transmute::<usize, unsafe extern "C" fn(*const f64, *mut f64, i32, i32)>(entry) };
        Trees::Compiled(CompiledEntry { function, num_features: forest.inner.num_features() })
    }
}

#[pymethods]
impl Pipeline {
    /// `members`: one `(featurizer, first, context, context_names, compiled)` per bundle, `context_names` the
    /// context booster's features in its order; `offsets`, `half_windows` and `likely`: what the context
    /// passes' features read. `ValueError` when no member is given or a booster does not read what is written.
    ///
    /// `compiled`: `(first, context, keep)`, the addresses of lleaves' entry functions of the member's passes
    /// (0: the pass's `Forest` instead) and the object that keeps their code loaded, held as long as the
    /// pipeline.
    #[new]
    #[pyo3(signature = (members, *, markup, threshold, dominant_share, smoothing = 0.0,
                        smoothing_reference_chars = 1.0, smoothing_probability_clip = 0.0, fallback_chars = 0,
                        fallback_threshold_share = 1.0, offsets = Vec::new(), half_windows = Vec::new(),
                        likely = 0.5))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        members: Vec<MemberArgs<'_>>,
        markup: bool,
        threshold: f64,
        dominant_share: f64,
        smoothing: f64,
        smoothing_reference_chars: f64,
        smoothing_probability_clip: f64,
        fallback_chars: usize,
        fallback_threshold_share: f64,
        offsets: Vec<i64>,
        half_windows: Vec<usize>,
        likely: f64,
    ) -> PyResult<Self> {
        let mut keep = Vec::new();
        let mut specs = Vec::with_capacity(members.len());
        for (featurizer, first, context, context_names, compiled) in members {
            let (first_entry, context_entry) = match compiled {
                Some((first, context, code)) => {
                    keep.push(code);
                    (first, context)
                }
                None => (0, 0),
            };
            specs.push(MemberSpec {
                featurizer: Arc::clone(&featurizer.inner),
                first: trees(&first, first_entry),
                context: context.map(|forest| ContextPass {
                    forest: trees(&forest, context_entry),
                    names: context_names,
                    offsets: offsets.clone(),
                    half_windows: half_windows.clone(),
                    likely,
                }),
            });
        }
        let spec = PipelineSpec {
            members: specs,
            markup,
            decision: Decision {
                threshold,
                dominant_share,
                smoothing: Smoothing {
                    switch_cost: smoothing,
                    reference_chars: smoothing_reference_chars,
                    probability_clip: smoothing_probability_clip,
                },
                fallback: Fallback { chars: fallback_chars, threshold_share: fallback_threshold_share },
            },
        };
        pipeline::Pipeline::new(spec).map(|inner| Pipeline { inner, _keep: keep }).map_err(PyValueError::new_err)
    }

    /// Each page's clean text (its kept lines joined by `\n`), or `(kind, message, step)` when it failed; pages
    /// are read as HTML (`html=True`) or text, a hard-wrapped text dump by its blocks unless `reflow=False`
    /// (`text_blocks`). The GIL is released for the batch.
    #[pyo3(signature = (pages, *, html, max_attr_words = MAX_ATTR_WORDS_DEFAULT, max_page_bytes = None,
                        max_lines = None, max_depth = None, timeout = None, reflow = true))]
    #[allow(clippy::too_many_arguments)]
    fn clean<'py>(
        &self,
        py: Python<'py>,
        pages: Vec<Bound<'py, PyAny>>,
        html: bool,
        max_attr_words: usize,
        max_page_bytes: Option<usize>,
        max_lines: Option<usize>,
        max_depth: Option<usize>,
        timeout: Option<f64>,
        reflow: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let reading = reading(html, max_attr_words, max_page_bytes, max_lines, max_depth, reflow);
        self.each_page(py, &pages, &reading, timeout, pipeline::Pipeline::clean, |text| {
            Ok(PyString::new(py, &text).into_any())
        })
    }

    /// Each page's `{"lines": [str], "p": float64 array, "kept": bool array}` (every line, blank ones with 0.0
    /// and not kept), or `(kind, message, step)` when it failed; arguments as in `clean`.
    #[pyo3(signature = (pages, *, html, max_attr_words = MAX_ATTR_WORDS_DEFAULT, max_page_bytes = None,
                        max_lines = None, max_depth = None, timeout = None, reflow = true))]
    #[allow(clippy::too_many_arguments)]
    fn label<'py>(
        &self,
        py: Python<'py>,
        pages: Vec<Bound<'py, PyAny>>,
        html: bool,
        max_attr_words: usize,
        max_page_bytes: Option<usize>,
        max_lines: Option<usize>,
        max_depth: Option<usize>,
        timeout: Option<f64>,
        reflow: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let reading = reading(html, max_attr_words, max_page_bytes, max_lines, max_depth, reflow);
        self.each_page(py, &pages, &reading, timeout, pipeline::Pipeline::label, |labels| {
            let out = PyDict::new(py);
            out.set_item("lines", PyList::new(py, &labels.lines)?)?;
            out.set_item("p", labels.p.into_pyarray(py))?;
            out.set_item("kept", PyArray1::from_vec(py, labels.kept))?;
            Ok(out.into_any())
        })
    }
}

/// A pipeline call over a batch (`clean` or `label`).
type Call<R> = fn(&pipeline::Pipeline, &[Input<'_>], &Reading, Option<f64>) -> Vec<Result<R, PageError>>;

impl Pipeline {
    /// `call` on the pages with the GIL released; each page's result converted by `convert`, or its failure as
    /// `(kind, message, step)`.
    fn each_page<'py, R: Send>(
        &self,
        py: Python<'py>,
        pages: &[Bound<'py, PyAny>],
        reading: &Reading,
        timeout: Option<f64>,
        call: Call<R>,
        convert: impl Fn(R) -> PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let inputs = page_inputs(pages)?;
        let inner = &self.inner;
        let results = py.detach(|| call(inner, &inputs, reading, timeout));
        let items: Vec<Bound<'py, PyAny>> = results
            .into_iter()
            .map(|result| match result {
                Ok(value) => convert(value),
                Err(error) => failure(&error).into_pyobject(py).map(|t| t.into_any()),
            })
            .collect::<PyResult<_>>()?;
        PyList::new(py, items)
    }
}

/// How a pipeline call reads its pages.
fn reading(
    html: bool,
    max_attr_words: usize,
    max_page_bytes: Option<usize>,
    max_lines: Option<usize>,
    max_depth: Option<usize>,
    reflow: bool,
) -> Reading {
    if html {
        Reading::Html(Options { max_attr_words, limits: Limits { max_page_bytes, max_lines, max_depth } })
    } else {
        Reading::Text { max_lines, reflow }
    }
}

/// The context pass's features (`crate::pipeline::context_table`): pages of `page_sizes` lines, their first-pass
/// probabilities, and for HTML the lines' class/id word and depth codes; the names and a float64 matrix.
#[pyfunction]
#[pyo3(signature = (page_sizes, p, *, offsets, half_windows, likely, attr = None, depth = None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn context_features<'py>(
    py: Python<'py>,
    page_sizes: PyReadonlyArray1<'py, i64>,
    p: PyReadonlyArray1<'py, f64>,
    offsets: Vec<i64>,
    half_windows: Vec<usize>,
    likely: f64,
    attr: Option<PyReadonlyArray1<'py, i64>>,
    depth: Option<PyReadonlyArray1<'py, i64>>,
) -> PyResult<(Vec<String>, Bound<'py, PyArray2<f64>>)> {
    let page_sizes = sizes(&page_sizes, "page_sizes")?;
    let p = p.as_array().to_vec();
    let codes = match (attr, depth) {
        (Some(a), Some(d)) => Some((a.as_array().to_vec(), d.as_array().to_vec())),
        (None, None) => None,
        _ => return Err(PyValueError::new_err("attr and depth come together")),
    };
    let container = codes.as_ref().map(|(a, d)| (a.as_slice(), d.as_slice()));
    let (names, values) = pipeline::context_table(&page_sizes, &p, &offsets, &half_windows, likely, container)
        .map_err(PyValueError::new_err)?;
    let shape = (p.len(), names.len());
    let matrix = Array2::from_shape_vec(shape, values).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((names, matrix.into_pyarray(py)))
}

/// A hard-wrapped text dump's blocks (`crate::reflow`): `(width, starts)`, block `b` holding the lines
/// `starts[b]:starts[b + 1]`; `None` when the lines are not wrapped.
#[pyfunction]
fn text_blocks(lines: Vec<String>) -> Option<(usize, Vec<usize>)> {
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    reflow::blocks(&lines).map(|blocks| (blocks.width, blocks.starts))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(segment_html_batch, m)?)?;
    m.add_function(wrap_pyfunction!(context_features, m)?)?;
    m.add_function(wrap_pyfunction!(text_blocks, m)?)?;
    m.add_class::<Forest>()?;
    m.add_class::<TextFeaturizer>()?;
    m.add_class::<Pipeline>()?;
    m.add("LINE_TAGS", LINE_TAGS.to_vec())?;
    m.add("MAX_ATTR_WORDS_DEFAULT", MAX_ATTR_WORDS_DEFAULT)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
