//! chromecut's compiled core. Plain Rust modules that know nothing of Python:
//!
//! - [`tokenize`]: the WHATWG HTML tokenizer, over the page's bytes, in front of html5ever's tree builder;
//! - [`dom`]: html5ever's WHATWG tree builder into an index arena;
//! - [`segment`]: the page's block lines and their markup statistics (the port of `chromecut.segment.html`);
//! - [`limits`]: bytes, depth, lines and time of a page, as parameters;
//! - [`batch`]: many pages in, flat columns out, every page's panic caught;
//! - [`pystr`]: Python's whitespace rules;
//! - [`reflow`]: the blocks of a hard-wrapped text dump;
//! - [`trees`]: LightGBM's model text as a flat forest, predicting as LightGBM does;
//! - [`features`]: text-mode featurisation (the port of `chromecut.features.Featurizer("text")`);
//! - [`pipeline`]: segmentation, features, both passes' trees and the decision for a batch of pages in one call.
//!
//! The PyO3 boundary (`chromecut._core`) is the one file `python.rs`, compiled with the `python` feature.

pub mod batch;
pub mod decision;
pub mod dom;
pub mod features;
pub mod limits;
pub mod pipeline;
pub mod pystr;
pub mod reflow;
pub mod segment;
pub mod tokenize;
pub mod trees;

#[cfg(feature = "python")]
mod python;
