//! HTML page -> block lines with markup statistics; the port of `chromecut.segment.html.segment_html`.
//!
//! A *line* is the text a block-level element holds directly, inline descendants (links, emphasis, spans)
//! included, block descendants excluded; `<br>` and `<hr>` end a line; list items start with `- `; `<pre>` keeps
//! its own line breaks and spacing. Scripts, styles, templates, form controls, `<head>` and hidden elements
//! produce no lines; `<noscript>` content is kept and flagged. The walk uses an explicit stack (no recursion), so
//! any nesting depth is safe.

use std::sync::{Arc, OnceLock};

use html5ever::{local_name, LocalName};
use regex::Regex;

use crate::dom::{self, Dom, NodeData, NodeId};
use crate::limits::{check_depth, Deadline, Limits, PageError, DEADLINE_CHECK_NODES};
use crate::pystr;

/// How many class/id words of a line's ancestors (nearest first) a line keeps, by default.
pub const MAX_ATTR_WORDS_DEFAULT: usize = 48;
/// Class and id words shorter than this are dropped.
pub const MIN_ATTR_WORD_CHARS: usize = 2;
/// Prefix of list-item lines.
pub const LIST_MARKER: &str = "- ";

/// Landmark bits (`chromecut.segment.html.Landmark`).
pub mod landmark {
    pub const NAV: u16 = 1;
    pub const HEADER: u16 = 2;
    pub const FOOTER: u16 = 4;
    pub const ASIDE: u16 = 8;
    pub const FORM: u16 = 16;
    pub const MAIN: u16 = 32;
    pub const ARTICLE: u16 = 64;
    pub const DIALOG: u16 = 128;
    pub const FIGURE: u16 = 256;
    pub const NOSCRIPT: u16 = 512;
}

/// The tags a line can carry: the block tags, `body` (the page's root block) first. A line's tag is an index here.
pub const LINE_TAGS: &[&str] = &[
    "body",
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Elements whose content is never visible text of the page.
#[cfg(test)]
const SKIP_TAGS: &[&str] = &[
    "head", "script", "style", "template", "svg", "math", "iframe", "object", "embed", "canvas", "video", "audio",
    "select", "textarea", "input", "button", "option", "datalist", "map", "area", "param", "source", "track",
];

/// What the walk does with an element, decided once per element from its interned name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Skip,
    Break,
    /// A block element: its index in [`LINE_TAGS`].
    Block(u8),
    Inline,
}

fn kind_of(tag: &LocalName) -> Kind {
    macro_rules! blocks {
        ($($name:tt)*) => {
            match *tag {
                $(local_name!($name) => return Kind::Block(block_code($name)),)*
                _ => {}
            }
        };
    }
    blocks!("address" "article" "aside" "blockquote" "body" "caption" "center" "dd" "details" "dialog" "dir" "div"
            "dl" "dt" "fieldset" "figcaption" "figure" "footer" "form" "frameset" "h1" "h2" "h3" "h4" "h5" "h6"
            "header" "hgroup" "html" "legend" "li" "main" "menu" "nav" "ol" "p" "pre" "section" "summary" "table"
            "tbody" "td" "tfoot" "th" "thead" "tr" "ul");
    match *tag {
        local_name!("br") | local_name!("hr") => Kind::Break,
        local_name!("head")
        | local_name!("script")
        | local_name!("style")
        | local_name!("template")
        | local_name!("svg")
        | local_name!("math")
        | local_name!("iframe")
        | local_name!("object")
        | local_name!("embed")
        | local_name!("canvas")
        | local_name!("video")
        | local_name!("audio")
        | local_name!("select")
        | local_name!("textarea")
        | local_name!("input")
        | local_name!("button")
        | local_name!("option")
        | local_name!("datalist")
        | local_name!("map")
        | local_name!("area")
        | local_name!("param")
        | local_name!("source")
        | local_name!("track") => Kind::Skip,
        _ => Kind::Inline,
    }
}

