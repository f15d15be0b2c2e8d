//! Parsing one file: lexing, the lalrpop parser, and turning parse errors
//! into diagnostics.

use super::ast::File;
use super::lexer::{self, Trivia};
use super::recover;
use super::token::Tok;
use crate::diag::{Diagnostic, code};
use crate::source::FileId;
use lalrpop_util::ErrorRecovery;

/// The lexer never fails (its problems are diagnostics), so the parser's
/// lexer-error type has no values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Never {}

#[allow(clippy::all, clippy::pedantic, unused)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/apparmor.rs"));
}

/// The result of parsing one file.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The file parsed.
    pub file: FileId,
    pub ast: File,
    pub trivia: Vec<Trivia>,
    pub diagnostics: Vec<Diagnostic>,
    /// How deep the tree is nested ([`super::nesting`]); walkers of a deep
    /// tree run on a stack sized for it ([`crate::stack`]).
    pub depth: usize,
}

/// How many forgotten `,` one parse makes up for; each costs a parse of
/// the file, so a huge file gets fewer (about 4 million tokens parsed in
/// all), and the rest are reported as plain parse errors.
const MAX_COMMAS: usize = 256;
const COMMA_TOKEN_BUDGET: usize = 4_000_000;

pub fn parse(src: &str, file: FileId) -> Parsed {
    let (mut tokens, trivia, mut diagnostics) = lexer::lex(src, file);
    let depth = super::nesting::max_depth(tokens.iter().map(|t| &t.1));
    let parser = generated::FileParser::new();
    let run = |toks: &[lexer::Spanned]| {
        let mut errors: Vec<ErrorRecovery<usize, Tok, Never>> = Vec::new();
        let result = parser.parse(file, &mut errors, toks.iter().cloned().map(Ok::<_, Never>));
        (result, errors)
    };
    // A file that ends inside a block cannot be recovered by the grammar:
    // make up the missing `}` first. Where the lexer stopped reading at a
    // nesting too deep, the blocks it cut are not mistakes of the file: the
    // one report is the depth.
    let closing = recover::close_blocks(src, file, &mut tokens);
    if !diagnostics.iter().any(|d| d.code.id == code::TOO_DEEP.id) {
        diagnostics.extend(closing);
    }
    let mut commas = 0;
    let max_commas = (COMMA_TOKEN_BUDGET / tokens.len().max(1)).clamp(1, MAX_COMMAS);
    let (result, errors) = loop {
        let (result, errors) = run(&tokens);
        if commas < max_commas {
            if let Some((i, tok, d)) =
                recover::comma_for(file, &tokens, &errors, result.as_ref().err())
            {
                tokens.insert(i, tok);
                diagnostics.push(d);
                commas += 1;
                continue;
            }
        }
        break (result, errors);
    };
    for e in errors {
        diagnostics.extend(recover::parse_error(src, file, e.error));
    }
    let mut ast = match result {
        Ok(ast) => ast,
        Err(e) => {
            diagnostics.extend(recover::parse_error(src, file, e));
            File::default()
        }
    };
    // the split walks the tree: a deep one on a stack sized for it
    crate::stack::deep(depth, || {
        recover::split_run_on_rules(&mut ast, &mut diagnostics)
    });
    diagnostics.sort_by_key(|d| d.span().map(|s| (s.start, s.end)));
    Parsed {
        file,
        ast,
        trivia,
        diagnostics,
        depth,
    }
}
