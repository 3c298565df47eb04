//! A minimal DOM for html5ever's tree builder: every node in one `Vec`, linked by indices.
//!
//! html5ever runs the WHATWG tree construction algorithm (the one lexbor, behind selectolax, runs too) and calls a
//! [`TreeSink`] for every change; this sink keeps nodes in an arena (`Vec<Node>`, handles are indices), so a page
//! costs one growing vector instead of a reference-counted allocation per node, and the walk reads it without
//! locking anything. Scripting is off, as in lexbor: `<noscript>` content is parsed as markup.

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::sync::LazyLock;

use crate::tokenize;
use html5ever::interface::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts};
use html5ever::{local_name, ns, parse_document, Attribute, LocalName, ParseOpts, QualName};

/// Index of a node in [`Dom::nodes`].
pub type NodeId = usize;

const NONE: NodeId = usize::MAX;

/// What a node is.
#[derive(Debug)]
pub enum NodeData {
    Document,
    Doctype,
    Comment,
    Text(Text),
    Element {
        name: QualName,
        attrs: Vec<Attribute>,
        /// The content fragment of a `<template>` (not among its children, as in the DOM).
        template_contents: Option<NodeId>,
        mathml_annotation_xml_integration_point: bool,
    },
    ProcessingInstruction,
}

/// A text node's text: the pieces the tokenizer gave it, in order. Adjacent text merges into one node, as in the
/// DOM, by adding a piece: each piece shares the page's buffer (the tokenizer's tokens are slices of it), so text
/// is never copied into a growing buffer while the page parses.
#[derive(Debug)]
pub struct Text {
    first: StrTendril,
    rest: Vec<StrTendril>,
}

impl Text {
    fn new(first: StrTendril) -> Self {
        Text { first, rest: Vec::new() }
    }

    /// The pieces, in order.
    pub fn pieces(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&*self.first).chain(self.rest.iter().map(|t| &**t))
    }

    pub fn is_empty(&self) -> bool {
        self.pieces().all(str::is_empty)
    }
}

/// One node and its links (`usize::MAX` for none).
#[derive(Debug)]
pub struct Node {
    pub parent: NodeId,
    pub first_child: NodeId,
    pub last_child: NodeId,
    pub prev_sibling: NodeId,
    pub next_sibling: NodeId,
    pub data: NodeData,
}

impl Node {
    fn new(data: NodeData) -> Self {
        Node { parent: NONE, first_child: NONE, last_child: NONE, prev_sibling: NONE, next_sibling: NONE, data }
    }

    /// The element's local name in the HTML namespace; `None` for other nodes and foreign (SVG, MathML) elements.
    pub fn html_name(&self) -> Option<&LocalName> {
        match &self.data {
            NodeData::Element { name, .. } if name.ns == ns!(html) => Some(&name.local),
            _ => None,
        }
    }

    /// The value of attribute `name` (no namespace), the first one when the markup repeats it (the tokenizer
    /// drops repeats, as lexbor does).
    pub fn attr(&self, name: &LocalName) -> Option<&str> {
        match &self.data {
            NodeData::Element { attrs, .. } => {
                attrs.iter().find(|a| a.name.local == *name && a.name.ns == ns!()).map(|a| &*a.value)
            }
            _ => None,
        }
    }
}

/// A parsed page.
#[derive(Debug)]
pub struct Dom {
    pub nodes: Vec<Node>,
}

impl Dom {
    /// The document node.
    pub const DOCUMENT: NodeId = 0;

