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

/// Every string over `alphabet` up to `len` bytes long.
fn strings(alphabet: &[u8], len: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut frontier = vec![String::new()];
    for _ in 0..len {
        let mut next = Vec::new();
        for s in &frontier {
            for &c in alphabet {
                let mut t = s.clone();
                t.push(c as char);
                next.push(t);
            }
        }
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

#[test]
fn pattern_set_tags_agree_with_each_pattern_and_with_its_dfa() {
    let texts = [
        "/a/*",
        "/a/b",
        "/**.s",
        "/{a,b}/?",
        "/[ab]*/**",
        "/a/b{,/**}",
    ];
    let pats: Vec<Pattern> = texts
        .iter()
        .map(|t| Pattern::parse(t).expect("valid"))
        .collect();
    let mut set = PatternSet::new();
    for (i, p) in pats.iter().enumerate() {
        set.add(p, i).expect("fits");
    }
    let dfa = set.determinize(10_000).expect("small");
    assert!(
        !dfa.is_empty() && dfa.len() < 200,
        "{} DFA states",
        dfa.len()
    );
    let mut matched = 0;
    for path in strings(b"/ab.s", 6) {
        let want: std::collections::BTreeSet<usize> = pats
            .iter()
            .enumerate()
            .filter(|(_, p)| p.matches(&path))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(set.matching(&path), want, "NFA union on `{path}`");
        assert_eq!(dfa.matching(&path), want, "DFA on `{path}`");
        matched += usize::from(!want.is_empty());
    }
    assert!(matched > 100, "only {matched} paths matched anything");
}

#[test]
fn determinize_stops_at_the_state_limit() {
    let mut set = PatternSet::new();
    set.add(&Pattern::parse("/**a?????????").expect("valid"), 0)
        .expect("fits");
    assert!(set.determinize(16).is_err());
    assert!(set.determinize(100_000).is_ok());
}
