use super::*;

fn spans(text: &str) -> Vec<(String, String)> {
    let s = parse(text, FileId(0));
    assert!(s.error.is_none(), "{:?}", s.error);
    let mut out = Vec::new();
    for d in &s.documents {
        for e in d.root.as_map().unwrap_or_default() {
            out.push((
                text[e.key.span.range()].to_string(),
                text[e.value.span.range()].to_string(),
            ));
        }
    }
    out
}

#[test]
fn scalar_spans_cover_what_was_written() {
    let got = spans("a: 'x'  # c\nb: \"y\" # d\nc: z # e\n\"q\": w\n");
    assert_eq!(
        got,
        vec![
            ("a".into(), "'x'".into()),
            ("b".into(), "\"y\"".into()),
            ("c".into(), "z".into()),
            ("\"q\"".into(), "w".into()),
        ]
    );
}

#[test]
fn spans_are_bytes_after_non_ascii_text() {
    let text = "# café ☕\nname: größe\nkind: Pod\n";
    let got = spans(text);
    assert_eq!(got[0], ("name".into(), "größe".into()));
    assert_eq!(got[1], ("kind".into(), "Pod".into()));
}

#[test]
fn crlf_line_endings_are_read() {
    let got = spans("a: x\r\nb: 'y'\r\n");
    assert_eq!(
        got,
        vec![("a".into(), "x".into()), ("b".into(), "'y'".into())]
    );
}

#[test]
fn merge_keys_fill_in_what_the_mapping_does_not_set() {
    let s = parse("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n", FileId(0));
    let m = s.documents[0].root.get("m").expect("m");
    assert_eq!(m.get("x").and_then(Node::as_str), Some("1"));
    assert_eq!(m.get("y").and_then(Node::as_str), Some("3"));
    assert!(m.get("<<").is_none());
}

#[test]
fn documents_of_a_stream_are_all_read() {
    let s = parse(
        "a: 1\n---\nb: 2\n---\n# only a comment\n---\nc: 3\n",
        FileId(0),
    );
    assert!(s.error.is_none());
    let keys: Vec<_> = s
        .documents
        .iter()
        .filter_map(|d| d.root.as_map()?.first()?.key.as_str().map(String::from))
        .collect();
    assert_eq!(keys, ["a", "b", "c"]);
}

#[test]
fn exponential_aliases_are_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let s = parse(&text, FileId(0));
    let e = s.error.expect("refused");
    assert!(e.message.contains("too many"), "{}", e.message);
}

#[test]
fn deep_nesting_is_refused() {
    let text = format!("a: {}", "[".repeat(MAX_DEPTH + 10));
    let s = parse(&text, FileId(0));
    let e = s.error.expect("refused");
    assert!(
        e.message.contains("nested deeper") || e.message.contains("recursion"),
        "{}",
        e.message
    );
}
