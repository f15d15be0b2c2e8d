//! A decoded policy as readable text (`aaprof inspect`).

use super::dfa::Dfa;
use super::{Element, Value, records};
use std::fmt::Write;

/// Describe a binary policy: each record's fields in order, with each
/// automaton's size and its accepting states; with `states`, every
/// state's transitions too.
pub fn describe(bytes: &[u8], states: bool) -> Result<String, super::DecodeError> {
    let elements = super::decode(bytes)?;
    let recs = records(&elements)?;
    let mut out = String::new();
    let _ = writeln!(out, "{} bytes, {} records", bytes.len(), recs.len());
    for r in &recs {
        out.push('\n');
        let _ = write!(out, "profile {}", r.name().unwrap_or("?"));
        if let Some(ns) = &r.namespace {
            let _ = write!(out, " (namespace {ns})");
        }
        out.push('\n');
        match r.version {
            // the parser's abi and the policy version are encoded above
            // kernel abi 5 only
            Some(v) if v & 0x3ff > 5 => {
                let _ = writeln!(
                    out,
                    "  version 0x{v:08x}: kernel abi {}, parser abi {}, policy {}{}",
                    v & 0x3ff,
                    (v >> 12) & 0xff,
                    (v >> 20) & 0xff,
                    if v & (1 << 11) != 0 {
                        ", forced complain"
                    } else {
                        ""
                    }
                );
            }
            Some(v) => _ = writeln!(out, "  version 0x{v:08x}: kernel abi {}", v & 0x3ff),
            None => {}
        }
        // the capability words follow the flags unnamed
        let mut caps = CAPS.iter();
        let mut seen_flags = false;
        let mut prev_attachment = false;
        for e in r.profile.children().iter().skip(1) {
            let mut e = e.clone();
            let attachment = !seen_flags && e.name.as_deref() == Some("aadfa");
            match e.name.as_deref() {
                Some("flags") => {
                    seen_flags = true;
                    label(&mut e, &FLAGS);
                }
                Some("caps64") => label(&mut e, &CAPS),
                // an automaton before the flags matches the attachment
                Some("aadfa") => {
                    e.name = Some(
                        if seen_flags {
                            "file automaton"
                        } else {
                            "attachment automaton"
                        }
                        .into(),
                    )
                }
                Some("policydb") => {
                    for c in match &mut e.value {
                        Value::Struct(v) => v.iter_mut(),
                        _ => [].iter_mut(),
                    } {
                        if c.name.as_deref() == Some("aadfa") {
                            c.name = Some("policy automaton".into());
                        }
                    }
                }
                None if seen_flags => {
                    if let Some(n) = caps.next() {
                        e.name = Some(format!("capabilities {n}"));
                    }
                }
                // the attachment automaton is followed by its length
                None if prev_attachment => e.name = Some("attachment match length".into()),
                _ => {}
            }
            element(&mut out, &e, 1, states)?;
            prev_attachment = attachment;
        }
    }
    Ok(out)
}

/// The unnamed fields of `flags`.
const FLAGS: [&str; 3] = [
    "profile flags (hat = 1)",
    "mode (0 enforce, 1 complain, 2 kill, 3 unconfined, 4 prompt)",
    "audit",
];
/// The capability words, low (after the flags) and high (`caps64`).
const CAPS: [&str; 4] = ["allowed", "audited", "quieted", "reserved"];

/// Name the unnamed fields of a struct, in order.
fn label(e: &mut Element, names: &[&str]) {
    if let Value::Struct(v) = &mut e.value {
        for (c, n) in v.iter_mut().filter(|c| c.name.is_none()).zip(names) {
            c.name = Some((*n).to_string());
        }
    }
}

fn element(
    out: &mut String,
    e: &Element,
    depth: usize,
    states: bool,
) -> Result<(), super::DecodeError> {
    let pad = "  ".repeat(depth);
    let name = e.name.as_deref().unwrap_or("-");
    // (writing to a String cannot fail)
    match &e.value {
        Value::U8(v) => _ = writeln!(out, "{pad}{name}: u8 {v}"),
        Value::U16(v) => _ = writeln!(out, "{pad}{name}: u16 {v}"),
        Value::U32(v) => _ = writeln!(out, "{pad}{name}: 0x{v:x}"),
        Value::U64(v) => _ = writeln!(out, "{pad}{name}: u64 {v}"),
        Value::String(s) => _ = writeln!(out, "{pad}{name}: {s:?}"),
        Value::Blob(b, at) if name == "aadfa" || name.ends_with("automaton") => {
            let dfa = Dfa::decode(b, *at)?;
            automaton(out, &pad, name, &dfa, states);
        }
        Value::Blob(b, _) => _ = writeln!(out, "{pad}{name}: {} bytes", b.len()),
        Value::Struct(v) | Value::List(v) => {
            _ = writeln!(out, "{pad}{name}:");
            for c in v {
                element(out, c, depth + 1, states)?;
            }
        }
        Value::Array(v) => {
            // arrays of numbers on one line
            let nums: Option<Vec<String>> = v
                .iter()
                .map(|c| match c.value {
                    Value::U8(x) => Some(x.to_string()),
                    Value::U16(x) => Some(x.to_string()),
                    Value::U32(x) => Some(format!("0x{x:x}")),
                    Value::U64(x) => Some(x.to_string()),
                    _ => None,
                })
                .collect();
            match nums {
                Some(n) => _ = writeln!(out, "{pad}{name}: [{}]", n.join(" ")),
                None => {
                    _ = writeln!(out, "{pad}{name}: {} entries", v.len());
                    for c in v {
                        element(out, c, depth + 1, states)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn automaton(out: &mut String, pad: &str, name: &str, dfa: &Dfa, states: bool) {
    let n = dfa.states();
    let tables: Vec<String> = dfa
        .tables
        .iter()
        .map(|t| format!("{}×{}", t.id, t.data.len()))
        .collect();
    let _ = writeln!(
        out,
        "{pad}{name}: {n} states, flags 0x{:x}, tables (id×len) {}",
        dfa.flags,
        tables.join(" ")
    );
    for s in 0..n as u32 {
        let (a, a2) = (dfa.accept(s), dfa.accept2(s));
        if a != 0 || a2 != 0 {
            let _ = writeln!(out, "{pad}  state {s}: accept 0x{a:x} accept2 0x{a2:x}");
        }
    }
    if states {
        for s in 1..n as u32 {
            let runs: Vec<String> = dfa
                .transitions(s)
                .into_iter()
                .map(|(lo, hi, to)| {
                    if lo == hi {
                        format!("{} -> {to}", byte(lo))
                    } else {
                        format!("{}-{} -> {to}", byte(lo), byte(hi))
                    }
                })
                .collect();
            let _ = writeln!(out, "{pad}  {s}: {}", runs.join(", "));
        }
    }
}

fn byte(c: u8) -> String {
    if c.is_ascii_graphic() {
        format!("{}", c as char)
    } else {
        format!("\\x{c:02x}")
    }
}
