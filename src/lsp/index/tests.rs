use super::*;

const TEXT: &str = "include <tunables/global>\n@{D} = /a /b\n@{D} += /c\nprofile p @{D}/bin {\n  capability net_raw,\n  deny @{D}/x rw,\n  /bin/q Px -> q,\n  ^h flags=(complain) { }\n}\n";

fn names(ix: &Index) -> Vec<Name> {
    ix.occurrences.iter().map(|o| o.name.clone()).collect()
}

#[test]
fn includes_variables_profiles_and_words_are_indexed_where_written() {
    let ix = Index::of(TEXT);
    let all = names(&ix);
    assert!(all.contains(&Name::Include {
        path: "tunables/global".into(),
        angle: true
    }));
    assert_eq!(ix.var_defs("D").count(), 2);
    // two definitions, uses in the header and in the deny rule
    assert_eq!(ix.var_mentions("D").count(), 4);
    for n in [
        Name::Capability("net_raw".into()),
        Name::Keyword("deny".into()),
        Name::Keyword("capability".into()),
        Name::Mode("rw".into()),
        Name::Transition("q".into()),
        Name::Flag("complain".into()),
        Name::Profile("h".into()),
    ] {
        assert!(all.contains(&n), "{n:?} in {all:?}");
    }
    // each occurrence covers the text it names
    for o in &ix.occurrences {
        let written = &TEXT[o.start..o.end];
        match &o.name {
            Name::VarUse(v) => assert_eq!(written, format!("@{{{v}}}")),
            Name::Capability(c) | Name::Mode(c) | Name::Flag(c) | Name::Transition(c) => {
                assert_eq!(written, c)
            }
            _ => {}
        }
    }
    assert_eq!(
        ix.profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["p", "h"]
    );
    assert_eq!(ix.profile("p//h").map(|p| p.name.as_str()), Some("h"));
}

#[test]
fn the_innermost_occurrence_is_found_at_an_offset() {
    let ix = Index::of(TEXT);
    let at = TEXT.find("@{D}/x").expect("in the text") + 1;
    assert_eq!(ix.at(at).map(|o| &o.name), Some(&Name::VarUse("D".into())));
    let at = TEXT.find("net_raw").expect("in the text") + 7;
    assert_eq!(
        ix.at(at).map(|o| &o.name),
        Some(&Name::Capability("net_raw".into()))
    );
}

#[test]
fn half_typed_text_is_indexed_as_far_as_it_parses() {
    let ix = Index::of("profile p {\n  @{HOME}/x r\n  capability ");
    assert_eq!(ix.var_mentions("HOME").count(), 1, "{:?}", ix.occurrences);
    assert_eq!(
        ix.profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["p"]
    );
}

#[test]
fn an_include_is_named_from_its_keyword_to_its_file() {
    let t = "profile p {\n  #include <abstractions/base>\n}\n";
    let ix = Index::of(t);
    let inc = ix
        .at(t.find("#inc").expect("in the text"))
        .expect("the include");
    assert_eq!(&t[inc.start..inc.end], "#include <abstractions/base>");
}
