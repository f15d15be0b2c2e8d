//! Positions and URIs, and edits applied as a client sends them.

use super::position::{Encoding, LineMap, path_of, uri_of};
use super::*;
use lsp_types::Position;

#[test]
fn positions_count_utf16_units_or_bytes() {
    // "é" is two bytes and one UTF-16 unit; "𝄞" four bytes and two units
    let text = "a\n/é/𝄞x r,\n";
    let u16 = LineMap::new(text, Encoding::Utf16);
    let u8 = LineMap::new(text, Encoding::Utf8);
    let x = text.find('x').expect("x");
    assert_eq!(u16.position(x), Position::new(1, 5));
    assert_eq!(u8.position(x), Position::new(1, 8));
    assert_eq!(u16.offset(Position::new(1, 5)), x);
    assert_eq!(u8.offset(Position::new(1, 8)), x);
    // inside a character: its start; past the line: the line's end
    assert_eq!(u16.offset(Position::new(1, 4)), x - 4);
    assert_eq!(u16.offset(Position::new(1, 99)), text.len() - 1);
    assert_eq!(u16.offset(Position::new(9, 0)), text.len());
    assert_eq!(u16.position(text.len()), Position::new(2, 0));
    // every offset at a character boundary goes there and back
    for (i, _) in text.char_indices() {
        assert_eq!(u16.offset(u16.position(i)), i);
        assert_eq!(u8.offset(u8.position(i)), i);
    }
}

#[test]
fn file_uris_round_trip_with_escapes() {
    let p = std::path::Path::new("/etc/apparmor.d/usr.bin.a b%c");
    let uri = uri_of(p).expect("a uri");
    assert_eq!(uri.as_str(), "file:///etc/apparmor.d/usr.bin.a%20b%25c");
    assert_eq!(path_of(&uri).as_deref(), Some(p));
    let other: lsp_types::Uri = "untitled:Untitled-1".parse().expect("a uri");
    assert_eq!(path_of(&other), None);
}

#[test]
fn incremental_changes_apply_at_their_ranges() {
    let mut text = String::from("profile p {\n  /a r,\n}\n");
    let change = |l1, c1, l2, c2, t: &str| lsp_types::TextDocumentContentChangeEvent {
        range: Some(lsp_types::Range::new(
            Position::new(l1, c1),
            Position::new(l2, c2),
        )),
        range_length: None,
        text: t.into(),
    };
    apply_change(&mut text, change(1, 5, 1, 6, "rw"), Encoding::Utf16);
    assert_eq!(text, "profile p {\n  /a rw,\n}\n");
    apply_change(&mut text, change(1, 0, 2, 0, ""), Encoding::Utf16);
    assert_eq!(text, "profile p {\n}\n");
    apply_change(&mut text, change(0, 8, 0, 9, "é"), Encoding::Utf16);
    apply_change(&mut text, change(0, 9, 0, 9, "x"), Encoding::Utf16);
    assert_eq!(text, "profile éx {\n}\n");
    let whole = lsp_types::TextDocumentContentChangeEvent {
        range: None,
        range_length: None,
        text: "new".into(),
    };
    apply_change(&mut text, whole, Encoding::Utf8);
    assert_eq!(text, "new");
}
