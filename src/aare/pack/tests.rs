//! Tests of packing, the blob layout and the kernel's checks, against
//! the 6.0 reference's blobs; and helpers the minimiser's tests share.

use super::*;
use crate::aare::automaton::{Automaton, Row, START, TRAP};
use crate::aare::minimize::{MinimizeOptions, minimize, minimize_with, same_language};
use crate::aare::{Pattern, PatternSet, set};
use crate::binpolicy::{self, Element, Value};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// A small deterministic generator (xorshift64*).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random automaton in the kernel's shape: `n` states, rows of a few
/// random ranges over a handful of cut points (so bytes fall into
/// classes), accept words from a small set (so states can merge).
pub(crate) fn random_automaton(rng: &mut Rng, n: usize, words: u32) -> Automaton {
    let mut a = Automaton {
        rows: vec![Vec::new()],
        accept: vec![0],
        accept2: vec![0],
    };
    let cuts: Vec<u8> = {
        let mut c: Vec<u8> = (0..rng.below(12) + 2)
            .map(|_| rng.below(256) as u8)
            .collect();
        c.extend([0, 255, b'/', b'a']);
        c.sort_unstable();
        c.dedup();
        c
    };
    for _ in 1..n {
        let mut targets = [TRAP; 256];
        for _ in 0..rng.below(5) + 1 {
            let i = rng.below(cuts.len() as u64) as usize;
            let j = (i + rng.below(3) as usize).min(cuts.len() - 1);
            let t = if rng.below(4) == 0 {
                TRAP
            } else {
                rng.below(n as u64) as u32
            };
            for b in cuts[i]..=cuts[j] {
                targets[usize::from(b)] = t;
            }
        }
        a.rows.push(Automaton::row_of(&targets));
        let w = rng.below(u64::from(words)) as u32;
        a.accept.push(w);
        a.accept2.push(if w % 3 == 2 { 7 } else { 0 });
    }
    a
}

/// A [`set::Dfa`] (start 0, `None` for no transition) as an [`Automaton`]
/// (trap 0, start 1): state `i` becomes `i + 1`; `words` gives a state's
/// accept words from its tags.
pub(crate) fn from_set_dfa<T>(
    d: &set::Dfa<T>,
    words: impl Fn(&BTreeSet<T>) -> (u32, u32),
) -> Automaton {
    let mut a = Automaton {
        rows: vec![Vec::new()],
        accept: vec![0],
        accept2: vec![0],
    };
    for (next, tags) in d.next.iter().zip(&d.accept) {
        let mut targets = [TRAP; 256];
        for (t, n) in targets.iter_mut().zip(next.iter()) {
            *t = n.map_or(TRAP, |n| n + 1);
        }
        a.rows.push(Automaton::row_of(&targets));
        let (w1, w2) = words(tags);
        a.accept.push(w1);
        a.accept2.push(w2);
    }
    a
}

