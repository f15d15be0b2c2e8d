//! `aaprof fmt`: fixtures (snapshots of the canonical layout). Every
//! formatted file must also format to itself and keep every comment. That
//! formatting keeps the binary policy of every profile of every corpus is
//! tested against both reference compilers in `oracle.rs`.

use aaprof::fmt::{FormatError, format};
use aaprof::source::FileId;
use aaprof::syntax::lexer::{self, TriviaKind};

fn comments(text: &str) -> Vec<String> {
    let (_, trivia, _) = lexer::lex(text, FileId(0));
    trivia
        .iter()
        .filter(|t| t.kind == TriviaKind::Comment)
        .map(|t| text[t.span.range()].trim_end().to_string())
        .collect()
}

/// Format, and check the formatter's promises on the result.
pub(super) fn format_checked(text: &str, what: &str) -> Option<String> {
    match format(text, FileId(0)) {
        Ok(out) => {
            assert_eq!(comments(text), comments(&out), "{what}: comments changed");
            match format(&out, FileId(0)) {
                Ok(again) => assert_eq!(again, out, "{what}: formatting is not idempotent"),
                Err(_) => panic!("{what}: the formatted text is refused"),
            }
            Some(out)
        }
        Err(FormatError::Syntax(_)) => None,
        Err(FormatError::Unstable(d)) => panic!("{what}: formatter refused its output: {d:?}"),
    }
}

#[test]
fn fmt_fixtures() {
    insta::glob!("../fixtures/fmt", "*.apparmor", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let out = format_checked(&text, &path.display().to_string())
            .unwrap_or_else(|| panic!("{} has syntax errors", path.display()));
        insta::assert_snapshot!(out);
    });
}

#[test]
fn syntax_errors_are_refused() {
    let text = "profile p {\n  /a r,\n}\n}\n";
    match format(text, FileId(0)) {
        Err(FormatError::Syntax(d)) => assert!(!d.is_empty()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
