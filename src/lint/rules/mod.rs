//! The rules, one file each. A new rule is its file plus one line in the
//! table below (and its fixtures under `tests/fixtures/lint/`).

use super::registry::Rule;

/// Shorthand for a rule's declaration.
macro_rules! rule {
    ($id:literal, $name:literal, $cat:ident, $sev:ident, $on:expr, $fix:ident) => {
        pub const RULE: $crate::lint::RuleDef = $crate::lint::RuleDef {
            code: $crate::diag::Code {
                id: $id,
                name: $name,
                severity: $crate::diag::Severity::$sev,
            },
            category: $crate::lint::Category::$cat,
            default_on: $on,
            fix: $crate::lint::FixAvailability::$fix,
        };
    };
}

macro_rules! registry {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every rule, in code order.
        pub static RULES: &[Rule] = &[$(
            Rule {
                def: $module::RULE,
                check: $module::check,
                source: include_str!(concat!(stringify!($module), ".rs")),
                module: stringify!($module),
            },
        )*];
    };
}

registry! {
    // L0xx: suppression comments
    unknown_suppression,
    unused_suppression,
    // L1xx: correctness
    redundant_rule,
    deny_shadows_allow,
    unused_variable,
    dir_without_slash,
    regex_in_aare,
    missing_self_read,
    duplicate_include,
    mixed_profile_modes,
    missing_attach_disconnected,
    missing_child_profile,
    missing_base_abstraction,
    unquoted_whitespace,
    duplicate_profile,
    // L2xx: security
    unconfined_exec,
    pix_fallback,
    wide_exec_glob,
    write_exec_same_path,
    too_wide,
    missing_owner,
    dangerous_capability,
    sensitive_path,
    risky_abstraction,
    bare_rule_class,
    unconfined_profile,
    change_profile_any,
    raw_network,
    profile_not_enforcing,
    // L3xx: style
    missing_local_include,
    trailing_whitespace,
    tab_indentation,
    indentation,
    perm_order,
    rule_order,
    profile_name_mismatch,
    missing_vim_modeline,
    prefer_tunable,
    missing_spdx_header,
    // L4xx: portability
    abi_missing_feature,
    usrmerge_path,
    utils_incompatible,
    hash_include,
    path_as_name,
    missing_abi,
}
