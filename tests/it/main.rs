//! The one integration-test binary: one module per area.

mod cli;
mod codes;
mod compile;
mod compile_all;
mod compile_cli;
mod compile_dbusmount;
mod compile_ipc;
mod compile_net;
mod conformance;
mod corpora;
mod diff;
mod differential;
mod emit;
mod fmt;
mod inspect;
mod k8s;
mod k8s_cli;
mod kernel;
mod lint;
mod lint_cli;
mod lsp;
mod model;
mod oracle;
mod parse;
mod policy_dir;
mod support;
