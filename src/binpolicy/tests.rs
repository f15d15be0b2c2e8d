use super::dfa::Dfa;
use super::*;

/// The smallest policy the kernel accepts: `version`, then a profile with
/// a name, flags and the four capability words.
fn minimal() -> Vec<u8> {
    let mut b = Vec::new();
    let name = |b: &mut Vec<u8>, n: &str| {
        b.push(4);
        b.extend_from_slice(&((n.len() + 1) as u16).to_le_bytes());
        b.extend_from_slice(n.as_bytes());
        b.push(0);
    };
    let u32 = |b: &mut Vec<u8>, v: u32| {
        b.push(2);
        b.extend_from_slice(&v.to_le_bytes());
    };
    name(&mut b, "version");
    u32(&mut b, 5);
    name(&mut b, "profile");
    b.push(7);
    b.push(5);
    b.extend_from_slice(&4u16.to_le_bytes());
    b.extend_from_slice(b"min\0");
    name(&mut b, "flags");
    b.push(7);
    for _ in 0..3 {
        u32(&mut b, 0);
    }
    b.push(8);
    for _ in 0..4 {
        u32(&mut b, 0);
    }
    b.push(8);
    b
}

#[test]
fn the_minimal_policy_decodes_into_one_record() {
    let b = minimal();
    assert_eq!(b.len(), 82);
    let e = decode(&b).expect("decodes");
    let r = records(&e).expect("records");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].version, Some(5));
    assert_eq!(r[0].name(), Some("min"));
    let flags = Element::find(r[0].profile.children(), "flags").expect("flags");
    assert_eq!(flags.children().len(), 3);
}

#[test]
fn a_cut_policy_is_an_error_with_its_offset() {
    let b = minimal();
    for cut in [1, 10, 20, 40, 81] {
        assert!(decode(&b[..cut]).is_err(), "cut at {cut}");
    }
    assert_eq!(decode(&[]), Err(DecodeError::Empty));
    assert_eq!(
        decode(&[0xee]),
        Err(DecodeError::UnknownType {
            offset: 0,
            code: 0xee
        })
    );
    assert!(matches!(
        records(&decode(&[2, 0, 0, 0, 0]).expect("a u32")),
        Err(DecodeError::NoVersion { .. })
    ));
}

/// A hand-packed automaton: start state 1 goes to 2 on `a`, 2 accepts.
#[test]
fn a_packed_automaton_is_walked_as_the_kernel_walks_it() {
    let table = |id: u16, width: u16, data: &[u32]| {
        let mut t = Vec::new();
        t.extend_from_slice(&id.to_be_bytes());
        t.extend_from_slice(&width.to_be_bytes());
        t.extend_from_slice(&0u32.to_be_bytes());
        t.extend_from_slice(&(data.len() as u32).to_be_bytes());
        for d in data {
            match width {
                2 => t.extend_from_slice(&(*d as u16).to_be_bytes()),
                _ => t.extend_from_slice(&d.to_be_bytes()),
            }
        }
        while t.len() % 8 != 0 {
            t.push(0);
        }
        t
    };
    let mut blob = Vec::new();
    blob.extend_from_slice(&dfa::MAGIC.to_be_bytes());
    blob.extend_from_slice(&24u32.to_be_bytes());
    blob.extend_from_slice(&0u32.to_be_bytes());
    blob.extend_from_slice(&0u16.to_be_bytes());
    blob.extend_from_slice(b"notflex\0");
    blob.extend_from_slice(&[0, 0]);
    // 3 states; state 1's row at base 0: next[b'a'] = 2, check = 1
    let mut next = vec![0u32; 256];
    let mut check = vec![0u32; 256];
    next[usize::from(b'a')] = 2;
    check[usize::from(b'a')] = 1;
    blob.extend(table(dfa::id::ACCEPT, 4, &[0, 0, 0x4]));
    blob.extend(table(dfa::id::BASE, 4, &[0, 0, 0]));
    blob.extend(table(dfa::id::DEFAULT, 2, &[0, 0, 0]));
    blob.extend(table(dfa::id::NEXT, 2, &next));
    blob.extend(table(dfa::id::CHECK, 2, &check));
    let d = Dfa::decode(&blob, 0).expect("decodes");
    assert_eq!(d.states(), 3);
    assert_eq!(d.next(dfa::START, b'a'), 2);
    assert_eq!(d.next(dfa::START, b'b'), dfa::TRAP);
    assert_eq!(d.accept(2), 4);
    assert_eq!(d.transitions(dfa::START), vec![(b'a', b'a', 2)]);
}