const fn block_code(tag: &str) -> u8 {
    let mut i = 0;
    while i < LINE_TAGS.len() {
        if const_eq(LINE_TAGS[i], tag) {
            return i as u8;
        }
        i += 1;
    }
    panic!("not a line tag")
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

fn tag_landmark(tag: &str) -> u16 {
    match tag {
        "nav" => landmark::NAV,
        "header" => landmark::HEADER,
        "footer" => landmark::FOOTER,
        "aside" => landmark::ASIDE,
        "form" => landmark::FORM,
        "main" => landmark::MAIN,
        "article" => landmark::ARTICLE,
        "dialog" => landmark::DIALOG,
        "figure" => landmark::FIGURE,
        "noscript" => landmark::NOSCRIPT,
        _ => 0,
    }
}

fn role_landmark(role: &str) -> u16 {
    match role {
        "navigation" | "menu" | "menubar" => landmark::NAV,
        "banner" => landmark::HEADER,
        "contentinfo" => landmark::FOOTER,
        "complementary" => landmark::ASIDE,
        "search" | "form" => landmark::FORM,
        "main" => landmark::MAIN,
        "article" => landmark::ARTICLE,
        "dialog" | "alertdialog" => landmark::DIALOG,
        "figure" => landmark::FIGURE,
        _ => 0,
    }
}

fn heading_level(tag: &str) -> Option<u8> {
    match tag {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

fn hidden_style() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Python's `\s` on str is str.isspace: Unicode White_Space plus U+001C..U+001F.
    RE.get_or_init(|| {
        Regex::new(r"(?i)display[\s\x1c-\x1f]*:[\s\x1c-\x1f]*none|visibility[\s\x1c-\x1f]*:[\s\x1c-\x1f]*hidden")
            .expect("valid regex")
    })
}

/// Python's `str.strip().lower()`.
fn strip_lower(s: &str) -> String {
    pystr::strip(s).to_lowercase()
}

/// Words of an id and a class attribute, lower case: split on runs of non-ASCII-alphanumerics and between a lower
/// case and an upper case ASCII letter; words shorter than [`MIN_ATTR_WORD_CHARS`] dropped. `word` is scratch.
pub fn split_attr_words(element_id: &str, element_class: &str, word: &mut String, out: &mut WordList) {
    for value in [element_id, element_class] {
        word.clear();
        let mut prev_lower = false;
        for c in value.chars() {
            if !c.is_ascii_alphanumeric() {
                flush_word(word, out);
                prev_lower = false;
                continue;
            }
            if prev_lower && c.is_ascii_uppercase() {
                flush_word(word, out);
            }
            word.push(c.to_ascii_lowercase());
            prev_lower = c.is_ascii_lowercase();
        }
        flush_word(word, out);
    }
}

fn flush_word(word: &mut String, out: &mut WordList) {
    if word.len() >= MIN_ATTR_WORD_CHARS {
        out.push(word);
    }
    word.clear();
}

/// Words joined by single spaces, and where each ends: a list is one string, its first words a prefix of it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WordList {
    text: String,
    ends: Vec<usize>,
}

impl WordList {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The words, space-separated.
    pub fn joined(&self) -> &str {
        &self.text
    }

    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.text.split(' ').filter(|_| !self.is_empty())
    }

    /// An empty list with room for `a` and `b` together (no growing as they are appended).
    fn for_both(a: &WordList, b: &WordList) -> Self {
        WordList {
            text: String::with_capacity(a.text.len() + 1 + b.text.len()),
            ends: Vec::with_capacity(a.len() + b.len()),
        }
    }

    fn push(&mut self, word: &str) {
        if !self.is_empty() {
            self.text.push(' ');
        }
        self.text.push_str(word);
        self.ends.push(self.text.len());
    }

    /// Appends the first `count` words of `other`.
    fn extend_from(&mut self, other: &WordList, count: usize) {
        let Some(&end) = count.checked_sub(1).and_then(|last| other.ends.get(last)) else { return };
        let shift = if self.is_empty() { 0 } else { self.text.len() + 1 };
        if !self.is_empty() {
            self.text.push(' ');
        }
        self.text.push_str(&other.text[..end]);
        self.ends.extend(other.ends[..count].iter().map(|&e| e + shift));
    }

    /// Keeps the first `count` words.
    fn truncate(&mut self, count: usize) {
        if count < self.len() {
            self.text.truncate(if count == 0 { 0 } else { self.ends[count - 1] });
            self.ends.truncate(count);
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
}

/// One line of a page and the markup statistics of the block that owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// Index in [`LINE_TAGS`].
    pub tag: u8,
    /// 0 outside headings.
    pub heading: u8,
    pub list_item: bool,
    pub depth: u32,
    pub link_chars: u32,
    pub link_count: u32,
    /// The block's class/id words (shared by the lines of blocks with the same words).
    pub attr_words: Arc<str>,
    pub landmarks: u16,
}

impl Line {
    /// The tag name.
    pub fn tag_name(&self) -> &'static str {
        LINE_TAGS[self.tag as usize]
    }
}

