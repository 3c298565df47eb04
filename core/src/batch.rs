//! A batch of pages in, flat columns out: what crosses into Python once per batch.
//!
//! Every page's work runs under [`std::panic::catch_unwind`]: a panic becomes that page's
//! [`PageError::Panic`], never a crash of the batch, and the other pages are unaffected.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::limits::{Deadline, PageError};
use crate::segment::{decode_utf8, segment_text_html, Options, PageLines};

/// One page as given.
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    /// Raw bytes: UTF-8 (with or without a BOM) is decoded here, anything else is
    /// [`PageError::NeedsDecoding`].
    Bytes(&'a [u8]),
    /// Text.
    Text(&'a str),
    /// Text that could not be read as UTF-8 (a Python `str` with lone surrogates): [`PageError::NeedsDecoding`].
    Unreadable,
}

/// What a page says about itself, or why it failed.
#[derive(Clone, Debug, Default)]
pub struct PageMeta {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub language: Option<String>,
    /// Python's codec name, for pages given as bytes.
    pub encoding: Option<&'static str>,
    pub error: Option<PageError>,
}

/// The lines of a batch of pages as columns (one entry per line), pages delimited by [`Batch::line_offsets`].
#[derive(Debug, Default)]
pub struct Batch {
    /// Every line's text, one after the other.
    pub text: String,
    /// Line `i`'s text is `text[text_offsets[i]..text_offsets[i + 1]]`, in *characters* (code points), so Python
    /// slices its `str` with them directly.
    pub text_offsets: Vec<i64>,
    /// Index in [`crate::segment::LINE_TAGS`].
    pub tag: Vec<u8>,
    pub heading: Vec<u8>,
    pub list_item: Vec<bool>,
    pub depth: Vec<u32>,
    pub link_chars: Vec<u32>,
    pub link_count: Vec<u32>,
    /// Index in [`Batch::attr_words`] (distinct strings of the batch).
    pub attr_words_index: Vec<u32>,
    pub attr_words: Vec<String>,
    pub landmarks: Vec<u16>,
    /// Page `p`'s lines are `line_offsets[p]..line_offsets[p + 1]`.
    pub line_offsets: Vec<i64>,
    pub pages: Vec<PageMeta>,
    words_ids: HashMap<Arc<str>, u32>,
}

impl Batch {
    fn new() -> Self {
        Batch { text_offsets: vec![0], line_offsets: vec![0], ..Default::default() }
    }

    /// Number of lines in the batch.
    pub fn len(&self) -> usize {
        self.tag.len()
    }

    /// Whether the batch holds no line.
    pub fn is_empty(&self) -> bool {
        self.tag.is_empty()
    }

    fn push_page(&mut self, page: PageLines, encoding: Option<&'static str>) {
        let mut chars = *self.text_offsets.last().unwrap_or(&0);
        for line in page.lines {
            chars += if line.text.is_ascii() { line.text.len() } else { line.text.chars().count() } as i64;
            self.text.push_str(&line.text);
            self.text_offsets.push(chars);
            self.tag.push(line.tag);
            self.heading.push(line.heading);
            self.list_item.push(line.list_item);
            self.depth.push(line.depth);
            self.link_chars.push(line.link_chars);
            self.link_count.push(line.link_count);
            self.landmarks.push(line.landmarks);
            let next = self.attr_words.len() as u32;
            let id = match self.words_ids.get(&*line.attr_words) {
                Some(&id) => id,
                None => {
                    self.attr_words.push(line.attr_words.to_string());
                    self.words_ids.insert(line.attr_words, next);
                    next
                }
            };
            self.attr_words_index.push(id);
        }
        self.line_offsets.push(self.tag.len() as i64);
        self.pages.push(PageMeta {
            title: page.title,
            summary: page.summary,
            language: page.language,
            encoding,
            error: None,
        });
    }

    fn push_failure(&mut self, error: PageError, encoding: Option<&'static str>) {
        self.line_offsets.push(self.tag.len() as i64);
        self.pages.push(PageMeta { encoding, error: Some(error), ..Default::default() });
    }
}

pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_owned()
    }
}

/// Segment one page, catching any panic.
pub fn segment_page(
    input: Input<'_>,
    options: &Options,
    deadline: &Deadline,
) -> (Result<PageLines, PageError>, Option<&'static str>) {
    let mut encoding = None;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let text = match input {
            Input::Text(text) => text,
            Input::Unreadable => return Err(PageError::NeedsDecoding),
            Input::Bytes(bytes) => {
                if let Some(max) = options.limits.max_page_bytes {
                    if bytes.len() > max {
                        return Err(PageError::TooLarge { max_page_bytes: max });
                    }
                }
                let (text, enc) = decode_utf8(bytes)?;
                encoding = Some(enc.name());
                text
            }
        };
        deadline.check("after decoding")?;
        segment_text_html(text, options, deadline)
    }));
    let result = result.unwrap_or_else(|payload| Err(PageError::Panic { message: panic_message(payload.as_ref()) }));
    (result, encoding)
}

/// Segment a batch of pages; `deadline` is shared by the batch (a page that finds it spent fails with a timeout).
pub fn segment_batch(inputs: &[Input<'_>], options: &Options, deadline: &Deadline) -> Batch {
    let mut batch = Batch::new();
    for &input in inputs {
        match segment_page(input, options, deadline) {
            (Ok(page), encoding) => batch.push_page(page, encoding),
            (Err(error), encoding) => batch.push_failure(error, encoding),
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn columns_and_offsets() {
        let inputs = [Input::Text("<p>é<p>b"), Input::Bytes(b"\xe9"), Input::Bytes("<p>c</p>".as_bytes())];
        let batch = segment_batch(&inputs, &Options::default(), &Deadline::NEVER);
        assert_eq!(batch.text, "ébc");
        assert_eq!(batch.text_offsets, [0, 1, 2, 3]);
        assert_eq!(batch.line_offsets, [0, 2, 2, 3]);
        assert_eq!(batch.pages[1].error, Some(PageError::NeedsDecoding));
        assert_eq!(batch.pages[2].encoding, Some("utf-8"));
        assert_eq!(batch.attr_words, [""]);
        assert_eq!(batch.attr_words_index, [0, 0, 0]);
    }

    #[test]
    fn a_failing_page_leaves_the_others() {
        let options = Options { limits: Limits { max_lines: Some(1), ..Limits::default() }, ..Options::default() };
        let batch = segment_batch(&[Input::Text("<p>a<p>b"), Input::Text("<p>c")], &options, &Deadline::NEVER);
        assert_eq!(batch.pages[0].error, Some(PageError::TooManyLines { max_lines: 1 }));
        assert!(batch.pages[1].error.is_none());
        assert_eq!(batch.line_offsets, [0, 0, 1]);
    }

    #[test]
    fn panics_are_caught() {
        let result = catch_unwind(|| panic!("boom"));
        assert_eq!(panic_message(result.unwrap_err().as_ref()), "boom");
    }
}