    /// The children of `id`, in order.
    pub fn children(&self, id: NodeId) -> Children<'_> {
        Children { dom: self, next: self.nodes[id].first_child }
    }

    /// The document element (`<html>`), if any.
    pub fn document_element(&self) -> Option<NodeId> {
        self.children(Self::DOCUMENT).find(|&c| matches!(self.nodes[c].data, NodeData::Element { .. }))
    }

    /// The `<body>` element: a child of the document element (a `<frameset>` page has none).
    pub fn body(&self) -> Option<NodeId> {
        let html = self.document_element()?;
        self.children(html).find(|&c| self.nodes[c].html_name() == Some(&local_name!("body")))
    }

    /// The first element named `local` (any namespace) in document order, outside template contents.
    pub fn first_element_named(&self, local: &str) -> Option<NodeId> {
        self.elements_named(Self::DOCUMENT, local).next()
    }

    /// The `<head>` element: a child of the document element.
    pub fn head(&self) -> Option<NodeId> {
        let html = self.document_element()?;
        self.children(html).find(|&c| self.nodes[c].html_name() == Some(&local_name!("head")))
    }

    /// The elements named `local` (any namespace) in `root` and under it, in document order, outside template
    /// contents.
    pub fn elements_named<'a>(&'a self, root: NodeId, local: &'a str) -> impl Iterator<Item = NodeId> + 'a {
        let mut stack = vec![root];
        std::iter::from_fn(move || {
            while let Some(id) = stack.pop() {
                let first = stack.len();
                stack.extend(self.children(id));
                stack[first..].reverse();
                if let NodeData::Element { name, .. } = &self.nodes[id].data {
                    if &*name.local == local {
                        return Some(id);
                    }
                }
            }
            None
        })
    }

    /// The whole tree as text, a node a line (indented by depth; template contents under their template): what
    /// two parses of a page are compared by.
    pub fn outline(&self) -> String {
        let mut out = String::new();
        let mut stack = vec![(Self::DOCUMENT, 0usize)];
        while let Some((id, depth)) = stack.pop() {
            out.push_str(&"  ".repeat(depth));
            match &self.nodes[id].data {
                NodeData::Document => out.push_str("#document"),
                NodeData::Doctype => out.push_str("<!DOCTYPE>"),
                NodeData::Comment => out.push_str("<!-- -->"),
                NodeData::ProcessingInstruction => out.push_str("<?pi>"),
                NodeData::Text(t) => {
                    out.push('"');
                    t.pieces().for_each(|piece| out.push_str(piece));
                    out.push('"');
                }
                NodeData::Element { name, attrs, template_contents, .. } => {
                    out.push_str(&format!("<{:?} {}", name.ns, name.local));
                    for a in attrs {
                        out.push_str(&format!(" {:?}:{}={:?}", a.name.ns, a.name.local, &*a.value));
                    }
                    out.push('>');
                    if let Some(contents) = template_contents {
                        stack.push((*contents, depth + 1));
                    }
                }
            }
            out.push('\n');
            let first = stack.len();
            stack.extend(self.children(id).map(|c| (c, depth + 1)));
            stack[first..].reverse();
        }
        out
    }

    /// The text of every descendant text node of `id`, concatenated.
    pub fn text_content(&self, id: NodeId) -> String {
        let mut out = String::new();
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            if let NodeData::Text(t) = &self.nodes[n].data {
                t.pieces().for_each(|piece| out.push_str(piece));
            }
            let first = stack.len();
            stack.extend(self.children(n));
            stack[first..].reverse();
        }
        out
    }
}

/// Iterator over a node's children.
pub struct Children<'a> {
    dom: &'a Dom,
    next: NodeId,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        self.next = self.dom.nodes[id].next_sibling;
        Some(id)
    }
}

/// Parse a whole document (scripting disabled, as lexbor does): our tokenizer ([`crate::tokenize`]) in front of
/// html5ever's tree builder.
pub fn parse(html: &str) -> Dom {
    // About a node per `<` (an element per start tag, a text node between tags): the arena sized once instead of
    // grown (and moved) a doubling at a time; a page of tags bounded, so a hostile one reserves no more.
    let nodes = memchr::memchr_iter(b'<', html.as_bytes()).count().min(MAX_RESERVED_NODES);
    let builder = TreeBuilder::new(Sink::with_capacity(nodes), tree_builder_opts());
    tokenize::tokenize(html, &builder);
    builder.sink.finish()
}

/// [`parse`] with html5ever's own tokenizer: the reference our tokenizer is held to (tests, examples/parsers.rs).
pub fn parse_with_html5ever_tokenizer(html: &str) -> Dom {
    let opts = ParseOpts { tree_builder: tree_builder_opts(), ..Default::default() };
    parse_document(Sink::new(), opts).one(StrTendril::from_slice(html))
}

fn tree_builder_opts() -> TreeBuilderOpts {
    TreeBuilderOpts { scripting_enabled: false, ..Default::default() }
}

/// The most nodes [`parse`] reserves room for up front (more grow the arena as they come).
const MAX_RESERVED_NODES: usize = 1 << 16;

/// The name given for a node that is not an element (the tree builder never asks for one).
static NO_NAME: LazyLock<QualName> = LazyLock::new(|| QualName::new(None, ns!(), local_name!("")));

