//! Tokens: the primitive logos token set, and the tokens the parser sees.

use logos::Logos;
use std::fmt;

/// Primitive tokens recognised by logos. Which of them count as tokens of
/// their own, and which start a word, depends on the lexer mode; the modal
/// driver in [`super::lexer`] decides.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw {
    #[regex(r"[ \t]+")]
    Blank,
    #[regex(r"\r?\n")]
    Newline,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token(",")]
    Comma,
    #[token("->")]
    Arrow,
    #[token("<=")]
    Le,
    #[token(">=")]
    Ge,
    #[token("==")]
    EqEq,
    #[token("!=")]
    Ne,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("=")]
    Eq,
    #[token("+=")]
    AddAssign,
    #[token("?=")]
    CondAssign,
    #[token(":=")]
    OverrideAssign,
    #[token("+")]
    Plus,
    #[token("^")]
    Caret,
    #[token(":")]
    Colon,
    #[regex(r"#[^\n]*", allow_greedy = true)]
    Comment,
    #[regex(r#""([^"\\\x00]|\\[^\x00])*""#)]
    Quoted,
    #[regex(r"@\{[A-Za-z][A-Za-z0-9_]*\}|@[A-Za-z][A-Za-z0-9_]*")]
    SetVar,
    #[regex(r"\$\{[A-Za-z][A-Za-z0-9_]*\}|\$[A-Za-z][A-Za-z0-9_]*")]
    BoolVar,
    #[regex(r"[A-Za-z][A-Za-z0-9_]*")]
    Name,
    #[regex(r"[0-9]+")]
    Number,
}

/// How an include names its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncludeTok {
    pub path: String,
    /// `<path>`: searched in the include path.
    pub angle: bool,
    pub if_exists: bool,
    /// written with the deprecated `#include`
    pub hash: bool,
}

impl IncludeTok {
    /// The file's name as written: `<path>` or `"path"`, for messages.
    pub fn shown(&self) -> String {
        shown_file(&self.path, self.angle)
    }
}

/// A file named by an include or an `abi` rule, as written: `<path>` when
/// it is searched in the include path, `"path"` otherwise.
pub fn shown_file(path: &str, angle: bool) -> String {
    if angle {
        format!("<{path}>")
    } else {
        format!("\"{path}\"")
    }
}

/// Tokens handed to the parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A name, path or label (already unescaped).
    Id(String),
    /// A value in a conditional, a list or an assignment.
    Value(String),
    /// A file permission string such as `rwix`.
    Mode(String),
    /// A rule keyword or a keyword-like permission word (`network`, `send`, ...).
    Key(String),
    SetVar(String),
    BoolVar(String),
    /// A name directly followed by `=` or `in (`.
    CondId(String),
    /// `peer` or `xattrs` directly followed by `=(`.
    CondListId(String),
    Include(IncludeTok),
    Profile,
    Hat,
    Caret,
    Arrow,
    Equals,
    AddAssign,
    CondAssign,
    OverrideAssign,
    Plus,
    Open,
    Close,
    OpenParen,
    CloseParen,
    Comma,
    Colon,
    In,
    Le,
    Lt,
    Ge,
    Gt,
    EqOp,
    NeOp,
    And,
    Or,
    Not,
    Defined,
    Priority,
    Flags,
    Identities,
    If,
    Else,
    Alias,
    Abi,
    Audit,
    Deny,
    Allow,
    Prompt,
    Owner,
    Other,
    /// Made up by [`super::recover`]: the rule in progress is broken (an
    /// unclosed `(` or quote) and ends here; its diagnostic is already
    /// reported. Never written in a file.
    Cut,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Tok::Id(s) | Tok::Value(s) | Tok::Mode(s) | Tok::Key(s) => return write!(f, "`{s}`"),
            Tok::SetVar(s) | Tok::BoolVar(s) => return write!(f, "variable `{s}`"),
            Tok::CondId(s) | Tok::CondListId(s) => return write!(f, "`{s}=`"),
            Tok::Include(i) => return write!(f, "include of `{}`", i.path),
            Tok::Profile => "`profile`",
            Tok::Hat => "`hat`",
            Tok::Caret => "`^`",
            Tok::Arrow => "`->`",
            Tok::Equals => "`=`",
            Tok::AddAssign => "`+=`",
            Tok::CondAssign => "`?=`",
            Tok::OverrideAssign => "`:=`",
            Tok::Plus => "`+`",
            Tok::Open => "`{`",
            Tok::Close => "`}`",
            Tok::OpenParen => "`(`",
            Tok::CloseParen => "`)`",
            Tok::Comma => "`,`",
            Tok::Colon => "`:`",
            Tok::In => "`in`",
            Tok::Le => "`<=`",
            Tok::Lt => "`<`",
            Tok::Ge => "`>=`",
            Tok::Gt => "`>`",
            Tok::EqOp => "`==`",
            Tok::NeOp => "`!=`",
            Tok::And => "`and`",
            Tok::Or => "`or`",
            Tok::Not => "`not`",
            Tok::Defined => "`defined`",
            Tok::Priority => "`priority`",
            Tok::Flags => "`flags`",
            Tok::Identities => "`identities`",
            Tok::If => "`if`",
            Tok::Else => "`else`",
            Tok::Alias => "`alias`",
            Tok::Abi => "`abi`",
            Tok::Audit => "`audit`",
            Tok::Deny => "`deny`",
            Tok::Allow => "`allow`",
            Tok::Prompt => "`prompt`",
            Tok::Owner => "`owner`",
            Tok::Other => "`other`",
            Tok::Cut => "the end of a broken rule",
        };
        f.write_str(s)
    }
}