/// The lines of one page and what the page says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageLines {
    pub lines: Vec<Line>,
    pub title: Option<String>,
    /// The page's own summary: the first `og:description` meta of its head, else the first `description`.
    pub summary: Option<String>,
    pub language: Option<String>,
    /// A hard-wrapped text dump's own lines, when `lines` holds its blocks ([`crate::reflow`]).
    pub wrapped: Option<Wrapped>,
}

/// The lines of a hard-wrapped text dump as it came, and where each of its blocks (the page's `lines`) starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wrapped {
    pub lines: Vec<String>,
    /// Block `b` holds the lines `starts[b]..starts[b + 1]` ([`crate::reflow::Blocks::starts`]).
    pub starts: Vec<usize>,
}

/// Options of the segmentation.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub max_attr_words: usize,
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options { max_attr_words: MAX_ATTR_WORDS_DEFAULT, limits: Limits::default() }
    }
}

/// State of the block element that owns the text being collected. Attribute words are shared slices of one
/// per-page word list: `words` indexes into the builder's word store.
#[derive(Clone, Copy, Debug)]
struct Block {
    tag: u8,
    depth: u32,
    /// Index into `Builder::word_lists`.
    words: usize,
    landmarks: u16,
    heading: u8,
    list_item: bool,
}

struct Builder {
    lines: Vec<Line>,
    pieces: String,
    has_text: bool,
    link_chars: u32,
    link_count: u32,
    bullet: bool,
    pre: bool,
    max_attr_words: usize,
    max_lines: Option<usize>,
    /// Ancestor word lists, nearest first, each cut at `max_attr_words`; index 0 is the empty list.
    word_lists: Vec<WordList>,
    /// Each word list joined, once a line has it ([`Builder::words_of`]).
    joined_words: Vec<Option<Arc<str>>>,
}

impl Builder {
    /// Word list `list` joined, made once and shared by every line that has it.
    fn words_of(&mut self, list: usize) -> Arc<str> {
        let word_lists = &self.word_lists;
        self.joined_words[list].get_or_insert_with(|| Arc::from(word_lists[list].joined())).clone()
    }

    /// A new ancestor word list. Only its first `max_attr_words` words ever reach a line, and lists only grow
    /// (own words before a block's, after an inline's), so it is cut there.
    fn new_word_list(&mut self, mut words: WordList) -> usize {
        words.truncate(self.max_attr_words);
        self.word_lists.push(words);
        self.joined_words.push(None);
        self.word_lists.len() - 1
    }

    fn flush(&mut self, block: &Block) -> Result<(), PageError> {
        if self.pieces.is_empty() {
            // An empty block keeps pending link counts: a link that wraps a block counts for that block.
            return Ok(());
        }
        if !self.has_text {
            self.pieces.clear();
            self.link_chars = 0;
            self.link_count = 0;
            return Ok(());
        }
        self.has_text = false;
        let raw = std::mem::take(&mut self.pieces);
        if self.pre {
            for part in raw.split('\n') {
                let text = pystr::rstrip(part);
                if pystr::strip(text).is_empty() {
                    continue;
                }
                self.emit(block, text.to_owned())?;
            }
        } else {
            let mut text = String::with_capacity(raw.len());
            pystr::push_collapsed(&raw, &mut text);
            if !text.is_empty() {
                self.emit(block, text)?;
            }
        }
        self.link_chars = 0;
        self.link_count = 0;
        // Give the buffer back, so its capacity serves the next block.
        self.pieces = raw;
        self.pieces.clear();
        Ok(())
    }

