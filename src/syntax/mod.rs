//! Source text to syntax tree: tokens and trivia (logos), the grammar
//! (lalrpop) and the tree with spans.

pub mod ast;
pub mod lexer;
pub mod nesting;
pub mod parse;
pub mod quote;
pub mod recover;
pub mod token;

pub use parse::{Parsed, parse};
