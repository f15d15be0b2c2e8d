//! What each stretch of a file's text names, read off its syntax tree:
//! includes, variables (where they are defined and where they are used),
//! profiles and the transitions that name them, and the words whose meaning
//! hover shows (keywords, qualifiers, capabilities, file modes, flags).
//! Definitions, references, hover and completion are all answered from
//! this one index.

use crate::resolve::vars::var_name;
use crate::source::FileId;
use crate::syntax::ast::{self, Elem, Item, PrefixItem, ProfileKeyword, Word, WordKind};

/// What a stretch of text names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Name {
    /// An include (the whole rule).
    Include { path: String, angle: bool },
    /// `@{NAME} =`, `+=`, `?=` or `:=`: a definition of the variable.
    VarDef { name: String, add: bool },
    /// `@{NAME}` used in a word.
    VarUse(String),
    /// The name of a profile, child profile or hat.
    Profile(String),
    /// The target of `-> name` (an exec transition, change_profile, ...).
    Transition(String),
    /// A rule keyword or qualifier.
    Keyword(String),
    /// A capability name in a capability rule.
    Capability(String),
    /// A file rule's permissions.
    Mode(String),
    /// A permission word of a rule family other than files.
    Access(crate::vocab::PermFamily, String),
    /// A profile flag.
    Flag(String),
}

/// One named stretch: byte offsets into the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub start: usize,
    pub end: usize,
    pub name: Name,
}

/// A profile (or hat) the file defines, and where its name is written.
#[derive(Clone, Debug)]
pub struct ProfileDef {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
    pub profiles: Vec<ProfileDef>,
}

impl Index {
    /// The index of `text` (parsed on its own; half-typed text indexes
    /// whatever the parser recovered).
    pub fn of(text: &str) -> Index {
        let parsed = crate::syntax::parse(text, FileId(0));
        let mut ix = Index::default();
        crate::stack::deep(parsed.depth, || ix.items(text, &parsed.ast.items));
        ix.occurrences.sort_by_key(|o| (o.start, o.end));
        ix
    }

