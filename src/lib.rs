//! aaprof: a compiler and linter for the AppArmor profile language.
//!
//! The pipeline is a chain of functions, each from one value to the next
//! plus diagnostics: source text → tokens and trivia ([`syntax::lexer`]) →
//! syntax tree ([`syntax`]) → resolved policy ([`resolve`]: includes,
//! variables, conditionals) → checks ([`check`]) → outputs.

pub mod aare;
pub mod access;
pub mod audit;
pub mod binpolicy;
pub mod check;
pub mod compile;
pub mod diag;
pub mod digest;
pub mod emit;
pub mod features;
pub mod fmt;
pub mod graph;
pub mod k8s;
pub mod kernel;
pub mod lint;
pub mod lsp;
pub mod memo;
pub mod policy;
pub mod propose;
pub mod resolve;
pub mod source;
pub mod stack;
pub mod suggest;
pub mod syntax;
pub mod vfs;
pub mod vocab;
