//! The syntax tree. Every node carries the span it was written at; words keep
//! both their decoded text and their source span, so a formatter can reprint
//! them and a linter can point at them.
//!
//! The tree is close to the written text: a rule is a qualifier prefix and a
//! list of elements ending in `,`; what the elements mean for each rule
//! family is decided when the tree is lowered into a policy
//! (`crate::check`), which keeps the grammar small and its error recovery
//! simple.

use super::token::IncludeTok;
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordKind {
    /// A name, path or label.
    Id,
    /// A value (in a conditional, a list or an assignment).
    Value,
    /// A file permission string.
    Mode,
    /// A keyword.
    Key,
    /// A set variable (`@{x}`) standing alone.
    SetVar,
    /// A boolean variable (`${x}`).
    BoolVar,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub kind: WordKind,
    pub span: Span,
}

impl Word {
    pub fn is_key(&self, k: &str) -> bool {
        self.kind == WordKind::Key && self.text == k
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CondOp {
    /// `name=value` or `name=(v1 v2)`
    Eq,
    /// `name in (v1 v2)`
    In,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    pub name: Word,
    pub op: CondOp,
    pub values: Vec<Word>,
    /// written with parentheses
    pub paren: bool,
    pub span: Span,
}

/// One element of a rule or of a profile header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Elem {
    Word(Word),
    Cond(Cond),
    /// `peer=( ... )` or `xattrs=( ... )`
    CondList {
        name: Word,
        conds: Vec<Cond>,
        span: Span,
    },
    /// `flags=(...)`, `flags=x`
    Flags {
        values: Vec<Word>,
        /// written in parentheses, as the reference requires
        paren: bool,
        span: Span,
    },
    /// `( v1 v2 )`
    List {
        values: Vec<Word>,
        span: Span,
    },
    /// `-> target`
    Arrow {
        target: Option<Word>,
        span: Span,
    },
    /// `<= value` (rlimit)
    Le {
        value: Word,
        span: Span,
    },
    /// `+ identities=(...)` and friends
    Identities {
        values: Vec<Word>,
        span: Span,
    },
}

impl Elem {
    pub fn span(&self) -> Span {
        match self {
            Elem::Word(w) => w.span,
            Elem::Cond(c) => c.span,
            Elem::CondList { span, .. }
            | Elem::Flags { span, .. }
            | Elem::List { span, .. }
            | Elem::Arrow { span, .. }
            | Elem::Identities { span, .. }
            | Elem::Le { span, .. } => *span,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qualifier {
    Audit,
    Allow,
    Deny,
    Prompt,
    Owner,
    Other,
}

impl Qualifier {
    /// The keyword as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::Audit => "audit",
            Qualifier::Allow => "allow",
            Qualifier::Deny => "deny",
            Qualifier::Prompt => "prompt",
            Qualifier::Owner => "owner",
            Qualifier::Other => "other",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrefixItem {
    Priority { value: Word, span: Span },
    Qualifier(Qualifier, Span),
}

impl PrefixItem {
    pub fn span(&self) -> Span {
        match self {
            PrefixItem::Priority { span, .. } => *span,
            PrefixItem::Qualifier(_, s) => *s,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    /// `?=`
    Default,
    /// `:=`
    Override,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileKeyword {
    /// `profile NAME`
    Profile,
    /// `hat NAME`
    Hat,
    /// `^NAME`
    Caret,
    /// a bare path or `:ns:` name
    Bare,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub prefix: Vec<PrefixItem>,
    pub keyword: ProfileKeyword,
    pub keyword_span: Option<Span>,
    pub name: Word,
    /// Attachment, flags, xattrs, ... as written after the name.
    pub header: Vec<Elem>,
    pub items: Vec<Item>,
    pub span: Span,
    pub open: Span,
    pub close: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub prefix: Vec<PrefixItem>,
    pub elems: Vec<Elem>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Bool(Word),
    Id(Word),
    SetVar(Word),
    Defined(Word, Span),
    Not(Box<Expr>, Span),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp { left: Word, op: CmpOp, right: Word },
    Paren(Box<Expr>, Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    In,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct If {
    pub cond: Expr,
    pub then: Vec<Item>,
    pub otherwise: Option<Else>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Else {
    If(Box<If>),
    Block(Vec<Item>, Span),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Include {
        inc: IncludeTok,
        span: Span,
    },
    Abi {
        path: Word,
        angle: bool,
        span: Span,
    },
    Var {
        name: Word,
        op: AssignOp,
        values: Vec<Word>,
        span: Span,
    },
    Bool {
        name: Word,
        op: AssignOp,
        value: Expr,
        span: Span,
    },
    Alias {
        from: Word,
        to: Word,
        span: Span,
    },
    Profile(Box<Profile>),
    /// A qualifier prefix applied to a block of rules.
    Block {
        prefix: Vec<PrefixItem>,
        items: Vec<Item>,
        span: Span,
    },
    Rule(Rule),
    If(Box<If>),
    /// Something that did not parse; its diagnostic was already emitted.
    Error(Span),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Include { span, .. }
            | Item::Abi { span, .. }
            | Item::Var { span, .. }
            | Item::Bool { span, .. }
            | Item::Alias { span, .. }
            | Item::Block { span, .. }
            | Item::Rule(Rule { span, .. }) => *span,
            Item::Profile(p) => p.span,
            Item::If(i) => i.span,
            Item::Error(s) => *s,
        }
    }
}

/// One parsed file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    pub items: Vec<Item>,
}
