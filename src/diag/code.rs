//! Stable diagnostic codes. A code is never reused for another meaning.

use super::Severity;
use serde::{Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code {
    /// Stable identifier, e.g. `E0101`.
    pub id: &'static str,
    /// Kebab-case name, e.g. `syntax-error`.
    pub name: &'static str,
    pub severity: Severity,
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

macro_rules! codes {
    ($($konst:ident = $id:literal, $name:literal, $sev:ident;)*) => {
        $(pub const $konst: Code = Code { id: $id, name: $name, severity: Severity::$sev };)*
        /// Every code the front end can emit.
        pub const ALL: &[Code] = &[$($konst),*];
    };
}

codes! {
    // E00xx: reading input
    IO_ERROR = "E0001", "io-error", Error;
    NOT_UTF8 = "E0002", "invalid-utf8", Error;
    INPUT_TOO_LARGE = "E0003", "input-too-large", Error;
    // E01xx: lexing and parsing
    LEX_ERROR = "E0101", "unexpected-character", Error;
    SYNTAX_ERROR = "E0102", "syntax-error", Error;
    UNTERMINATED = "E0103", "unterminated", Error;
    TRAILING_COMMA = "E0104", "variable-trailing-comma", Error;
    TOO_DEEP = "E0105", "nesting-too-deep", Error;
    // E02xx: includes
    INCLUDE_NOT_FOUND = "E0201", "include-not-found", Error;
    INCLUDE_CYCLE = "W0202", "include-cycle", Warning;
    INCLUDE_DEPTH = "E0203", "include-too-deep", Error;
    INCLUDE_UNREADABLE = "E0204", "include-unreadable", Error;
    INCLUDE_LOST = "W0205", "include-lost-in-branch", Warning;
    // E03xx: variables, booleans, conditionals, aliases
    UNDEFINED_VARIABLE = "E0301", "undefined-variable", Error;
    REDEFINED_VARIABLE = "E0302", "redefined-variable", Error;
    RECURSIVE_VARIABLE = "E0303", "recursive-variable", Error;
    BAD_VARIABLE = "E0304", "invalid-variable", Error;
    BAD_CONDITION = "E0305", "invalid-condition", Error;
    BAD_ALIAS = "E0306", "invalid-alias", Error;
    FRAGMENT_VARIABLE = "W0307", "fragment-undefined-variable", Warning;
    DEFINED_BOOLEAN = "W0308", "defined-boolean-is-false", Warning;
    // E04xx: structure
    MISPLACED = "E0401", "misplaced-item", Error;
    DUPLICATE_PROFILE = "E0402", "duplicate-profile", Error;
    BAD_PROFILE_NAME = "E0403", "invalid-profile-name", Error;
    BAD_FLAG = "E0404", "invalid-flag", Error;
    BAD_QUALIFIER = "E0405", "invalid-qualifier", Error;
    BAD_ABI = "E0406", "invalid-abi", Error;
    BAD_XATTR = "E0407", "invalid-xattrs", Error;
    // E05xx: rules
    UNKNOWN_RULE = "E0501", "unknown-rule", Error;
    BAD_PERMISSION = "E0502", "invalid-permission", Error;
    CONFLICTING_EXEC = "E0503", "conflicting-exec-modes", Error;
    UNKNOWN_NAME = "E0504", "unknown-name", Error;
    BAD_VALUE = "E0505", "invalid-value", Error;
    BAD_CONDITIONAL = "E0506", "invalid-rule-condition", Error;
    BAD_PATH = "E0507", "invalid-path", Error;
    UNSUPPORTED_FEATURE = "E0508", "unsupported-feature", Error;
    BAD_TARGET = "E0509", "invalid-exec-target", Error;
    TOO_MANY_TRANSITIONS = "E0510", "too-many-named-transitions", Error;
    BAD_PATTERN = "E0511", "invalid-pattern", Error;
    // E08xx: compiling
    NOT_COMPILED = "E0801", "not-yet-compiled", Error;
    AUTOMATON_TOO_LARGE = "E0802", "automaton-too-large", Error;
    TABLES_FAIL_KERNEL_CHECKS = "E0803", "tables-fail-kernel-checks", Error;
    // E07xx: formatting
    FORMAT_UNSTABLE = "E0701", "format-would-change-meaning", Error;
    // W: warnings (W0602, never emitted, is retired: the lint rule L406
    // missing-abi reports a missing `abi`)
    DEPRECATED = "W0601", "deprecated-syntax", Warning;
    RULE_NOT_ENFORCED = "W0603", "rule-not-enforced", Warning;
    UNKNOWN_FEATURES = "W0604", "features-file-problem", Warning;
    // K00xx: reading Kubernetes manifests
    YAML_ERROR = "K0001", "invalid-yaml", Error;
    YAML_DUPLICATE_KEY = "K0002", "duplicate-key", Error;
    MANIFEST_SHAPE = "K0003", "invalid-field-type", Error;
    // K01xx: what the API server rejects
    K8S_CONTAINER_NOT_FOUND = "K0101", "annotation-container-not-found", Error;
    K8S_INVALID_PROFILE_NAME = "K0102", "invalid-profile-name", Error;
    K8S_TYPE_REQUIRED = "K0103", "profile-type-required", Error;
    K8S_UNSUPPORTED_TYPE = "K0104", "unsupported-profile-type", Error;
    K8S_LOCALHOST_REQUIRED = "K0105", "localhost-profile-required", Error;
    K8S_PADDED = "K0106", "profile-name-padded", Error;
    K8S_TOO_LONG = "K0107", "profile-name-too-long", Error;
    K8S_LOCALHOST_FORBIDDEN = "K0108", "localhost-profile-without-localhost-type", Error;
    K8S_MISMATCH = "K0109", "annotation-field-mismatch", Error;
    K8S_WINDOWS = "K0110", "apparmor-on-windows-pod", Error;
    K8S_EPHEMERAL = "K0111", "ephemeral-containers-not-allowed", Error;
    K8S_UNKNOWN_FIELD = "K0112", "unknown-field", Error;
    // K02xx: what the kubelet or the container runtime rejects
    K8S_EMPTY_LOCALHOST = "K0201", "empty-localhost-name", Error;
    K8S_PROFILE_NOT_FOUND = "K0202", "profile-not-found", Error;
    K8S_PROFILE_NOT_LOADED = "K0203", "profile-not-loaded", Error;
    K8S_PROFILE_IS_CHILD = "K0204", "profile-is-child", Error;
    K8S_NODE_APPARMOR = "K0205", "node-needs-apparmor", Info;
    K8S_PROFILE_UNCHECKED = "K0206", "profile-existence-unchecked", Info;
    // K03xx: accepted, but wrong or weak (K0302 and K0306 are errors: the
    // pod runs without its profile, or cannot start)
    K8S_DEPRECATED_ANNOTATION = "K0301", "deprecated-annotation", Warning;
    K8S_ANNOTATION_NO_EFFECT = "K0302", "annotation-has-no-effect", Error;
    K8S_ANNOTATION_MISSPELLED = "K0303", "annotation-misspelled", Warning;
    K8S_PROFILE_NOT_ENFORCING = "K0304", "profile-not-enforcing", Warning;
    K8S_NO_ATTACH_DISCONNECTED = "K0305", "profile-without-attach-disconnected", Warning;
    K8S_PROFILE_FILE_INVALID = "K0306", "profile-file-invalid", Error;
    K8S_PSP_REMOVED = "K0307", "pod-security-policy-removed", Warning;
    // K04xx: Pod Security Admission
    K8S_PSS_UNCONFINED = "K0401", "pod-security-forbids-unconfined", Error;
}

pub fn by_id_or_name(s: &str) -> Option<Code> {
    ALL.iter().copied().find(|c| c.id == s || c.name == s)
}