struct Sink {
    nodes: RefCell<Vec<Node>>,
    quirks: Cell<QuirksMode>,
}

impl Sink {
    fn new() -> Self {
        Self::with_capacity(1)
    }

    fn with_capacity(nodes: usize) -> Self {
        let mut arena = Vec::with_capacity(nodes.max(1));
        arena.push(Node::new(NodeData::Document));
        Sink { nodes: RefCell::new(arena), quirks: Cell::new(QuirksMode::NoQuirks) }
    }

    fn new_node(&self, data: NodeData) -> NodeId {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node::new(data));
        nodes.len() - 1
    }

    fn detach(nodes: &mut [Node], id: NodeId) {
        let (parent, prev, next) = (nodes[id].parent, nodes[id].prev_sibling, nodes[id].next_sibling);
        if next != NONE {
            nodes[next].prev_sibling = prev;
        } else if parent != NONE {
            nodes[parent].last_child = prev;
        }
        if prev != NONE {
            nodes[prev].next_sibling = next;
        } else if parent != NONE {
            nodes[parent].first_child = next;
        }
        let node = &mut nodes[id];
        node.parent = NONE;
        node.prev_sibling = NONE;
        node.next_sibling = NONE;
    }

    fn append_node(nodes: &mut [Node], parent: NodeId, child: NodeId) {
        Self::detach(nodes, child);
        let last = nodes[parent].last_child;
        nodes[child].parent = parent;
        nodes[child].prev_sibling = last;
        if last != NONE {
            nodes[last].next_sibling = child;
        } else {
            nodes[parent].first_child = child;
        }
        nodes[parent].last_child = child;
    }

    fn insert_before(nodes: &mut [Node], sibling: NodeId, child: NodeId) {
        Self::detach(nodes, child);
        let parent = nodes[sibling].parent;
        let prev = nodes[sibling].prev_sibling;
        nodes[child].parent = parent;
        nodes[child].next_sibling = sibling;
        nodes[child].prev_sibling = prev;
        if prev != NONE {
            nodes[prev].next_sibling = child;
        } else if parent != NONE {
            nodes[parent].first_child = child;
        }
        nodes[sibling].prev_sibling = child;
    }

    /// Text merges into a text node right before the insertion point, as the DOM does.
    /// `text` if it was not merged.
    fn merge_text(nodes: &mut [Node], previous: NodeId, text: StrTendril) -> Option<StrTendril> {
        if previous != NONE {
            if let NodeData::Text(t) = &mut nodes[previous].data {
                t.rest.push(text);
                return None;
            }
        }
        Some(text)
    }

    /// Elements whose text nodes are never read: the segmentation skips them whole (`segment::kind_of`), and no
    /// other step reads their text. Their text (often most of a page's bytes) is dropped as it parses.
    fn text_unread(node: &Node) -> bool {
        matches!(node.html_name(), Some(&local_name!("script") | &local_name!("style")))
    }
}

impl TreeSink for Sink {
    type Handle = NodeId;
    type Output = Dom;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Dom {
        let _ = self.quirks.get();
        Dom { nodes: self.nodes.into_inner() }
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> NodeId {
        Dom::DOCUMENT
    }

    /// A borrow of the arena (the tree builder drops it before it changes the tree): no atom cloned and dropped
    /// for each of its scope checks.
    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        Ref::map(self.nodes.borrow(), |nodes| match &nodes[*target].data {
            NodeData::Element { name, .. } => name,
            _ => &NO_NAME,
        })
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        let template_contents = if flags.template { Some(self.new_node(NodeData::Document)) } else { None };
        self.new_node(NodeData::Element {
            name,
            attrs,
            template_contents,
            mathml_annotation_xml_integration_point: flags.mathml_annotation_xml_integration_point,
        })
    }