    fn emit(&mut self, block: &Block, text: String) -> Result<(), PageError> {
        let text = if self.bullet {
            self.bullet = false;
            format!("{LIST_MARKER}{text}")
        } else {
            text
        };
        if let Some(max_lines) = self.max_lines {
            if self.lines.len() >= max_lines {
                return Err(PageError::TooManyLines { max_lines });
            }
        }
        let attr_words = self.words_of(block.words);
        self.lines.push(Line {
            text,
            tag: block.tag,
            heading: block.heading,
            list_item: block.list_item,
            depth: block.depth,
            link_chars: self.link_chars,
            link_count: self.link_count,
            attr_words,
            landmarks: block.landmarks,
        });
        // Link statistics belong to the first physical line of a block; the rest of a <pre> has none.
        self.link_chars = 0;
        self.link_count = 0;
        Ok(())
    }
}

/// One frame of the walk: the element's remaining children, its owning block, and flags.
struct Frame {
    next_child: Option<NodeId>,
    block: Block,
    is_block: bool,
    in_link: bool,
    in_pre: bool,
}

fn first_child(dom: &Dom, id: NodeId) -> Option<NodeId> {
    dom.children(id).next()
}

fn next_sibling(dom: &Dom, id: NodeId) -> Option<NodeId> {
    let next = dom.nodes[id].next_sibling;
    (next != usize::MAX).then_some(next)
}

fn is_hidden(node: &dom::Node) -> bool {
    if node.attr(&local_name!("hidden")).is_some() {
        return true;
    }
    if node.attr(&local_name!("aria-hidden")).is_some_and(|v| strip_lower(v) == "true") {
        return true;
    }
    node.attr(&local_name!("style")).is_some_and(|s| !s.is_empty() && hidden_style().is_match(s))
}

fn walk(dom: &Dom, body: NodeId, builder: &mut Builder, deadline: &Deadline) -> Result<(), PageError> {
    let root_block = Block { tag: 0, depth: 0, words: 0, landmarks: 0, heading: 0, list_item: false };
    let mut stack = vec![Frame {
        next_child: first_child(dom, body),
        block: root_block,
        is_block: true,
        in_link: false,
        in_pre: false,
    }];
    let mut visited: usize = 0;
    let mut own_words = WordList::default();
    let mut scratch = String::new();
    while let Some(frame) = stack.last_mut() {
        let Some(id) = frame.next_child else {
            // Every child read: the element ends (a step of the walk too, for the clock).
            visited += 1;
            if visited.is_multiple_of(DEADLINE_CHECK_NODES) {
                deadline.check("walking the page")?;
            }
            let frame = stack.pop().expect("a frame");
            if frame.is_block {
                builder.pre = frame.in_pre;
                builder.flush(&frame.block)?;
            }
            continue;
        };
        frame.next_child = next_sibling(dom, id);
        visited += 1;
        if visited.is_multiple_of(DEADLINE_CHECK_NODES) {
            deadline.check("walking the page")?;
        }
        let node = &dom.nodes[id];
        let (in_link, in_pre) = (frame.in_link, frame.in_pre);
        let local: &LocalName = match &node.data {
            NodeData::Text(text) => {
                for piece in text.pieces().filter(|piece| !piece.is_empty()) {
                    builder.pieces.push_str(piece);
                    if !builder.has_text && !pystr::is_space(piece) {
                        builder.has_text = true;
                    }
                    if in_link {
                        builder.link_chars += pystr::non_space_chars(piece) as u32;
                    }
                }
                continue;
            }
            NodeData::Element { name, .. } => &name.local,
            _ => continue,
        };
        let kind = kind_of(local);
        if kind == Kind::Skip {
            continue;
        }
        let block = frame.block;
        if kind == Kind::Break {
            builder.pre = in_pre;
            if in_pre {
                builder.pieces.push('\n');
            } else {
                builder.flush(&block)?;
            }
            continue;
        }
        let tag: &str = local;
        let mut landmarks = block.landmarks | tag_landmark(tag);
        own_words.clear();
        if let NodeData::Element { attrs, .. } = &node.data {
            if !attrs.is_empty() {
                if is_hidden(node) {
                    continue;
                }
                let id_attr = node.attr(&local_name!("id")).unwrap_or("");
                let class_attr = node.attr(&local_name!("class")).unwrap_or("");
                if !id_attr.is_empty() || !class_attr.is_empty() {
                    split_attr_words(id_attr, class_attr, &mut scratch, &mut own_words);
                }
                if let Some(role) = node.attr(&local_name!("role")).filter(|r| !r.is_empty()) {
                    landmarks |= role_landmark(&strip_lower(role));
                }
                if *local == local_name!("a") && node.attr(&local_name!("href")).is_some() {
                    builder.link_count += 1;
                }
            }
        }
        let child_pre = in_pre || tag == "pre";
        let child_link = in_link || tag == "a";
        let depth = stack.len() as u32;
        let child = first_child(dom, id);
        if let Kind::Block(code) = kind {
            builder.pre = in_pre;
            builder.flush(&block)?;
            let words = if own_words.is_empty() {
                block.words
            } else {
                let parent = &builder.word_lists[block.words];
                let mut list = WordList::for_both(&own_words, parent);
                list.extend_from(&own_words, own_words.len());
                let room = builder.max_attr_words.saturating_sub(list.len()).min(parent.len());
                list.extend_from(parent, room);
                builder.new_word_list(list)
            };
            if tag == "li" {
                builder.bullet = true;
            }
            let new_block = Block {
                tag: code,
                depth,
                words,
                landmarks,
                heading: heading_level(tag).unwrap_or(block.heading),
                list_item: block.list_item || tag == "li",
            };
            stack.push(Frame {
                next_child: child,
                block: new_block,
                is_block: true,
                in_link: child_link,
                in_pre: child_pre,
            });
        } else {
            let mut inline_block = block;
            if !own_words.is_empty() || landmarks != block.landmarks {
                // An inline element's class words and role reach the blocks nested inside it; its own text stays
                // on the enclosing block's line. Its words come after the block's (as the Python walk has it).
                if !own_words.is_empty() {
                    let parent = &builder.word_lists[block.words];
                    let mut list = WordList::for_both(parent, &own_words);
                    list.extend_from(parent, parent.len().min(builder.max_attr_words));
                    list.extend_from(&own_words, own_words.len());
                    inline_block.words = builder.new_word_list(list);
                }
                inline_block.landmarks = landmarks;
            }
            stack.push(Frame {
                next_child: child,
                block: inline_block,
                is_block: false,
                in_link: child_link,
                in_pre: child_pre,
            });
        }
    }
    Ok(())
}

