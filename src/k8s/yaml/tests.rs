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