    /// The innermost occurrence at byte offset `at` (its end included, so
    /// a cursor just after a word finds it).
    pub fn at(&self, at: usize) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| o.start <= at && at <= o.end)
            .min_by_key(|o| o.end - o.start)
    }

    /// The definitions of variable `name` in this file.
    pub fn var_defs<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences
            .iter()
            .filter(move |o| matches!(&o.name, Name::VarDef { name: n, .. } if n == name))
    }

    /// Every mention of variable `name`: definitions and uses.
    pub fn var_mentions<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| match &o.name {
            Name::VarDef { name: n, .. } | Name::VarUse(n) => n == name,
            _ => false,
        })
    }

    /// The profile named `name` (or whose last `//` part is), if defined here.
    pub fn profile(&self, name: &str) -> Option<&ProfileDef> {
        let last = name.rsplit("//").next().unwrap_or(name);
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.profiles.iter().find(|p| p.name == last))
    }

    /// The transitions naming profile `name`.
    pub fn transitions_to<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| match &o.name {
            Name::Transition(t) => t == name || t.rsplit("//").next() == Some(name),
            _ => false,
        })
    }

    /// The variables this file defines.
    pub fn defined_vars(&self) -> impl Iterator<Item = &str> {
        self.occurrences.iter().filter_map(|o| match &o.name {
            Name::VarDef { name, .. } => Some(name.as_str()),
            _ => None,
        })
    }

    fn push(&mut self, start: u32, end: u32, name: Name) {
        self.occurrences.push(Occurrence {
            start: start as usize,
            end: end as usize,
            name,
        });
    }

    fn items(&mut self, text: &str, items: &[Item]) {
        for item in items {
            match item {
                Item::Include { inc, span } => {
                    // the span is the file's name: the keyword before it on
                    // its line belongs to it too
                    let end = span.start as usize;
                    let line = text
                        .get(..end)
                        .map_or(0, |t| t.rfind('\n').map_or(0, |i| i + 1));
                    let indent = text
                        .get(line..end)
                        .map_or(0, |t| t.len() - t.trim_start().len());
                    self.occurrences.push(Occurrence {
                        start: (line + indent).min(end),
                        end: span.end as usize,
                        name: Name::Include {
                            path: inc.path.clone(),
                            angle: inc.angle,
                        },
                    });
                }
                Item::Var {
                    name, op, values, ..
                } => {
                    self.push(
                        name.span.start,
                        name.span.end,
                        Name::VarDef {
                            name: var_name(&name.text).to_string(),
                            add: *op == ast::AssignOp::Add,
                        },
                    );
                    for w in values {
                        self.uses(text, w);
                    }
                }
                Item::Profile(p) => self.profile_item(text, p),
                Item::Block { prefix, items, .. } => {
                    self.prefix(prefix);
                    self.items(text, items);
                }
                Item::Rule(r) => self.rule(text, r),
                Item::If(i) => self.conditional(text, i),
                Item::Alias { from, to, .. } => {
                    self.uses(text, from);
                    self.uses(text, to);
                }
                Item::Abi { .. } | Item::Bool { .. } | Item::Error(_) => {}
            }
        }
    }

    fn conditional(&mut self, text: &str, i: &ast::If) {
        self.expr(text, &i.cond);
        self.items(text, &i.then);
        match &i.otherwise {
            Some(ast::Else::If(e)) => self.conditional(text, e),
            Some(ast::Else::Block(items, _)) => self.items(text, items),
            None => {}
        }
    }

    fn expr(&mut self, text: &str, e: &ast::Expr) {
        match e {
            ast::Expr::SetVar(w) | ast::Expr::Defined(w, _) => self.uses(text, w),
            ast::Expr::Not(e, _) | ast::Expr::Paren(e, _) => self.expr(text, e),
            ast::Expr::And(a, b) | ast::Expr::Or(a, b) => {
                self.expr(text, a);
                self.expr(text, b);
            }
            ast::Expr::Cmp { left, right, .. } => {
                self.uses(text, left);
                self.uses(text, right);
            }
            ast::Expr::Bool(_) | ast::Expr::Id(_) => {}
        }
    }

    fn profile_item(&mut self, text: &str, p: &ast::Profile) {
        self.prefix(&p.prefix);
        if let Some(k) = p.keyword_span {
            let word = match p.keyword {
                ProfileKeyword::Hat => "hat",
                ProfileKeyword::Caret => "^",
                _ => "profile",
            };
            self.push(k.start, k.end, Name::Keyword(word.into()));
        }
        if !p.name.text.is_empty() {
            self.push(
                p.name.span.start,
                p.name.span.end,
                Name::Profile(p.name.text.clone()),
            );
            self.uses(text, &p.name);
            self.profiles.push(ProfileDef {
                name: p.name.text.clone(),
                start: p.name.span.start as usize,
                end: p.name.span.end as usize,
            });
        }
        for e in &p.header {
            match e {
                Elem::Flags { values, .. } => {
                    for w in values {
                        self.push(w.span.start, w.span.end, Name::Flag(w.text.clone()));
                    }
                }
                e => self.elem(text, e),
            }
        }
        self.items(text, &p.items);
    }

    fn prefix(&mut self, prefix: &[PrefixItem]) {
        for p in prefix {
            match p {
                PrefixItem::Qualifier(q, s) => {
                    self.push(s.start, s.end, Name::Keyword(q.as_str().into()))
                }
                PrefixItem::Priority { span, .. } => {
                    self.push(span.start, span.end, Name::Keyword("priority".into()))
                }
            }
        }
    }

    fn rule(&mut self, text: &str, r: &ast::Rule) {
        self.prefix(&r.prefix);
        let first = r.elems.first().and_then(|e| match e {
            Elem::Word(w) if matches!(w.kind, WordKind::Key | WordKind::Id) => Some(w),
            _ => None,
        });
        let keyword = first.filter(|w| crate::vocab::glossary::keyword(&w.text).is_some());
        if let Some(w) = keyword {
            self.push(w.span.start, w.span.end, Name::Keyword(w.text.clone()));
        }
        let capability_rule = keyword.is_some_and(|w| w.text == "capability");
        let family = keyword.and_then(|w| crate::vocab::PermFamily::of_keyword(&w.text));
        let access = |w: &Word| family.filter(|f| f.is_valid_perm(&w.text));
        for (i, e) in r.elems.iter().enumerate() {
            if let (Elem::Word(w), true) = (e, i > 0) {
                if let Some(f) = access(w) {
                    self.push(w.span.start, w.span.end, Name::Access(f, w.text.clone()));
                    continue;
                }
            }
            match e {
                Elem::List { values, .. } if family.is_some() => {
                    for w in values {
                        match access(w) {
                            Some(f) => {
                                self.push(w.span.start, w.span.end, Name::Access(f, w.text.clone()))
                            }
                            None => self.uses(text, w),
                        }
                    }
                }
                Elem::Word(w) if capability_rule && i > 0 => {
                    self.push(w.span.start, w.span.end, Name::Capability(w.text.clone()))
                }
                Elem::Word(w) if w.kind == WordKind::Mode => {
                    self.push(w.span.start, w.span.end, Name::Mode(w.text.clone()))
                }
                Elem::Word(w) if i > 0 && keyword.is_none_or(|k| k.text != "link") => {
                    // a second keyword (`exec` in change_profile, `subset`)
                    if matches!(w.text.as_str(), "exec" | "subset" | "safe" | "unsafe")
                        && matches!(w.kind, WordKind::Key | WordKind::Id)
                    {
                        self.push(w.span.start, w.span.end, Name::Keyword(w.text.clone()));
                    }
                    self.uses(text, w);
                }
                e => self.elem(text, e),
            }
        }
    }

    fn elem(&mut self, text: &str, e: &Elem) {
        match e {
            Elem::Word(w) | Elem::Le { value: w, .. } => self.uses(text, w),
            Elem::Cond(c) => {
                for w in &c.values {
                    self.uses(text, w);
                }
            }
            Elem::CondList { conds, .. } => {
                for c in conds {
                    for w in &c.values {
                        self.uses(text, w);
                    }
                }
            }
            Elem::Flags { values, .. }
            | Elem::List { values, .. }
            | Elem::Identities { values, .. } => {
                for w in values {
                    self.uses(text, w);
                }
            }
            Elem::Arrow { target, .. } => {
                if let Some(w) = target {
                    self.push(w.span.start, w.span.end, Name::Transition(w.text.clone()));
                    self.uses(text, w);
                }
            }
        }
    }

    /// The variables a word uses, found in its text as written.
    fn uses(&mut self, text: &str, w: &Word) {
        let (s, e) = (w.span.start as usize, w.span.end as usize);
        let Some(written) = text.get(s..e) else {
            return;
        };
        let mut from = 0;
        while let Some(i) = written[from..].find("@{") {
            let at = from + i;
            let Some(len) = written[at..].find('}') else {
                break;
            };
            let name = &written[at + 2..at + len];
            if !name.is_empty() && !name.contains(['@', '{', ' ']) {
                self.occurrences.push(Occurrence {
                    start: s + at,
                    end: s + at + len + 1,
                    name: Name::VarUse(name.to_string()),
                });
            }
            from = at + len + 1;
        }
    }
}

#[cfg(test)]
mod tests;