/// A decoded blob as an [`Automaton`], state for state.
pub(crate) fn from_decoded(d: &binpolicy::dfa::Dfa) -> Automaton {
    let n = d.states() as u32;
    Automaton {
        rows: (0..n).map(|s| d.transitions(s)).collect(),
        accept: (0..n).map(|s| d.accept(s)).collect(),
        accept2: (0..n).map(|s| d.accept2(s)).collect(),
    }
}

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// The binary policy the 6.0 reference writes for `file` (or standard
/// input `stdin`) with the features file `features`; panics when the
/// reference is missing or refuses the policy.
pub(crate) fn reference(
    features: &str,
    args: &[&str],
    file: Option<&Path>,
    stdin: &str,
) -> Vec<u8> {
    let program = shared().join("oracle/apparmor_parser");
    assert!(
        program.is_file(),
        "the 6.0 reference {} is missing",
        program.display()
    );
    let mut cmd = Command::new(&program);
    cmd.arg("--config-file=/dev/null")
        .arg("-M")
        .arg(features_file(features))
        .args(["-K", "-Q", "-S"])
        .args(args);
    if let Some(f) = file {
        cmd.arg(f);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the reference runs");
    if let Some(mut si) = child.stdin.take() {
        si.write_all(stdin.as_bytes()).expect("stdin written");
    }
    let out = child.wait_with_output().expect("the reference ends");
    assert!(
        out.status.success() && !out.stdout.is_empty(),
        "the reference refused {file:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A features file: a name in `../shared/conformance/features`, or a path.
fn features_file(features: &str) -> PathBuf {
    if Path::new(features).is_absolute() {
        PathBuf::from(features)
    } else {
        shared().join("conformance/features").join(features)
    }
}

/// `features.all` with `policy/diff_encode` added (no features file of
/// the conformance suite has it), written under the target directory.
fn diff_encode_features() -> String {
    let all = std::fs::read_to_string(features_file("features.all")).expect("features.all reads");
    assert!(
        all.contains("policy {set_load {yes"),
        "features.all's policy set"
    );
    let with = all.replacen(
        "policy {set_load {yes",
        "policy {diff_encode {yes\n}\nset_load {yes",
        1,
    );
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pack-tests");
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join(format!("features.diff-encode.{}", std::process::id()));
    std::fs::write(&path, with).expect("the features file is written");
    path.to_string_lossy().into_owned()
}

/// Every `aadfa` blob of a policy, from its magic number on (the
/// alignment pad before it dropped).
pub(crate) fn aadfa_blobs(policy: &[u8]) -> Vec<Vec<u8>> {
    fn walk(es: &[Element], out: &mut Vec<Vec<u8>>) {
        for e in es {
            match &e.value {
                Value::Blob(b, _) if e.name.as_deref() == Some("aadfa") => {
                    let at = (0..b.len().min(8))
                        .find(|&i| b[i..].starts_with(&MAGIC.to_be_bytes()))
                        .expect("a DFA header in the blob's first bytes");
                    assert!(b[..at].iter().all(|&x| x == 0), "the pad is zeros");
                    out.push(b[at..].to_vec());
                }
                _ => walk(e.children(), out),
            }
        }
    }
    let elements = binpolicy::decode(policy).expect("the reference's policy decodes");
    let mut out = Vec::new();
    walk(&elements, &mut out);
    out
}

/// Every state of `t` goes where the automaton does on every byte, as the
/// kernel walks the decoded blob.
fn assert_round_trip(a: &Automaton, opts: &PackOptions) {
    let t = pack(a, opts).expect("packs");
    let blob = t.to_blob();
    verify_with(
        &blob,
        &VerifyOptions {
            accept2: opts.accept2,
            state32: opts.state32,
        },
    )
    .expect("our blob passes the kernel's checks");
    let d = binpolicy::dfa::Dfa::decode(&blob, 0).expect("our blob decodes");
    assert_eq!(d.states(), a.len());
    for s in 0..a.len() as u32 {
        assert_eq!(d.accept(s), a.accept[s as usize]);
        if opts.accept2 {
            assert_eq!(d.accept2(s), a.accept2[s as usize]);
        }
        for c in 0..=255u8 {
            assert_eq!(
                d.next(s, c),
                a.next(s, c),
                "state {s} byte {c} of {} states",
                a.len()
            );
            assert_eq!(t.next_state(s, c), a.next(s, c));
        }
    }
}

#[test]
fn equivalence_classes_group_bytes_every_state_treats_alike() {
    let mut a = Automaton::empty();
    a.rows[1] = vec![(b'a', b'z', 1), (b'/', b'/', 0)];
    a.rows.push(vec![(b'0', b'9', 2), (b'a', b'f', 1)]);
    a.accept.push(1);
    a.accept2.push(0);
    let ec = equivalence_classes(&a);
    assert_eq!(ec[0], 0, "byte 0 is in class 0");
    assert_eq!(ec[usize::from(b'a')], ec[usize::from(b'f')]);
    assert_ne!(ec[usize::from(b'f')], ec[usize::from(b'g')]);
    assert_eq!(ec[usize::from(b'g')], ec[usize::from(b'z')]);
    assert_eq!(ec[usize::from(b'0')], ec[usize::from(b'9')]);
    assert_ne!(ec[usize::from(b'0')], ec[0]);
    // bytes no row names share the class of byte 0, '/' among them
    assert_eq!(ec[usize::from(b'/')], 0);
    assert_eq!(ec[255], 0);
    // classes: other, digits, a-f, g-z; numbered by first byte
    assert_eq!(ec.iter().copied().max(), Some(3));
    assert_eq!(ec[usize::from(b'0')], 1);
    assert_eq!(ec[usize::from(b'a')], 2);
}

#[test]
fn packing_round_trips_on_random_automata() {
    let mut rng = Rng::new(11);
    for round in 0..60 {
        let n = 2 + rng.below(if round % 10 == 0 { 400 } else { 40 }) as usize;
        let a = random_automaton(&mut rng, n, 4);
        for opts in [
            PackOptions::default(),
            PackOptions {
                equivalence_classes: true,
                ..PackOptions::default()
            },
            PackOptions {
                accept2: false,
                ..PackOptions::default()
            },
        ] {
            assert_round_trip(&a, &opts);
        }
    }
}

#[test]
fn packing_round_trips_with_defaults_that_are_not_the_trap() {
    // a state whose bytes mostly go to state 2 and some to the trap: the
    // trap transitions must be stored
    let mut a = Automaton::empty();
    let mut t = [2u32; 256];
    t[usize::from(b'/')] = TRAP;
    t[0] = TRAP;
    a.rows[1] = Automaton::row_of(&t);
    a.rows.push(vec![(b'x', b'x', 1)]);
    a.accept.push(4);
    a.accept2.push(0);
    let tables = pack(&a, &PackOptions::default()).expect("packs");
    assert_eq!(tables.default[1], 2);
    assert_eq!(tables.default[2], TRAP);
    assert_round_trip(&a, &PackOptions::default());
}

#[test]
fn state_tables_widen_only_with_state32() {
    let n = MAX_STATES16 + 1;
    let mut a = Automaton {
        rows: vec![Vec::new(); n],
        accept: vec![0; n],
        accept2: vec![0; n],
    };
    for s in 1..n - 1 {
        a.rows[s] = vec![(b'a', b'a', s as u32 + 1)];
    }
    a.accept[n - 1] = 1;
    assert_eq!(
        pack(&a, &PackOptions::default()),
        Err(PackError::TooManyStates {
            states: n,
            max: MAX_STATES16
        })
    );
    let opts = PackOptions {
        state32: true,
        ..PackOptions::default()
    };
    let t = pack(&a, &opts).expect("packs with state32");
    assert_eq!(t.state_width, 4);
    let blob = t.to_blob();
    assert!(matches!(verify(&blob), Err(VerifyError::BadWidth { .. })));
    verify_with(
        &blob,
        &VerifyOptions {
            accept2: true,
            state32: true,
        },
    )
    .expect("32-bit tables pass where allowed");
    let d = binpolicy::dfa::Dfa::decode(&blob, 0).expect("decodes");
    let mut s = START;
    for _ in 0..n - 2 {
        s = d.next(s, b'a');
    }
    assert_eq!(s as usize, n - 1);
    assert_eq!(d.accept(s), 1);
}

#[test]
fn a_malformed_automaton_is_an_error() {
    let mut a = Automaton::empty();
    a.rows[1] = vec![(b'a', b'a', 9)];
    assert!(matches!(
        pack(&a, &PackOptions::default()),
        Err(PackError::Malformed(_))
    ));
    let mut a = Automaton::empty();
    a.accept.pop();
    assert!(matches!(
        pack(&a, &PackOptions::default()),
        Err(PackError::Malformed(_))
    ));
}

/// The profiles the reference compiles for the layout and verify tests.
const PROFILES: &[&str] = &[
    "profile t { file, deny /** w, }",
    "profile t { /etc/** r, /usr/bin/* ix, /tmp/{a,b,c}[0-9]* rw, deny /etc/shadow r, }",
    "profile t { capability, network, signal, ptrace, unix, dbus, mount, /home/*/.cache/** rwk, }",
];

fn reference_blobs(features: &str) -> Vec<Vec<u8>> {
    reference_blobs_with(features, &[])
}

fn reference_blobs_with(features: &str, args: &[&str]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for p in PROFILES {
        out.extend(aadfa_blobs(&reference(features, args, None, p)));
    }
    out
}

/// The upstream profiles whose automata the tests re-pack.
const CORPUS: &[&str] = &["bin.ping", "usr.sbin.dnsmasq", "php-fpm", "firefox"];

/// The automata the reference writes for [`CORPUS`].
fn corpus_blobs(features: &str, args: &[&str]) -> Vec<Vec<u8>> {
    let upstream = shared().join("corpora/upstream");
    let base = upstream.to_string_lossy().into_owned();
    let mut out = Vec::new();
    for name in CORPUS {
        let path = upstream.join(name);
        assert!(path.is_file(), "{} is missing", path.display());
        let mut all = vec!["-b", &base, "-I", &base];
        all.extend_from_slice(args);
        out.extend(aadfa_blobs(&reference(features, &all, Some(&path), "")));
    }
    out
}

/// Whether a blob has an ACCEPT2 table (what the kernel then requires).
fn has_accept2(blob: &[u8]) -> bool {
    binpolicy::dfa::Dfa::decode(blob, 0)
        .expect("decodes")
        .table(binpolicy::dfa::id::ACCEPT2)
        .is_some()
}

/// Offsets and sizes of the header and tables of a blob: (id, width, len).
fn layout(blob: &[u8]) -> (Vec<u8>, Vec<(u16, u16, u32)>) {
    let be16 = |i: usize| u16::from_be_bytes([blob[i], blob[i + 1]]);
    let be32 = |i: usize| u32::from_be_bytes([blob[i], blob[i + 1], blob[i + 2], blob[i + 3]]);
    let hsize = be32(4) as usize;
    let mut tables = Vec::new();
    let mut pos = hsize;
    while pos < blob.len() {
        let (tid, w, len) = (be16(pos), be16(pos + 2), be32(pos + 8));
        assert_eq!(be32(pos + 4), 0, "the high length is 0");
        tables.push((tid, w, len));
        pos += (12 + len as usize * usize::from(w)).div_ceil(8) * 8;
    }
    assert_eq!(pos, blob.len(), "tables padded to 8 up to the end");
    (blob[..hsize].to_vec(), tables)
}

/// Re-pack the automaton of a reference blob (with its classes, if it has
/// any) and check our blob has the reference's layout; whether it is the
/// same bytes.
fn repack_matches(blob: &[u8]) -> bool {
    let d = binpolicy::dfa::Dfa::decode(blob, 0).expect("the reference's blob decodes");
    let a = from_decoded(&d);
    // the reference's numbering is the breadth-first one, defaults first
    let renumbered = minimize_with(&a, &MinimizeOptions::REFERENCE);
    if renumbered != a {
        eprintln!(
            "renumbered differently: {} states, witness {:?}",
            a.len(),
            same_language(&a, &renumbered)
        );
        return false;
    }
    let opts = PackOptions {
        accept2: d.table(binpolicy::dfa::id::ACCEPT2).is_some(),
        ..PackOptions::default()
    };
    let ours = match d.table(binpolicy::dfa::id::EC) {
        Some(ec) => {
            let mut classes = [0u8; 256];
            for (c, &e) in classes.iter_mut().zip(ec) {
                *c = e as u8;
            }
            pack_with_classes(&a, &classes, &opts)
        }
        None => pack(&a, &opts),
    }
    .expect("packs")
    .to_blob();
    let (their_header, their_tables) = layout(blob);
    let (our_header, our_tables) = layout(&ours);
    // the header: magic, hsize 24, ssize the total, flags, "notflex\0"
    assert_eq!(their_header.len(), 24);
    assert_eq!(&their_header[..8], &our_header[..8]);
    assert_eq!(&their_header[12..], &our_header[12..]);
    let total = |h: &[u8]| u32::from_be_bytes([h[8], h[9], h[10], h[11]]) as usize;
    assert_eq!(total(&their_header), blob.len());
    assert_eq!(total(&our_header), ours.len());
    // the tables: ids and widths in order, and the lengths of all but NXT/CHK
    let shape =
        |t: &[(u16, u16, u32)]| -> Vec<(u16, u16)> { t.iter().map(|&(i, w, _)| (i, w)).collect() };
    assert_eq!(shape(&their_tables), shape(&our_tables));
    for (theirs, ours) in their_tables.iter().zip(&our_tables) {
        if theirs.0 != id::NEXT && theirs.0 != id::CHECK {
            assert_eq!(theirs, ours);
        }
    }
    // semantically equal whatever the packing
    let back = from_decoded(&binpolicy::dfa::Dfa::decode(&ours, 0).expect("decodes"));
    assert_eq!(back, a);
    ours == blob
}

#[test]
fn our_blob_has_the_reference_layout_and_matches_its_bytes() {
    let mut identical = 0;
    let mut total = 0;
    for features in ["features.all", "features.extended-perms-policydb"] {
        for args in [&[][..], &["-O", "equiv"][..]] {
            let mut blobs = reference_blobs_with(features, args);
            blobs.extend(corpus_blobs(features, args));
            for blob in blobs {
                total += 1;
                if repack_matches(&blob) {
                    identical += 1;
                } else {
                    eprintln!(
                        "{features} {args:?}: a blob of {} bytes differs",
                        blob.len()
                    );
                }
            }
        }
    }
    eprintln!("{identical} of {total} reference blobs re-packed byte-identical");
    assert_eq!(
        identical, total,
        "our packing of the reference's automata is its packing"
    );
}

#[test]
fn verify_accepts_every_reference_blob() {
    let mut blobs: Vec<Vec<u8>> = Vec::new();
    for features in [
        "features.all",
        "features.extended-perms-policydb",
        "features.nopolicydb",
    ] {
        blobs.extend(reference_blobs(features));
        blobs.extend(corpus_blobs(features, &[]));
    }
    // with equivalence classes and diff-encoding
    let diff_features = diff_encode_features();
    blobs.extend(corpus_blobs(
        &diff_features,
        &["-O", "equiv", "-O", "diff-encode"],
    ));
    let _ = std::fs::remove_file(&diff_features);
    let diff = blobs
        .iter()
        .filter(|b| u16::from_be_bytes([b[12], b[13]]) & flag::DIFF_ENCODE != 0)
        .count();
    assert!(diff > 0, "some blobs are diff-encoded");
    let blobs: Vec<(Vec<u8>, bool)> = blobs
        .into_iter()
        .map(|b| {
            let a2 = has_accept2(&b);
            (b, a2)
        })
        .collect();
    assert!(blobs.len() >= 10, "{} blobs", blobs.len());
    for (blob, accept2) in &blobs {
        verify_with(
            blob,
            &VerifyOptions {
                accept2: *accept2,
                state32: false,
            },
        )
        .expect("the reference's blob passes");
        // and what we make of its automaton, minimised, passes too
        let a = from_decoded(&binpolicy::dfa::Dfa::decode(blob, 0).expect("decodes"));
        let m = minimize(&a);
        assert_eq!(same_language(&a, &m), None);
        // the reference's automata are minimal already
        assert_eq!(m.len(), a.len(), "the reference's automaton is minimal");
        assert_eq!(minimize(&m), m);
        let opts = PackOptions {
            accept2: *accept2,
            ..PackOptions::default()
        };
        assert_round_trip(&m, &opts);
    }
}

/// A blob with one big-endian u32 or u16 replaced at `at`.
fn patched(blob: &[u8], at: usize, value: &[u8]) -> Vec<u8> {
    let mut b = blob.to_vec();
    b[at..at + value.len()].copy_from_slice(value);
    b
}

/// The byte offset of the data of table `tid` in a blob.
fn table_at(blob: &[u8], tid: u16) -> (usize, u16, usize) {
    let mut pos = 24;
    loop {
        let id = u16::from_be_bytes([blob[pos], blob[pos + 1]]);
        let w = u16::from_be_bytes([blob[pos + 2], blob[pos + 3]]);
        let len = u32::from_be_bytes(blob[pos + 8..pos + 12].try_into().unwrap()) as usize;
        if id == tid {
            return (pos + 12, w, len);
        }
        pos += (12 + len * usize::from(w)).div_ceil(8) * 8;
    }
}

#[test]
fn verify_rejects_corrupted_blobs() {
    let blob = aadfa_blobs(&reference("features.all", &[], None, PROFILES[0]))
        .pop()
        .expect("a file DFA");
    verify(&blob).expect("the original passes");
    let states = table_at(&blob, id::BASE).2;
    let (next_at, _, next_len) = table_at(&blob, id::NEXT);
    let (check_at, _, _) = table_at(&blob, id::CHECK);
    let (base_at, _, _) = table_at(&blob, id::BASE);
    let (def_at, _, _) = table_at(&blob, id::DEFAULT);
    let s = states as u16;

    assert_eq!(
        verify(&patched(&blob, 0, &0x1B5E_783Eu32.to_be_bytes())),
        Err(VerifyError::BadMagic(0x1B5E_783E))
    );
    assert!(matches!(
        verify(&patched(&blob, 4, &100_000u32.to_be_bytes())),
        Err(VerifyError::BadHeaderSize { .. })
    ));
    assert_eq!(
        verify(&patched(&blob, 12, &4u16.to_be_bytes())),
        Err(VerifyError::BadFlags(4))
    );
    assert!(matches!(
        verify(&blob[..10]),
        Err(VerifyError::TooShort(10))
    ));
    // base + 255 past NXT
    let far = (next_len as u32 - 255).to_be_bytes();
    assert!(matches!(
        verify(&patched(&blob, base_at + 4, &far)),
        Err(VerifyError::BaseOutOfRange { state: 1, .. })
    ));
    // a base flag the kernel does not know, and diff-encode without its flag
    assert!(matches!(
        verify(&patched(&blob, base_at + 4, &0x0100_0000u32.to_be_bytes())),
        Err(VerifyError::BadBaseFlags { state: 1, .. })
    ));
    assert!(matches!(
        verify(&patched(&blob, base_at + 4, &0x8000_0000u32.to_be_bytes())),
        Err(VerifyError::DiffWithoutFlag { state: 1 })
    ));
    // check, next and default out of range
    assert!(matches!(
        verify(&patched(&blob, check_at + 2 * 7, &s.to_be_bytes())),
        Err(VerifyError::CheckOutOfRange { pos: 7, .. })
    ));
    assert!(matches!(
        verify(&patched(&blob, next_at + 2 * 3, &s.to_be_bytes())),
        Err(VerifyError::NextOutOfRange { pos: 3, .. })
    ));
    assert!(matches!(
        verify(&patched(&blob, def_at + 2, &s.to_be_bytes())),
        Err(VerifyError::DefaultOutOfRange { state: 1, .. })
    ));
    // a diff-encoding cycle: states 1 and 2 default to each other
    let mut cyc = patched(&blob, 12, &flag::DIFF_ENCODE.to_be_bytes());
    for (st, to) in [(1usize, 2u16), (2, 1)] {
        let b = u32::from_be_bytes(
            cyc[base_at + 4 * st..base_at + 4 * st + 4]
                .try_into()
                .unwrap(),
        );
        cyc = patched(&cyc, base_at + 4 * st, &(b | 0x8000_0000).to_be_bytes());
        cyc = patched(&cyc, def_at + 2 * st, &to.to_be_bytes());
    }
    assert!(matches!(verify(&cyc), Err(VerifyError::DiffCycle { .. })));
    // a table width the kernel refuses for BASE, and an unknown table id
    let (accept_at, _, _) = table_at(&blob, id::ACCEPT);
    assert!(matches!(
        verify(&patched(&blob, base_at - 10, &2u16.to_be_bytes())),
        Err(VerifyError::BadWidth { id: 2, .. })
            | Err(VerifyError::TableTooLong { .. })
            | Err(VerifyError::BadTableId { .. })
    ));
    assert!(matches!(
        verify(&patched(&blob, accept_at - 12, &6u16.to_be_bytes())),
        Err(VerifyError::BadTableId { id: 6, .. })
    ));
    // a table whose length runs past the blob
    assert!(matches!(
        verify(&patched(&blob, next_at - 4, &0x10_0000u32.to_be_bytes())),
        Err(VerifyError::TableTooLong { .. })
    ));
    // NXT and CHK of different lengths: drop CHK's last entries by
    // shortening its header (the data stays padded, so the tail is a
    // table header the kernel cannot read)
    let shorter = ((blob.len() - check_at) / 2 - 8) as u32;
    assert!(verify(&patched(&blob, check_at - 4, &shorter.to_be_bytes())).is_err());
    // ACCEPT2 where the record does not ask for it, and missing where it does
    assert!(matches!(
        verify_with(
            &blob,
            &VerifyOptions {
                accept2: false,
                state32: false
            }
        ),
        Err(VerifyError::BadTableId { id: 7, .. })
    ));
    // a duplicated table
    let (a_at, _, a_len) = table_at(&blob, id::ACCEPT);
    let a_size = (12 + 4 * a_len).div_ceil(8) * 8;
    let mut dup = blob.clone();
    dup.splice(
        a_at - 12..a_at - 12,
        blob[a_at - 12..a_at - 12 + a_size].to_vec(),
    );
    assert_eq!(verify(&dup), Err(VerifyError::DuplicateTable(id::ACCEPT)));
    // our own blobs pass and fail alike
    let ours = pack(
        &from_decoded(&binpolicy::dfa::Dfa::decode(&blob, 0).expect("decodes")),
        &PackOptions::default(),
    )
    .expect("packs")
    .to_blob();
    verify(&ours).expect("ours passes");
    let (our_base, _, _) = table_at(&ours, id::BASE);
    let (_, _, our_next_len) = table_at(&ours, id::NEXT);
    assert!(matches!(
        verify(&patched(
            &ours,
            our_base + 4,
            &(our_next_len as u32 - 200).to_be_bytes()
        )),
        Err(VerifyError::BaseOutOfRange { .. })
    ));
}

#[test]
fn an_empty_automaton_packs_to_the_smallest_tables() {
    let t = pack(&Automaton::empty(), &PackOptions::default()).expect("packs");
    assert_eq!(t.base, vec![0, 0]);
    assert_eq!(t.default, vec![0, 0]);
    assert_eq!(t.next.len(), 256);
    let blob = t.to_blob();
    verify(&blob).expect("passes");
    let d = binpolicy::dfa::Dfa::decode(&blob, 0).expect("decodes");
    assert!((0..=255).all(|c| d.next(START, c) == TRAP));
}

/// The pathological family `/sys/devices/**/devN/**/attrN` for N in 1..=n;
/// with `distinct`, each rule's accept word its own bit, else one word
/// for all (as when every rule has the same permissions).
fn sys_devices(n: usize, distinct: bool) -> Automaton {
    let mut set = PatternSet::new();
    for i in 1..=n {
        let p = Pattern::parse(&format!("/sys/devices/**/dev{i}/**/attr{i}")).expect("parses");
        set.add(&p, i as u32).expect("adds");
    }
    let d = set.determinize(2_000_000).expect("determinizes");
    from_set_dfa(&d, |tags| {
        let word = if distinct {
            tags.iter().fold(0, |acc, &t| acc | 1 << (t % 32))
        } else {
            u32::from(!tags.is_empty())
        };
        (word, 0)
    })
}

#[test]
fn the_sys_devices_family_minimises_packs_and_round_trips() {
    let a = sys_devices(4, true);
    let m = minimize(&a);
    assert_eq!(same_language(&a, &m), None);
    assert!(m.len() < a.len(), "{} -> {}", a.len(), m.len());
    assert_eq!(minimize(&m), m, "minimisation is idempotent");
    assert_round_trip(&m, &PackOptions::default());
    assert_round_trip(
        &m,
        &PackOptions {
            equivalence_classes: true,
            ..PackOptions::default()
        },
    );
}

/// A row helper for hand-built automata.
pub(crate) fn row(ranges: &[(u8, u8, u32)]) -> Row {
    ranges.to_vec()
}

/// `a` with its states other than the trap and the start shuffled, some
/// duplicated (transitions to them sent to the copy or the original at
/// random) and an unreachable state added: the same language, built in
/// another order.
fn scrambled(a: &Automaton, rng: &mut Rng) -> Automaton {
    let n = a.len();
    // copies of a few states (never the trap or the start)
    let copies: Vec<usize> = (2..n).filter(|_| rng.below(4) == 0).collect();
    let total = n + copies.len() + 1;
    let mut perm: Vec<u32> = (0..total as u32).collect();
    for i in (3..total).rev() {
        let j = 2 + rng.below(i as u64 - 1) as usize;
        perm.swap(i, j);
    }
    let mut copy_of = vec![None; n];
    for (i, &s) in copies.iter().enumerate() {
        copy_of[s] = Some(n + i);
    }
    let mut out = Automaton {
        rows: vec![Vec::new(); total],
        accept: vec![0; total],
        accept2: vec![0; total],
    };
    let redirect = |t: u32, rng: &mut Rng| -> u32 {
        match copy_of[t as usize] {
            Some(c) if rng.below(2) == 0 => perm[c],
            _ => perm[t as usize],
        }
    };
    let sources: Vec<(usize, usize)> = (0..n)
        .map(|s| (s, s))
        .chain(copies.iter().enumerate().map(|(i, &s)| (n + i, s)))
        .collect();
    for (new, old) in sources {
        let p = perm[new] as usize;
        out.rows[p] = a.rows[old]
            .iter()
            .map(|&(lo, hi, t)| (lo, hi, redirect(t, rng)))
            .collect();
        out.accept[p] = a.accept[old];
        out.accept2[p] = a.accept2[old];
    }
    // the unreachable state: accepting, going to the start
    let u = perm[total - 1] as usize;
    out.rows[u] = vec![(b'/', b'/', START)];
    out.accept[u] = 0x5;
    out
}

#[test]
fn any_construction_order_gives_the_reference_blob() {
    let mut rng = Rng::new(2024);
    let mut blobs = reference_blobs("features.all");
    blobs.extend(corpus_blobs("features.extended-perms-policydb", &[]));
    for blob in blobs {
        let d = binpolicy::dfa::Dfa::decode(&blob, 0).expect("decodes");
        let a = from_decoded(&d);
        let s = scrambled(&a, &mut rng);
        assert_eq!(same_language(&a, &s), None, "scrambling keeps the language");
        let m = minimize_with(&s, &MinimizeOptions::REFERENCE);
        assert_eq!(
            m, a,
            "minimising a scrambled automaton gives the reference's"
        );
        let opts = PackOptions {
            accept2: d.table(binpolicy::dfa::id::ACCEPT2).is_some(),
            ..PackOptions::default()
        };
        assert_eq!(pack(&m, &opts).expect("packs").to_blob(), blob);
    }
}

/// Every top-level profile of the upstream corpus through the reference:
/// how many of its automata minimise back to themselves with
/// [`MinimizeOptions::REFERENCE`] and re-pack byte-identical.
#[test]
fn survey_upstream_corpus() {
    let upstream = shared().join("corpora/upstream");
    let base = upstream.to_string_lossy().into_owned();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&upstream)
        .expect("the corpus reads")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    names.sort();
    for features in ["features.all", "features.extended-perms-policydb"] {
        survey(&names, &["-b", &base, "-I", &base], features);
    }
}

fn survey(names: &[PathBuf], args: &[&str], features: &str) {
    let (mut profiles, mut blobs, mut same_states, mut identical) = (0, 0, 0, 0);
    let (mut states, mut time) = (0usize, std::time::Duration::ZERO);
    for path in names {
        let program = shared().join("oracle/apparmor_parser");
        let out = Command::new(&program)
            .arg("--config-file=/dev/null")
            .arg("-M")
            .arg(features_file(features))
            .args(["-K", "-Q", "-S"])
            .args(args)
            .arg(path)
            .stderr(Stdio::null())
            .output()
            .expect("the reference runs");
        if !out.status.success() || out.stdout.is_empty() {
            continue;
        }
        profiles += 1;
        for blob in aadfa_blobs(&out.stdout) {
            blobs += 1;
            let d = binpolicy::dfa::Dfa::decode(&blob, 0).expect("decodes");
            verify_with(
                &blob,
                &VerifyOptions {
                    accept2: d.table(binpolicy::dfa::id::ACCEPT2).is_some(),
                    state32: false,
                },
            )
            .expect("the reference's blob passes");
            let a = from_decoded(&d);
            states += a.len();
            let t0 = Instant::now();
            let m = minimize_with(&a, &MinimizeOptions::REFERENCE);
            let opts = PackOptions {
                accept2: d.table(binpolicy::dfa::id::ACCEPT2).is_some(),
                ..PackOptions::default()
            };
            let ours = pack(&m, &opts).expect("packs").to_blob();
            time += t0.elapsed();
            if m == a {
                same_states += 1;
            } else {
                eprintln!(
                    "{}: an automaton of {} states renumbers",
                    path.display(),
                    a.len()
                );
            }
            if ours == blob {
                identical += 1;
            }
        }
    }
    eprintln!(
        "{features}: {profiles} profiles, {blobs} automata ({states} states): {same_states} minimise to themselves, {identical} re-pack byte-identical; minimise+pack {time:?}"
    );
    assert_eq!(identical, blobs);
}

/// An automaton of one word: the trap state, then a state per byte read,
/// the last accepting with `accept`.
fn word(w: &[u8], accept: u32) -> Automaton {
    let n = w.len() + 2;
    let mut a = Automaton {
        rows: vec![Vec::new(); n],
        accept: vec![0; n],
        accept2: vec![0; n],
    };
    for (i, &c) in w.iter().enumerate() {
        a.rows[i + 1] = vec![(c, c, i as u32 + 2)];
    }
    a.accept[n - 1] = accept;
    a
}

#[test]
fn out_of_band_transitions_chain_parts_and_pack_before_the_base() {
    let parts = [word(b"/a", 1), word(b"\0x", 1), word(b"\0y", 1)];
    let (a, oob) = crate::aare::automaton::chain_out_of_band(&parts);
    // the trap state, then 3 + 3 + 3 states: each part's accepting state
    // goes out of band to the next part's start
    assert_eq!(a.len(), 10);
    assert_eq!(
        oob,
        vec![TRAP, TRAP, TRAP, 4, TRAP, TRAP, 7, TRAP, TRAP, TRAP]
    );
    assert_eq!(a.walk(b"/a"), 3);
    assert_eq!(a.next(4, 0), 5);
    assert_eq!(a.next(8, b'y'), 9);
    let opts = PackOptions::default();
    let t = pack_with_oob(&a, &oob, &opts).expect("packs");
    assert_eq!(t.flags, flag::OOB);
    let blob = t.to_blob();
    verify_with(&blob, &VerifyOptions::default()).expect("our blob passes the kernel's checks");
    let d = binpolicy::dfa::Dfa::decode(&blob, 0).expect("our blob decodes");
    for s in 0..a.len() as u32 {
        for c in 0..=255u8 {
            assert_eq!(d.next(s, c), a.next(s, c), "state {s} byte {c}");
        }
        // the kernel's out-of-band step: flagged base, one slot before it
        let b = t.base[s as usize];
        if oob[s as usize] == TRAP {
            assert_eq!(b & MATCH_FLAG_OOB_TRANSITION, 0, "state {s}");
        } else {
            assert_ne!(b & MATCH_FLAG_OOB_TRANSITION, 0, "state {s}");
            let pos = (b & BASE_MASK) as usize - 1;
            assert_eq!(t.check[pos], s);
            assert_eq!(t.next[pos], oob[s as usize]);
        }
    }
    // no out-of-band transition: the tables of `pack`
    let none = vec![TRAP; a.len()];
    assert_eq!(pack_with_oob(&a, &none, &opts), pack(&a, &opts));
    assert!(pack_with_oob(&a, &none[1..], &opts).is_err());
}
