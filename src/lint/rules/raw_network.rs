//! ## What it does
//! Flags network rules that grant raw or packet sockets: `network raw`,
//! `network packet`, `network inet raw`, `network inet6 raw` (a `raw`
//! socket of another domain, such as `netlink`, is not flagged).
//!
//! ## Why is this bad?
//! Raw and packet sockets let a program forge any packet and sniff traffic
//! that is not its own. Only tools such as `ping`, DHCP clients and packet
//! capture need them.
//!
//! ## Example
//! ```apparmor
//! network raw,
//! ```
//!
//! ## Use instead
//! ```apparmor
//! network inet dgram,
//! ```

use crate::check::{Family, family};
use crate::diag::Diagnostic;
use crate::lint::facts::qualifiers;
use crate::lint::{Context, finding};
use crate::syntax::ast::Elem;

rule!("L213", "raw-network", Security, Info, true, None);

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for pf in &cx.facts().profiles {
        for r in pf.others.iter().filter(|r| cx.is_local(r.span)) {
            if qualifiers(&r.prefix).0 || family(r) != Family::Network {
                continue;
            }
            let words: Vec<&crate::syntax::ast::Word> = r
                .elems
                .iter()
                .skip(1)
                .filter_map(|e| match e {
                    Elem::Word(w) => Some(w),
                    _ => None,
                })
                .collect();
            // `raw` sockets of other domains (netlink) are ordinary
            let ip_domain = words
                .first()
                .is_none_or(|w| matches!(w.text.as_str(), "raw" | "inet" | "inet6"));
            let raw = words
                .iter()
                .find(|w| w.text == "packet" || (w.text == "raw" && ip_domain))
                .copied();
            if let Some(w) = raw {
                out.push(
                    finding(
                        &RULE,
                        w.span,
                        format!("`{}` sockets let the program forge and capture packets", w.text),
                    )
                    .help("grant the socket types the program uses, e.g. `network inet dgram,`"),
                );
            }
        }
    }
}