/// Segment a page given as text. The order of the checks is the Python one: depth (before parsing), the clock
/// after parsing, the clock and the line limit during the walk.
pub fn segment_text_html(html: &str, options: &Options, deadline: &Deadline) -> Result<PageLines, PageError> {
    if let Some(max) = options.limits.max_page_bytes {
        if html.len() > max {
            return Err(PageError::TooLarge { max_page_bytes: max });
        }
    }
    // lexbor drops NUL as a parse error; the Python segmentation replaces it first so no byte changes the tree.
    let replaced;
    let html = if memchr::memchr(0, html.as_bytes()).is_some() {
        replaced = html.replace('\0', "\u{fffd}");
        replaced.as_str()
    } else {
        html
    };
    check_depth(html, options.limits.max_depth)?;
    let dom = dom::parse(html);
    deadline.check("after parsing")?;
    let mut builder = Builder {
        lines: Vec::new(),
        pieces: String::new(),
        has_text: false,
        link_chars: 0,
        link_count: 0,
        bullet: false,
        pre: false,
        max_attr_words: options.max_attr_words,
        max_lines: options.limits.max_lines,
        word_lists: vec![WordList::default()],
        joined_words: vec![None],
    };
    if let Some(body) = dom.body() {
        walk(&dom, body, &mut builder, deadline)?;
    }
    let title = dom.first_element_named("title").and_then(|t| {
        let mut out = String::new();
        pystr::push_collapsed(&dom.text_content(t), &mut out);
        (!out.is_empty()).then_some(out)
    });
    let summary = page_summary(&dom);
    let language = dom
        .document_element()
        .and_then(|h| dom.nodes[h].attr(&local_name!("lang")).map(str::to_owned))
        .filter(|l| !l.is_empty());
    Ok(PageLines { lines: builder.lines, title, summary, language, wrapped: None })
}

