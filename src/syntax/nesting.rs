//! How deep the syntax tree that a token stream builds is nested, counted
//! token by token so that the lexer can stop before a tree too deep to walk
//! is built.
//!
//! Every step down the tree counts one: a `{` block, each link of an
//! `if … else if …` chain (the grammar nests each `else if` inside the
//! previous `if`), and, inside a condition, each `(`, `not`, `and` and `or`
//! (an upper bound of the expression tree's depth).
//!
//! The reference parser's limit is its bison stack (10,000 entries): it
//! accepts about 2,490 nested `if` blocks, 1,100 nested profiles, 2,490
//! `else if` links and 9,980 nested `(` or `not`. [`MAX_NESTING`] is above
//! all of these; the walkers of the tree run on a stack sized for it (see
//! [`crate::stack`]).

use super::ast::{Else, Expr, File, Item, Word, WordKind};
use super::token::Tok;
use crate::source::Span;

/// The deepest nesting accepted; deeper input is refused with one
/// diagnostic.
pub const MAX_NESTING: usize = 10_000;

/// The running count.
#[derive(Debug, Default)]
pub struct Nesting {
    /// The `{` blocks open.
    braces: usize,
    /// Per open block level (index 0 is the file itself), the length of the
    /// `else if` chain that stands at that level.
    chains: Vec<usize>,
    chain_sum: usize,
    /// Inside a condition (`if` to its `{`): the operators and `(` met.
    cond: Option<usize>,
    /// The token before was a `}` / an `else`.
    after_close: bool,
    after_else: bool,
    /// The deepest point so far.
    pub max: usize,
}

impl Nesting {
    /// The depth at the current point.
    pub fn depth(&self) -> usize {
        self.braces + self.chain_sum + self.cond.unwrap_or(0)
    }

    fn chain_mut(&mut self) -> &mut usize {
        let level = self.braces;
        if self.chains.len() <= level {
            self.chains.resize(level + 1, 0);
        }
        &mut self.chains[level]
    }

    fn reset_chain(&mut self) {
        let c = std::mem::take(self.chain_mut());
        self.chain_sum -= c;
    }

    /// Counts one token; the depth after it.
    pub fn step(&mut self, tok: &Tok) -> usize {
        if self.after_close && !matches!(tok, Tok::Else) {
            // the chain that ended at the `}` before has no `else`
            self.reset_chain();
        }
        match tok {
            Tok::If => {
                if self.after_else {
                    *self.chain_mut() += 1;
                    self.chain_sum += 1;
                } else {
                    self.reset_chain();
                }
                self.cond = Some(0);
            }
            Tok::OpenParen | Tok::Not | Tok::And | Tok::Or => {
                if let Some(c) = &mut self.cond {
                    *c += 1;
                }
            }
            Tok::Open => {
                self.cond = None;
                self.braces += 1;
                self.reset_chain();
            }
            Tok::Close => {
                self.reset_chain();
                self.braces = self.braces.saturating_sub(1);
            }
            _ => {}
        }
        self.after_close = matches!(tok, Tok::Close);
        self.after_else = matches!(tok, Tok::Else);
        let d = self.depth();
        self.max = self.max.max(d);
        d
    }
}

/// The deepest nesting of a token stream.
pub fn max_depth<'a>(tokens: impl IntoIterator<Item = &'a Tok>) -> usize {
    let mut n = Nesting::default();
    for t in tokens {
        n.step(t);
    }
    n.max
}

/// A tree is taken apart level by level rather than by the recursive drop
/// the compiler would write, which needs a stack frame per level wherever
/// the last reference to a deep tree happens to go.
impl Drop for File {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.items);
        let mut exprs = Vec::new();
        while let Some(mut item) = items.pop() {
            match &mut item {
                Item::Profile(p) => items.append(&mut p.items),
                Item::Block { items: inner, .. } => items.append(inner),
                Item::If(i) => {
                    items.append(&mut i.then);
                    match i.otherwise.take() {
                        Some(Else::If(next)) => items.push(Item::If(next)),
                        Some(Else::Block(mut inner, _)) => items.append(&mut inner),
                        None => {}
                    }
                    exprs.push(take_expr(&mut i.cond));
                }
                Item::Bool { value, .. } => exprs.push(take_expr(value)),
                _ => {}
            }
        }
        while let Some(mut e) = exprs.pop() {
            match &mut e {
                Expr::Not(x, _) | Expr::Paren(x, _) => exprs.push(take_expr(x)),
                Expr::And(a, b) | Expr::Or(a, b) => {
                    exprs.push(take_expr(a));
                    exprs.push(take_expr(b));
                }
                _ => {}
            }
        }
    }
}

fn take_expr(e: &mut Expr) -> Expr {
    let leaf = Expr::Id(Word {
        text: String::new(),
        kind: WordKind::Id,
        span: Span::default(),
    });
    std::mem::replace(e, leaf)
}
