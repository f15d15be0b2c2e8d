//! Profile headers: the name (and its namespace), the attachment, `xattrs`,
//! `+ identities`, and `flags` (or the old `(flags)` list).

use super::Ctx;
use crate::diag::{Diagnostic, Severity, code};
use crate::syntax::ast::{Elem, Profile, ProfileKeyword, WordKind};
use crate::vocab;

/// Header elements must come in this order.
fn rank(e: &Elem) -> u8 {
    match e {
        Elem::Word(_) => 0,
        Elem::CondList { .. } => 1,
        Elem::Identities { .. } => 2,
        Elem::Flags { .. } | Elem::List { .. } => 3,
        _ => 4,
    }
}

pub fn check_profile_header(p: &Profile, ctx: &mut Ctx) {
    check_name(p, ctx);
    // without an attachment, the reference compiles the name as the
    // pattern of the programs the profile attaches to
    let attachment = p
        .header
        .iter()
        .any(|e| matches!(e, Elem::Word(w) if matches!(w.kind, WordKind::Id | WordKind::SetVar)));
    if !attachment && !p.name.text.is_empty() {
        super::check_pattern(&p.name, ctx);
    }
    let is_hat = matches!(p.keyword, ProfileKeyword::Caret | ProfileKeyword::Hat);
    let mut attachment_seen = false;
    let mut flags_seen = false;
    for (i, e) in p.header.iter().enumerate() {
        if let Some(prev) = p.header[..i].iter().find(|x| rank(x) > rank(e)) {
            ctx.error(
                Diagnostic::error(
                    code::SYNTAX_ERROR,
                    e.span(),
                    "profile header parts are out of order",
                )
                .label(prev.span(), "this must come after")
                .help("write `profile NAME [ATTACHMENT] [xattrs=(...)] [flags=(...)] {`"),
            );
            return;
        }
        match e {
            Elem::Word(w)
                if matches!(w.kind, WordKind::Id | WordKind::SetVar) && !attachment_seen =>
            {
                attachment_seen = true;
                let written_var = ctx.written_as_variable(w);
                if is_hat && !w.text.starts_with('/') && !written_var {
                    // the reference checks a hat's attachment as written,
                    // before it ignores it
                    ctx.error(
                        Diagnostic::error(
                            code::BAD_PROFILE_NAME,
                            w.span,
                            format!("attachment `{}` must be an absolute path", w.text),
                        )
                        .help(
                            "hats are entered with change_hat, not on exec; remove the attachment",
                        ),
                    );
                    continue;
                }
                if is_hat {
                    // accepted by the reference parser, but never used
                    ctx.error(
                        Diagnostic::error(
                            code::BAD_PROFILE_NAME,
                            w.span,
                            "the attachment of a hat is ignored",
                        )
                        .with_severity(Severity::Warning)
                        .help(
                            "hats are entered with change_hat, not on exec; remove the attachment",
                        ),
                    );
                    continue;
                }
                // judged after expansion (a leading variable with several
                // values expands to `{...}`)
                let t = w.text.trim_start_matches('{');
                if !t.starts_with('/') {
                    ctx.error(
                        Diagnostic::error(code::BAD_PROFILE_NAME, w.span, format!("attachment `{}` must be an absolute path", w.text))
                            .help("an attachment names the executables the profile confines, e.g. `/usr/bin/foo`"),
                    );
                } else {
                    // an attachment is a pattern
                    super::check_pattern(w, ctx);
                }
            }
            Elem::CondList { name, conds, span } => {
                if name.text != "xattrs" {
                    ctx.error(
                        Diagnostic::error(
                            code::BAD_XATTR,
                            name.span,
                            format!("`{}=(...)` is not allowed in a profile header", name.text),
                        )
                        .help("did you mean `xattrs=(...)`?"),
                    );
                } else if is_hat {
                    ctx.error(Diagnostic::error(
                        code::BAD_XATTR,
                        *span,
                        "a hat cannot have xattrs",
                    ));
                } else if conds.is_empty() {
                    ctx.error(Diagnostic::error(
                        code::BAD_XATTR,
                        *span,
                        "empty xattrs list",
                    ));
                } else if let Some(w) = conds.iter().map(|c| &c.name).find(|w| w.text.contains('('))
                {
                    // the reference's lexer refuses a `(` inside the list
                    ctx.error(Diagnostic::error(
                        code::BAD_XATTR,
                        w.span,
                        "unexpected `(` inside `xattrs=(...)`",
                    ));
                }
            }
            Elem::Identities { values, .. } => {
                for v in values {
                    // a label, or a quoted path (which may hold spaces)
                    let spaced =
                        v.text.chars().any(char::is_whitespace) && !v.text.starts_with('/');
                    if spaced || v.text.is_empty() {
                        ctx.error(Diagnostic::error(
                            code::BAD_VALUE,
                            v.span,
                            format!("invalid identity `{}`", v.text),
                        ));
                    }
                }
            }
            Elem::Flags {
                values,
                paren: false,
                span,
            } => {
                // the reference's grammar wants `flags=(`
                let shown: Vec<&str> = values.iter().map(|v| v.text.as_str()).collect();
                ctx.error(
                    Diagnostic::error(
                        code::SYNTAX_ERROR,
                        *span,
                        "profile flags must be written in parentheses",
                    )
                    .help(format!("write `flags=({})`", shown.join(" "))),
                );
                return;
            }
            Elem::Flags { values, span, .. } | Elem::List { values, span } => {
                if flags_seen {
                    ctx.error(Diagnostic::error(
                        code::BAD_FLAG,
                        *span,
                        "flags are given twice",
                    ));
                    continue;
                }
                flags_seen = true;
                if values.is_empty() {
                    ctx.error(
                        Diagnostic::error(code::BAD_FLAG, *span, "empty flags list")
                            .help("remove `flags=()` or name a flag"),
                    );
                    continue;
                }
                let parsed: Vec<(&str, Option<&str>)> = values
                    .iter()
                    .map(|v| match v.text.split_once('=') {
                        Some((n, val)) => (n, Some(val)),
                        None => (v.text.as_str(), None),
                    })
                    .collect();
                for msg in vocab::check_flags(&parsed) {
                    let at = values
                        .iter()
                        .find(|v| msg.contains(v.text.split('=').next().unwrap_or("\u{0}")))
                        .map(|v| v.span)
                        .unwrap_or(*span);
                    let mut d = Diagnostic::error(code::BAD_FLAG, at, msg.clone());
                    if msg.starts_with("unknown") || msg.starts_with("invalid profile flag") {
                        if let Some(v) = values.iter().find(|v| v.span == at) {
                            if let Some(s) = crate::suggest::did_you_mean(
                                &v.text,
                                vocab::PROFILE_FLAG_NAMES.iter().copied(),
                            ) {
                                d = d.did_you_mean(v.span, s, s);
                            }
                        }
                    }
                    ctx.error(d);
                }
            }
            other => ctx.error(
                Diagnostic::error(
                    code::SYNTAX_ERROR,
                    other.span(),
                    "unexpected text in the profile header",
                )
                .help("write `profile NAME [ATTACHMENT] [xattrs=(...)] [flags=(...)] {`"),
            ),
        }
    }
}