/// The `<meta>` names (of `property` or `name`, trimmed, any case) that give a page's summary, in order of
/// preference.
pub const SUMMARY_NAMES: [&str; 2] = ["og:description", "description"];

/// The page's own summary: the `content` of the first `<meta>` of its head named by each of [`SUMMARY_NAMES`]
/// (white space collapsed), the first name's when it has one. Only the head is read: a page is walked once.
fn page_summary(dom: &dom::Dom) -> Option<String> {
    let mut found: [Option<String>; SUMMARY_NAMES.len()] = Default::default();
    let naming = [LocalName::from("property"), local_name!("name")];
    for id in dom.elements_named(dom.head()?, "meta") {
        let node = &dom.nodes[id];
        let Some(content) = node.attr(&local_name!("content")) else { continue };
        let named = naming
            .iter()
            .filter_map(|attr| node.attr(attr))
            .find_map(|value| SUMMARY_NAMES.iter().position(|n| value.trim().eq_ignore_ascii_case(n)));
        if let Some(k) = named.filter(|&k| found[k].is_none()) {
            let mut out = String::new();
            pystr::push_collapsed(content, &mut out);
            found[k] = (!out.is_empty()).then_some(out);
        }
    }
    found.into_iter().flatten().next()
}

/// How page bytes were decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 behind a byte-order mark (Python's codec name `utf-8-sig`).
    Utf8Sig,
}

impl Encoding {
    /// Python's codec name.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Sig => "utf-8-sig",
        }
    }
}

