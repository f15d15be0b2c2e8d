//! Parsing one file: lexing, the lalrpop parser, and turning parse errors
//! into diagnostics.

use super::ast::File;
use super::lexer::{self, Trivia};
use super::token::Tok;
use crate::diag::{Diagnostic, code};
use crate::source::{FileId, Span};
use lalrpop_util::{ErrorRecovery, ParseError};

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

pub fn parse(src: &str, file: FileId) -> Parsed {
    let (tokens, trivia, mut diagnostics) = lexer::lex(src, file);
    let depth = super::nesting::max_depth(tokens.iter().map(|t| &t.1));
    let parser = generated::FileParser::new();
    let run = |toks: &[lexer::Spanned]| {
        let mut errors: Vec<ErrorRecovery<usize, Tok, Never>> = Vec::new();
        let result = parser.parse(file, &mut errors, toks.iter().cloned().map(Ok::<_, Never>));
        (result, errors)
    };
    // A file that ends inside a block (a missing `}`) cannot be recovered
    // by the grammar: it would swallow everything after the open `{`.
    // Report the unclosed `{` once, then parse as if the blocks were closed
    // at the end, so the rest of the file's problems are still found.
    let mut unclosed: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.1 {
            Tok::Open => unclosed.push(i),
            Tok::Close => {
                unclosed.pop();
            }
            _ => {}
        }
    }
    let (result, errors) = match unclosed.first() {
        None => run(&tokens),
        Some(&first) => {
            let (l, _, r) = &tokens[first];
            diagnostics.push(
                Diagnostic::error(code::SYNTAX_ERROR, Span::new(file, *l, *r), "this `{` is never closed")
                    .help("add the missing `}`; the file is checked as if the block ended at the end of the file"),
            );
            let end = src.len();
            let mut closed = tokens.clone();
            closed.extend(std::iter::repeat_n((end, Tok::Close, end), unclosed.len()));
            run(&closed)
        }
    };
    for e in errors {
        diagnostics.push(parse_error(src, file, e.error));
    }
    let ast = match result {
        Ok(ast) => ast,
        Err(e) => {
            diagnostics.push(parse_error(src, file, e));
            File::default()
        }
    };
    Parsed {
        file,
        ast,
        trivia,
        diagnostics,
        depth,
    }
}

fn describe_expected(expected: &[String]) -> Option<String> {
    let mut names: Vec<String> = expected
        .iter()
        .map(|e| match e.as_str() {
            "\"id\"" => "a name or path".to_string(),
            "\"value\"" => "a value".to_string(),
            "\"mode\"" => "permissions".to_string(),
            "\"key\"" => "a keyword".to_string(),
            "\"setvar\"" => "a variable".to_string(),
            "\"boolvar\"" => "a boolean variable".to_string(),
            "\"condid\"" => "a condition".to_string(),
            "\"condlistid\"" => "`peer=(...)`".to_string(),
            "\"include\"" => "an include".to_string(),
            other => format!("`{}`", other.trim_matches('"')),
        })
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() || names.len() > 8 {
        return None;
    }
    Some(match names.len() {
        1 => names.remove(0),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} or {}", names.join(", "), last)
        }
    })
}

fn parse_error(src: &str, file: FileId, e: ParseError<usize, Tok, Never>) -> Diagnostic {
    match e {
        ParseError::InvalidToken { location } => Diagnostic::error(
            code::SYNTAX_ERROR,
            Span::new(file, location, location + 1),
            "invalid token",
        ),
        ParseError::UnrecognizedEof { location, expected } => {
            let d = Diagnostic::error(
                code::SYNTAX_ERROR,
                Span::new(file, location.min(src.len()), location.min(src.len())),
                "unexpected end of file",
            );
            let d = if expected.iter().any(|e| e == "\"}\"") {
                d.help("a `{` block is not closed: add the missing `}`")
            } else {
                d
            };
            match describe_expected(&expected) {
                Some(x) => d.note(format!("expected {x}")),
                None => d,
            }
        }
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } if matches!(tok, Tok::Close) && expected.iter().any(|e| e == "\",\"") => {
            // a rule right before the `}` of its block, without its `,`
            let prev = super::lexer::end_of_code(src, l);
            Diagnostic::missing_comma(
                Span::new(file, prev, prev),
                Span::new(file, l, r),
                "the block ends here",
            )
        }
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => {
            let mut d = Diagnostic::error(
                code::SYNTAX_ERROR,
                Span::new(file, l, r),
                format!("unexpected {tok}"),
            );
            if let Some(x) = describe_expected(&expected) {
                d = d.note(format!("expected {x}"));
            }
            if expected.iter().any(|e| e == "\",\"") && !matches!(tok, Tok::Comma) {
                d = d.help("is a `,` missing at the end of the previous rule?");
            }
            d
        }
        ParseError::ExtraToken { token: (l, tok, r) } => Diagnostic::error(
            code::SYNTAX_ERROR,
            Span::new(file, l, r),
            format!("unexpected {tok} after the end of the policy"),
        ),
        ParseError::User { error } => match error {},
    }
}