/// `:ns:name`, `:ns://name` and bare names.
fn check_name(p: &Profile, ctx: &mut Ctx) {
    let n = &p.name;
    let text = n.text.as_str();
    if text.is_empty() {
        ctx.error(Diagnostic::error(
            code::BAD_PROFILE_NAME,
            n.span,
            "missing profile name",
        ));
        return;
    }
    if text.starts_with('&') {
        ctx.error(
            Diagnostic::error(
                code::BAD_PROFILE_NAME,
                n.span,
                format!("profile name `{text}` cannot start with `&`"),
            )
            .help("`&` stacks profiles in exec targets; a profile's own name must begin with `/`, a namespace or a letter"),
        );
        return;
    }
    if let Some(rest) = text.strip_prefix(':') {
        let Some((ns, name)) = rest.split_once(':') else {
            ctx.error(
                Diagnostic::error(
                    code::BAD_PROFILE_NAME,
                    n.span,
                    format!("namespace in `{text}` has no closing `:`"),
                )
                .help("write `:namespace:profile_name`"),
            );
            return;
        };
        if ns.is_empty() {
            ctx.error(Diagnostic::error(
                code::BAD_PROFILE_NAME,
                n.span,
                format!("empty namespace name in `{text}`"),
            ));
            return;
        }
        let name = name.strip_prefix("//").unwrap_or(name);
        if name.is_empty() {
            ctx.error(
                Diagnostic::error(
                    code::BAD_PROFILE_NAME,
                    n.span,
                    format!("`{text}` names a namespace but no profile"),
                )
                .help(format!("write `{text}profile_name`")),
            );
        }
        return;
    }
    if p.keyword == ProfileKeyword::Bare && !text.starts_with('/') {
        ctx.error(
            Diagnostic::error(
                code::BAD_PROFILE_NAME,
                n.span,
                format!(
                    "a profile written without `profile` must be named by a path, not `{text}`"
                ),
            )
            .help(format!("write `profile {text} {{`")),
        );
    }
}
