use super::*;

fn toks(s: &str) -> Vec<Tok> {
    lex(s, FileId(0)).0.into_iter().map(|(_, t, _)| t).collect()
}

#[test]
fn modes_are_recognised_only_before_space_or_comma() {
    assert!(is_modes("rwix"));
    assert!(is_modes("Pix"));
    assert!(!is_modes("read"));
    let t = toks("/foo rw,\n");
    assert_eq!(
        t,
        vec![Tok::Id("/foo".into()), Tok::Mode("rw".into()), Tok::Comma]
    );
}

#[test]
fn commas_inside_paths_join_words() {
    let t = toks("/{a,b} r,\n");
    assert_eq!(t[0], Tok::Id("/{a,b}".into()));
}

#[test]
fn variable_assignment_ends_at_newline() {
    let t = toks("@{x} = a b\n/foo r,\n");
    assert_eq!(
        t,
        vec![
            Tok::SetVar("@{x}".into()),
            Tok::Equals,
            Tok::Value("a".into()),
            Tok::Value("b".into()),
            Tok::Id("/foo".into()),
            Tok::Mode("r".into()),
            Tok::Comma
        ]
    );
}

#[test]
fn comments_are_trivia() {
    let (t, trivia, d) = lex("# hello\n/foo r, # there\n", FileId(0));
    assert_eq!(t.len(), 3);
    assert!(d.is_empty());
    assert_eq!(
        trivia
            .iter()
            .filter(|t| t.kind == TriviaKind::Comment)
            .count(),
        2
    );
}

#[test]
fn peer_list_condition() {
    let t = toks("signal send peer=(label=foo),\n");
    assert_eq!(
        t,
        vec![
            Tok::Key("signal".into()),
            Tok::Key("send".into()),
            Tok::CondListId("peer".into()),
            Tok::Equals,
            Tok::OpenParen,
            Tok::CondId("label".into()),
            Tok::Equals,
            Tok::Value("foo".into()),
            Tok::CloseParen,
            Tok::Comma
        ]
    );
}

#[test]
fn include_forms() {
    let t = toks("#include <tunables/global>\ninclude if exists \"local/x\"\n");
    assert_eq!(t.len(), 2);
    match &t[1] {
        Tok::Include(i) => assert!(i.if_exists && !i.angle && i.path == "local/x"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn deep_nesting_stops_with_one_error() {
    let s = "{".repeat(super::MAX_NESTING);
    let (_, _, d) = lex(&s, FileId(0));
    assert!(d.is_empty(), "{d:?}");
    let s = "{".repeat(super::MAX_NESTING + 1);
    let (_, _, d) = lex(&s, FileId(0));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code.id, "E0105");
    // operators of a condition count too
    let s = format!("if {}${{b}} {{", "not ".repeat(super::MAX_NESTING + 1));
    let (_, _, d) = lex(&s, FileId(0));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code.id, "E0105");
}
