//! The one integration-test binary: one module per area.

mod cli;
mod conformance;
mod corpora;
mod k8s;
mod parse;
mod support;
