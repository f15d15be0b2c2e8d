use super::*;

fn matches(glob_text: &str, input: &[u8]) -> bool {
    let re = glob(glob_text).expect("a glob");
    let b = crate::compile::build::build(&[(re, 7)], Default::default()).expect("built");
    let mut s = 1u32;
    for &c in input {
        let row = &b.rows[s as usize];
        s = row
            .iter()
            .find(|(lo, hi, _)| *lo <= c && c <= *hi)
            .map_or(0, |r| r.2);
        if s == 0 {
            return false;
        }
    }
    b.tags[s as usize] == [7]
}

#[test]
fn whole_segment_stars_need_a_character() {
    assert!(!matches("/foo/*", b"/foo/"));
    assert!(matches("/foo/*", b"/foo/x"));
    assert!(!matches("/foo/**", b"/foo/"));
    assert!(matches("/foo/**", b"/foo/x/y"));
    // not a whole segment: may be empty
    assert!(matches("/foo/*bar", b"/foo/bar"));
    // `{` before the star: the reference does not require a character
    assert!(matches("/foo/{*,x}", b"/foo/"));
}

#[test]
fn stars_stop_at_slash_and_nul() {
    assert!(!matches("/a/*", b"/a/b/c"));
    assert!(!matches("/a/**", b"/a/b\0c"));
    assert!(matches("/a/**", b"/a/b/c"));
}

#[test]
fn classes_alternations_and_escapes() {
    assert!(matches("/[a-c]x", b"/bx"));
    assert!(!matches("/[a-c]x", b"/dx"));
    assert!(matches("/[^a]", b"/b"));
    // a negated class matches NUL too
    assert!(matches("/[^a]", b"/\0"));
    assert!(matches("/{a,,b}c", b"/c"));
    assert!(matches("/a\\*", b"/a*"));
    assert!(!matches("/a\\*", b"/ab"));
    assert!(matches("/\\x41", b"/A"));
}

#[test]
fn slashes_filtered_as_the_reference_does() {
    assert_eq!(filter_slashes("//a///b"), "//a/b");
    assert_eq!(filter_slashes("///a"), "/a");
    assert_eq!(filter_slashes("/a//"), "/a/");
}

#[test]
fn exactness_and_shortest_match() {
    assert!(glob("/usr/bin/foo").expect("glob").is_exact());
    assert!(glob("/usr/{bin,sbin}/foo").expect("glob").is_exact());
    assert!(!glob("/usr/bin/*").expect("glob").is_exact());
    assert!(!glob("/usr/bin/?").expect("glob").is_exact());
    // as the reference ranks attachments: counting stops after the first
    // negated class
    for (g, n) in [
        ("/usr/{bin,sbin}/foo", 12),
        ("/usr/bin/f*", 10),
        ("/usr/bin/**", 10),
        ("/a/**/b", 4),
        ("/a/*/b", 4),
    ] {
        assert_eq!(glob(g).expect("glob").match_len(), n, "{g}");
    }
}

fn expr_matches(text: &str, input: &[u8]) -> bool {
    let re = parse(text).expect("an expression");
    let b = crate::compile::build::build(&[(re, 1)], Default::default()).expect("built");
    let mut s = 1u32;
    for &c in input {
        s = b.rows[s as usize]
            .iter()
            .find(|(lo, hi, _)| *lo <= c && c <= *hi)
            .map_or(0, |r| r.2);
        if s == 0 {
            return false;
        }
    }
    b.tags[s as usize] == [1]
}

#[test]
fn the_reference_expression_syntax() {
    assert!(expr_matches("\\x0a", b"\n"));
    assert!(expr_matches("\\d10\\000\\x01", b"\n\0\x01"));
    assert!(expr_matches("a(b|c)*d", b"abcbd"));
    assert!(expr_matches("a+", b"aaa"));
    assert!(!expr_matches("a+", b""));
    assert!(expr_matches("[^a]", b"\0"));
    assert!(expr_matches(".", b"\0"));
    assert!(expr_matches("[a-c]", b"b"));
    assert!(expr_matches("(|x)y", b"y"));
    assert!(expr_matches("\\*", b"*"));
}
