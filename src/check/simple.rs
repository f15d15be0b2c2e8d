//! `capability`, `set rlimit` and `all` rules.

use super::{Ctx, unknown_name};
use crate::diag::{Diagnostic, code};
use crate::policy::simple as policy;
use crate::syntax::ast::{Elem, Rule, WordKind};
use crate::vocab;

pub fn check_capability(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Capability> {
    for e in &rule.elems[1..] {
        match e {
            Elem::Word(w) if w.kind == WordKind::Id => {
                // the kernel's own list extends the built-in one
                if vocab::capability_number(&w.text).is_none()
                    && !ctx.features.capabilities().contains(&w.text.as_str())
                {
                    let lower = w.text.to_ascii_lowercase();
                    let stripped = lower.strip_prefix("cap_").unwrap_or(&lower);
                    let d = unknown_name("capability", w, vocab::CAPABILITIES.iter().copied());
                    let d = if vocab::capability_number(stripped).is_some() {
                        Diagnostic {
                            help: Some(format!(
                                "capabilities are written in lower case without `CAP_`: `{stripped}`"
                            )),
                            ..d
                        }
                    } else {
                        d
                    };
                    ctx.error(d);
                }
            }
            other => ctx.error(
                Diagnostic::error(
                    code::SYNTAX_ERROR,
                    other.span(),
                    "expected a capability name",
                )
                .help("write `capability NAME [NAME...],`"),
            ),
        }
    }
    Some(policy::Capability {
        names: rule.elems[1..]
            .iter()
            .filter_map(|e| match e {
                Elem::Word(w) => Some(w.text.clone()),
                _ => None,
            })
            .collect(),
    })
}

/// `set rlimit NAME <= VALUE [UNIT],`
pub fn check_rlimit(rule: &Rule, ctx: &mut Ctx) -> Option<policy::Rlimit> {
    let e = &rule.elems;
    let rlimit_kw = matches!(e.get(1), Some(Elem::Word(w)) if w.text == "rlimit");
    if !rlimit_kw {
        let at = e.get(1).map(Elem::span).unwrap_or(rule.span);
        ctx.error(
            Diagnostic::error(code::UNKNOWN_RULE, at, "`set` must be followed by `rlimit`")
                .help("write `set rlimit NAME <= VALUE,`; `set capability` is no longer supported, use `capability NAME,`"),
        );
        return None;
    }
    let Some(Elem::Word(name)) = e.get(2) else {
        let at = e.get(2).map(Elem::span).unwrap_or(rule.span);
        ctx.error(Diagnostic::error(
            code::SYNTAX_ERROR,
            at,
            "expected an rlimit name",
        ));
        return None;
    };
    if vocab::rlimit_number(&name.text).is_none() {
        ctx.error(unknown_name("rlimit", name, vocab::RLIMITS.iter().copied()));
        return None;
    }
    let Some(Elem::Le { value, span }) = e.get(3) else {
        let at = e.get(3).map(Elem::span).unwrap_or(name.span);
        ctx.error(
            Diagnostic::error(
                code::SYNTAX_ERROR,
                at,
                "expected `<= VALUE` after the rlimit name",
            )
            .help(format!("write `set rlimit {} <= VALUE,`", name.text)),
        );
        return None;
    };
    let unit = match e.get(4) {
        Some(Elem::Word(u)) if e.len() == 5 => Some(u.text.as_str()),
        None => None,
        Some(other) => {
            ctx.error(Diagnostic::error(
                code::SYNTAX_ERROR,
                other.span(),
                "unexpected text after the rlimit value",
            ));
            return None;
        }
    };
    let at = match e.get(4) {
        Some(u) => span.to(u.span()),
        None => *span,
    };
    match vocab::parse_rlimit_parts(&name.text, &value.text, unit) {
        Ok(v) => Some(policy::Rlimit {
            name: name.text.clone(),
            value: v,
        }),
        Err(msg) => {
            ctx.error(Diagnostic::error(code::BAD_VALUE, at, msg));
            None
        }
    }
}

/// `all,` takes nothing else.
pub fn check_all(rule: &Rule, ctx: &mut Ctx) -> bool {
    if let Some(extra) = rule.elems.get(1) {
        ctx.error(
            Diagnostic::error(
                code::SYNTAX_ERROR,
                extra.span(),
                "the `all` rule takes no permissions or conditions",
            )
            .help("write `all,`"),
        );
    }
    rule.elems.len() == 1
}