    fn create_comment(&self, _text: StrTendril) -> NodeId {
        self.new_node(NodeData::Comment)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> NodeId {
        self.new_node(NodeData::ProcessingInstruction)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        match child {
            NodeOrText::AppendText(text) => {
                let mut nodes = self.nodes.borrow_mut();
                if Self::text_unread(&nodes[*parent]) {
                    return;
                }
                let last = nodes[*parent].last_child;
                if let Some(text) = Self::merge_text(&mut nodes, last, text) {
                    nodes.push(Node::new(NodeData::Text(Text::new(text))));
                    let id = nodes.len() - 1;
                    Self::append_node(&mut nodes, *parent, id);
                }
            }
            NodeOrText::AppendNode(id) => Self::append_node(&mut self.nodes.borrow_mut(), *parent, id),
        }
    }

    fn append_before_sibling(&self, sibling: &NodeId, child: NodeOrText<NodeId>) {
        match child {
            NodeOrText::AppendText(text) => {
                let mut nodes = self.nodes.borrow_mut();
                let prev = nodes[*sibling].prev_sibling;
                if let Some(text) = Self::merge_text(&mut nodes, prev, text) {
                    nodes.push(Node::new(NodeData::Text(Text::new(text))));
                    let id = nodes.len() - 1;
                    Self::insert_before(&mut nodes, *sibling, id);
                }
            }
            NodeOrText::AppendNode(id) => Self::insert_before(&mut self.nodes.borrow_mut(), *sibling, id),
        }
    }

    fn append_based_on_parent_node(&self, element: &NodeId, prev_element: &NodeId, child: NodeOrText<NodeId>) {
        let has_parent = self.nodes.borrow()[*element].parent != NONE;
        if has_parent {
            self.append_before_sibling(element, child)
        } else {
            self.append(prev_element, child)
        }
    }

    fn append_doctype_to_document(&self, _name: StrTendril, _public_id: StrTendril, _system_id: StrTendril) {
        let id = self.new_node(NodeData::Doctype);
        Self::append_node(&mut self.nodes.borrow_mut(), Dom::DOCUMENT, id);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        match &self.nodes.borrow()[*target].data {
            NodeData::Element { template_contents: Some(contents), .. } => *contents,
            // Only templates are asked; answering with the element itself keeps a wrong call harmless.
            _ => *target,
        }
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.quirks.set(mode);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, new_attrs: Vec<Attribute>) {
        if let NodeData::Element { attrs, .. } = &mut self.nodes.borrow_mut()[*target].data {
            for attr in new_attrs {
                if !attrs.iter().any(|a| a.name == attr.name) {
                    attrs.push(attr);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &NodeId) {
        Self::detach(&mut self.nodes.borrow_mut(), *target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        let mut nodes = self.nodes.borrow_mut();
        let mut child = nodes[*node].first_child;
        while child != NONE {
            let next = nodes[child].next_sibling;
            Self::append_node(&mut nodes, *new_parent, child);
            child = next;
        }
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &NodeId) -> bool {
        matches!(
            self.nodes.borrow()[*handle].data,
            NodeData::Element { mathml_annotation_xml_integration_point: true, .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_body_and_title() {
        let dom = parse("<title> A  b </title><p>x<b>y</b></p>");
        let body = dom.body().unwrap();
        assert_eq!(dom.text_content(body), "xy");
        let title = dom.first_element_named("title").unwrap();
        assert_eq!(dom.text_content(title), " A  b ");
    }

    #[test]
    fn text_merges_in_pieces_and_script_and_style_text_is_dropped() {
        let dom = parse(
            "<style>p{}</style><p>a\nb &amp; c\r\nd<script>x<y</script>e</p><table>f<tr><td>g</td></tr>h</table>",
        );
        let body = dom.body().unwrap();
        assert_eq!(dom.text_content(body), "a\nb & c\ndefhg");
        let p = dom.first_element_named("p").unwrap();
        let text = dom.children(p).next().unwrap();
        let NodeData::Text(t) = &dom.nodes[text].data else { panic!("a text node") };
        assert!(t.pieces().count() > 1);
        for tag in ["script", "style"] {
            let id = dom.first_element_named(tag).unwrap();
            assert_eq!(dom.children(id).count(), 0, "{tag}");
        }
    }

    #[test]
    fn noscript_is_markup() {
        let dom = parse("<body><noscript><p>x</p></noscript>");
        assert!(dom.first_element_named("p").is_some());
    }

    #[test]
    fn frameset_has_no_body() {
        assert!(parse("<frameset><frame src=a></frameset>").body().is_none());
    }

    #[test]
    fn foster_parenting_and_adoption() {
        let dom = parse("<table><tr><td>a</td></tr>x</table><b><p>c</b>d</p>");
        let body = dom.body().unwrap();
        assert_eq!(dom.text_content(body), "xacd");
    }
}