/// Decode page bytes the way `chromecut.segment.encoding.decode_bytes` does when they are UTF-8: a UTF-8 BOM, or
/// valid UTF-8. Anything else (other BOMs, legacy charsets) is [`PageError::NeedsDecoding`]: charset detection
/// stays with the caller.
pub fn decode_utf8(bytes: &[u8]) -> Result<(&str, Encoding), PageError> {
    const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";
    const OTHER_BOMS: &[&[u8]] = &[b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff"];
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return std::str::from_utf8(rest).map(|s| (s, Encoding::Utf8Sig)).map_err(|_| PageError::NeedsDecoding);
    }
    if OTHER_BOMS.iter().any(|bom| bytes.starts_with(bom)) {
        return Err(PageError::NeedsDecoding);
    }
    std::str::from_utf8(bytes).map(|s| (s, Encoding::Utf8)).map_err(|_| PageError::NeedsDecoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(html: &str) -> PageLines {
        segment_text_html(html, &Options::default(), &Deadline::NEVER).unwrap()
    }

    fn texts(html: &str) -> Vec<String> {
        seg(html).lines.into_iter().map(|l| l.text).collect()
    }

    #[test]
    fn the_summary_prefers_og_description() {
        let summary = |html: &str| seg(html).summary;
        let both = "<meta name=description content='Plain  one'><meta property=' OG:Description ' content='Og\n one'>";
        assert_eq!(summary(both).as_deref(), Some("Og one"));
        assert_eq!(summary("<meta name=description content=' &amp; b '><p>x").as_deref(), Some("& b"));
        // An empty one gives way to the next of its name; none without content.
        let later = "<meta name=description content=' '><meta name=description content=second><meta name=x>";
        assert_eq!(summary(later).as_deref(), Some("second"));
        assert_eq!(summary("<meta name=description><p>x"), None);
    }

    #[test]
    fn blocks_inline_and_breaks() {
        assert_eq!(texts("<p>a <b>b</b> c</p><div>d<br>e<p>f</p>g</div>"), ["a b c", "d", "e", "f", "g"]);
    }

    #[test]
    fn lists_and_pre() {
        assert_eq!(texts("<ul><li>one<li>two <ul><li>x</ul></ul>"), ["- one", "- two", "- x"]);
        assert_eq!(texts("<pre>\n  a  b\n\n c <br>d</pre>"), ["  a  b", " c", "d"]);
    }

    #[test]
    fn skipped_and_hidden() {
        let html = "<script>x</script><p hidden>h</p><p style='DISPLAY : none'>s</p>\
                    <p aria-hidden=' TRUE '>a</p><p>v<select><option>o</select></p><noscript><p>n</p></noscript>";
        let page = seg(html);
        assert_eq!(page.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["v", "n"]);
        assert_eq!(page.lines[1].landmarks, landmark::NOSCRIPT);
    }

    #[test]
    fn statistics() {
        let page = seg("<html lang=de><title> T  t </title><nav><div class='menuItem x-y'>\
                        <a href=/>Home page</a> more</div></nav><h2 id=top><span class=big>t</span></h2>");
        assert_eq!(page.title.as_deref(), Some("T t"));
        assert_eq!(page.language.as_deref(), Some("de"));
        let line = &page.lines[0];
        assert_eq!((line.tag_name(), line.depth, line.link_chars, line.link_count), ("div", 2, 8, 1));
        assert_eq!(&*line.attr_words, "menu item");
        assert_eq!(line.landmarks, landmark::NAV);
        let h = &page.lines[1];
        assert_eq!((h.tag_name(), h.heading, h.depth, &*h.attr_words), ("h2", 2, 1, "top"));
    }

    #[test]
    fn kinds_match_the_tag_lists() {
        for (code, tag) in LINE_TAGS.iter().enumerate() {
            assert_eq!(kind_of(&LocalName::from(*tag)), Kind::Block(code as u8), "{tag}");
        }
        for tag in SKIP_TAGS {
            assert_eq!(kind_of(&LocalName::from(*tag)), Kind::Skip, "{tag}");
        }
        assert_eq!(kind_of(&LocalName::from("br")), Kind::Break);
        assert_eq!(kind_of(&LocalName::from("my-widget")), Kind::Inline);
    }

    #[test]
    fn attr_words_split() {
        let mut out = WordList::default();
        split_attr_words("mainContent", "a b-cd HTMLParser x_y2", &mut String::new(), &mut out);
        assert_eq!(out.words().collect::<Vec<_>>(), ["main", "content", "cd", "htmlparser", "y2"]);
        assert_eq!(out.joined(), "main content cd htmlparser y2");
        let mut list = WordList::default();
        list.extend_from(&out, 2);
        list.extend_from(&out, 1);
        assert_eq!((list.joined(), list.len()), ("main content main", 3));
        list.truncate(2);
        assert_eq!(list.words().collect::<Vec<_>>(), ["main", "content"]);
        list.truncate(0);
        assert_eq!((list.joined(), list.words().count()), ("", 0));
    }

    #[test]
    fn limits() {
        let opts = Options { limits: Limits { max_lines: Some(2), ..Limits::default() }, ..Options::default() };
        let err = segment_text_html("<p>a<p>b<p>c", &opts, &Deadline::NEVER).unwrap_err();
        assert_eq!(err, PageError::TooManyLines { max_lines: 2 });
        assert_eq!(err.to_string(), "page has more than 2 lines (limit --max-lines)");
        let opts = Options { limits: Limits { max_depth: Some(3), ..Limits::default() }, ..Options::default() };
        assert!(matches!(
            segment_text_html(&"<div>".repeat(5), &opts, &Deadline::NEVER),
            Err(PageError::TooDeep { max_depth: 3 })
        ));
        let opts = Options { limits: Limits { max_page_bytes: Some(3), ..Limits::default() }, ..Options::default() };
        assert!(segment_text_html("<p>abc", &opts, &Deadline::NEVER).is_err());
        let out = segment_text_html("<p>a", &Options::default(), &Deadline::after(Some(-1.0)));
        assert_eq!(out, Err(PageError::Timeout { step: "after parsing" }));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // The tree builder scans its stack per start tag (quadratic, as lexbor): max_depth guards real pages.
        let html = "<div>".repeat(3_000) + "x";
        let page = seg(&html);
        assert_eq!(page.lines.len(), 1);
    }

    #[test]
    fn decoding() {
        assert_eq!(decode_utf8(b"\xef\xbb\xbfabc").unwrap(), ("abc", Encoding::Utf8Sig));
        assert_eq!(decode_utf8("é".as_bytes()).unwrap(), ("é", Encoding::Utf8));
        assert_eq!(decode_utf8(b"\xe9t\xe9"), Err(PageError::NeedsDecoding));
        assert_eq!(decode_utf8(b"\xff\xfea\x00"), Err(PageError::NeedsDecoding));
    }
}
