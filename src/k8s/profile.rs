//! The AppArmor setting of a pod or container, as the annotation or the
//! `appArmorProfile` field writes it.

use super::yaml::Node;

/// The prefix of the (deprecated) per-container AppArmor annotation.
pub const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";
/// The legacy PodSecurityPolicy annotations.
pub const PSP_DEFAULT: &str = "apparmor.security.beta.kubernetes.io/defaultProfileName";
pub const PSP_ALLOWED: &str = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
/// The longest `localhostProfile` the API server accepts, in bytes.
pub const MAX_PROFILE_LEN: usize = 4095;

/// What a container runs under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Profile {
    RuntimeDefault,
    Unconfined,
    Localhost(String),
}

/// The annotation value forms the API server accepts
/// (ValidateAppArmorProfileFormat).
pub fn annotation_value_valid(v: &str) -> bool {
    v.is_empty() || v == "runtime/default" || v == "unconfined" || v.starts_with("localhost/")
}

impl Profile {
    /// The profile an annotation value names; `None` for `""`, invalid
    /// values and an empty `localhost/` name.
    pub fn from_annotation(v: &str) -> Option<Profile> {
        match v {
            "runtime/default" => Some(Profile::RuntimeDefault),
            "unconfined" => Some(Profile::Unconfined),
            _ => match v.strip_prefix("localhost/") {
                Some(name) if !name.is_empty() => Some(Profile::Localhost(name.to_string())),
                _ => None,
            },
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Profile::RuntimeDefault => "RuntimeDefault",
            Profile::Unconfined => "Unconfined",
            Profile::Localhost(_) => "Localhost",
        }
    }

    pub fn annotation_value(&self) -> String {
        match self {
            Profile::RuntimeDefault => "runtime/default".into(),
            Profile::Unconfined => "unconfined".into(),
            Profile::Localhost(n) => format!("localhost/{n}"),
        }
    }

    /// The equivalent field in flow style, for messages.
    pub fn field_text(&self) -> String {
        match self {
            Profile::Localhost(n) => format!(
                "appArmorProfile: {{type: Localhost, localhostProfile: {}}}",
                yaml_quote(n)
            ),
            p => format!("appArmorProfile: {{type: {}}}", p.type_name()),
        }
    }
}

/// A scalar as YAML would need it written to read back as the same string.
pub fn yaml_quote(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
        )
        && s.parse::<f64>().is_err();
    if plain_ok {
        s.to_string()
    } else {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}

/// An `appArmorProfile` field as written.
#[derive(Debug)]
pub struct Field<'a> {
    /// The `appArmorProfile` key.
    pub key: &'a Node,
    pub node: &'a Node,
    /// `spec.securityContext.appArmorProfile` and the like.
    pub path: String,
    pub type_node: Option<&'a Node>,
    pub profile_node: Option<&'a Node>,
    /// What it means, when it is valid.
    pub profile: Option<Profile>,
}

impl<'a> Field<'a> {
    /// Read `securityContext.appArmorProfile` of a pod spec or container;
    /// `path` is the path of that pod spec or container.
    pub fn read(owner: &'a Node, path: &str) -> Option<Field<'a>> {
        let entry = owner.get("securityContext")?.entry("appArmorProfile")?;
        if entry.value.is_null() {
            return None;
        }
        let node = &entry.value;
        let type_node = node.get("type").filter(|n| !n.is_null());
        let profile_node = node.get("localhostProfile").filter(|n| !n.is_null());
        let profile = match type_node.and_then(Node::as_str) {
            Some("RuntimeDefault") if profile_node.is_none() => Some(Profile::RuntimeDefault),
            Some("Unconfined") if profile_node.is_none() => Some(Profile::Unconfined),
            Some("Localhost") => profile_node
                .and_then(Node::as_str)
                .filter(|p| !p.is_empty() && p.trim() == *p && p.len() <= MAX_PROFILE_LEN)
                .map(|p| Profile::Localhost(p.to_string())),
            _ => None,
        };
        Some(Field {
            key: &entry.key,
            node,
            path: format!("{path}.securityContext.appArmorProfile"),
            type_node,
            profile_node,
            profile,
        })
    }
}
