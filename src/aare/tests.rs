use super::*;

fn p(s: &str) -> Pattern {
    Pattern::parse(s).expect("valid pattern")
}

#[test]
fn star_does_not_cross_slash() {
    assert!(p("/bin/*").matches("/bin/cat"));
    assert!(!p("/bin/*").matches("/bin/a/b"));
    assert!(p("/bin/**").matches("/bin/a/b"));
    assert!(
        !p("/bin/*").matches("/bin/"),
        "a whole-segment * needs a character"
    );
}

#[test]
fn alternations_and_classes() {
    let q = p("/usr/{lib,lib64}/[a-c]?.so");
    assert!(q.matches("/usr/lib64/bx.so"));
    assert!(!q.matches("/usr/lib32/bx.so"));
    assert!(!q.matches("/usr/lib/dx.so"));
    assert!(p("/x/[^a]").matches("/x/b"));
    assert!(!p("/x/[^a]").matches("/x/a"));
}

#[test]
fn overlap_gives_a_witness() {
    let w = overlap(&p("/bin/a*"), &p("/bin/*b")).expect("they overlap");
    assert!(p("/bin/a*").matches(&w) && p("/bin/*b").matches(&w), "{w}");
    assert!(overlap(&p("/bin/a*"), &p("/usr/*")).is_none());
    assert!(overlap(&p("/bin/a*"), &p("/bin/b*")).is_none());
}

#[test]
fn inclusion() {
    assert!(includes(&p("/bin/**"), &p("/bin/*")));
    assert!(!includes(&p("/bin/*"), &p("/bin/**")));
    assert!(includes(&p("/{a,b}/*"), &p("/a/x")));
}

#[test]
fn literal_patterns() {
    assert!(p("/bin/cat").is_literal());
    assert!(p("/bin/{cat,dog}").is_literal());
    assert!(!p("/bin/ca?").is_literal());
    assert!(p("/bin/[cd]og").is_literal());
    assert!(!p("/bin/[^cd]og").is_literal());
}

#[test]
fn malformed_patterns_are_errors() {
    assert!(Pattern::parse("/a/{b,c").is_err());
    assert!(Pattern::parse("/a/[bc").is_err());
    assert!(Pattern::parse(&"{".repeat(100)).is_err());
}

#[test]
fn syntax_check_agrees_with_the_parser() {
    for t in [
        "/a/{b,c}",
        "/a/{b,c",
        "/a/}",
        "/a/{b}",
        "/a/[bc",
        "/a/[]b]",
        "/a/[^]x]",
        "/a/\\{b",
        "/{a,{b,c}}/x",
        "/{,a}",
        "/a/[b-d]*",
        "/x{a,b}}",
        "/{{{{{{{{{{{{{{{{{{a,b},c},d},e},f},g},h},i},j},k},l},m},n},o},p},q},r},s}",
    ] {
        assert_eq!(
            check_syntax(t).is_ok(),
            Pattern::parse(t).is_ok(),
            "{t}: {:?} vs {:?}",
            check_syntax(t),
            Pattern::parse(t).err()
        );
    }
}
