//! `--fix`: the deprecated AppArmor annotations rewritten as the
//! `securityContext.appArmorProfile` fields they stand for, and those a
//! workload carries on its own metadata (where they have no effect) moved
//! into its pod template as the same fields.
//!
//! Only the lines concerned are edited: a field is inserted into the
//! container's mapping (or its existing `securityContext`), and the
//! annotation's line is deleted (unless asked to keep it). Everything else
//! — comments, key order, quoting, indentation — stays as written. Flow
//! style (`{...}`, JSON) is left alone, as are annotations that disagree
//! with a field (that is an error for the author to settle).

use super::profile::{ANNOTATION_PREFIX, Field, Profile, yaml_quote};
use super::workload::{self, Site};
use super::yaml::{Node, Stream};

#[derive(Clone, Copy, Debug, Default)]
pub struct FixOptions {
    /// Keep the annotations next to the new fields (for clusters older
    /// than 1.30, which ignore the fields).
    pub keep_annotations: bool,
}

#[derive(Debug, Default)]
pub struct FixOutcome {
    /// The new text (equal to the input when nothing changed).
    pub text: String,
    /// Annotations migrated.
    pub migrated: usize,
    /// Annotations that could not be migrated, and why.
    pub skipped: Vec<String>,
}

struct Edit {
    start: usize,
    end: usize,
    text: String,
}

pub fn migrate(text: &str, stream: &Stream, opts: FixOptions) -> FixOutcome {
    let mut edits: Vec<Edit> = Vec::new();
    let mut out = FixOutcome::default();
    for doc in &stream.documents {
        for obj in workload::objects(&doc.root) {
            if let Some(site) = workload::site(obj) {
                migrate_site(text, &site, opts, &mut edits, &mut out);
            }
        }
    }
    edits.sort_by_key(|e| (e.start, e.end));
    // overlapping edits would mean a bug here: then change nothing
    if edits.windows(2).any(|w| w[0].end > w[1].start) {
        out.skipped
            .push("internal: overlapping edits; nothing was changed".into());
        out.migrated = 0;
        out.text = text.to_string();
        return out;
    }
    let mut result = text.to_string();
    for e in edits.iter().rev() {
        result.replace_range(e.start..e.end, &e.text);
    }
    out.text = result;
    out
}

fn migrate_site(
    text: &str,
    site: &Site<'_>,
    opts: FixOptions,
    edits: &mut Vec<Edit>,
    out: &mut FixOutcome,
) {
    // the containers given a field by this fix, and the profile
    let mut inserted: Vec<(usize, Profile)> = Vec::new();
    let template_ann = site.meta.and_then(|m| m.get("annotations"));
    if let Some(meta) = site.meta {
        migrate_block(text, site, meta, None, opts, &mut inserted, edits, out);
    }
    // a workload's own metadata is read by nobody: its AppArmor
    // annotations move to the pod template as fields
    if !site.prefix.is_empty()
        && let Some(meta) = site.object.get("metadata")
        && !site.meta.is_some_and(|m| std::ptr::eq(m, meta))
    {
        migrate_block(
            text,
            site,
            meta,
            Some(template_ann),
            opts,
            &mut inserted,
            edits,
            out,
        );
    }
}

/// Migrate the AppArmor annotations of one `metadata` mapping. `misplaced`
/// is `Some(the pod template's annotations)` for a workload's own
/// metadata, whose annotations have no effect: those are always deleted
/// (keeping them would keep nothing), and one the pod template's own
/// annotation contradicts is left for the author.
#[allow(clippy::too_many_arguments)]
fn migrate_block(
    text: &str,
    site: &Site<'_>,
    meta: &Node,
    misplaced: Option<Option<&Node>>,
    opts: FixOptions,
    inserted: &mut Vec<(usize, Profile)>,
    edits: &mut Vec<Edit>,
    out: &mut FixOutcome,
) {
    let Some(ann) = meta.get("annotations") else {
        return;
    };
    let Some(entries) = ann.as_map() else { return };
    let containers = site.containers();
    let spec_path = site.spec_path();
    let pod_field = site
        .spec
        .and_then(|s| Field::read(s, spec_path.trim_end_matches('.')));
    let keep = opts.keep_annotations && misplaced.is_none();
    let mut removed = 0;
    for e in entries {
        let Some(name) = e
            .key
            .as_str()
            .and_then(|k| k.strip_prefix(ANNOTATION_PREFIX))
        else {
            continue;
        };
        let what = if misplaced.is_some() {
            format!(
                "{}: annotation for container `{name}` in the workload's own `metadata`",
                workload::describe(site.object)
            )
        } else {
            format!(
                "{}: annotation for container `{name}`",
                workload::describe(site.object)
            )
        };
        let Some(profile) = e.value.as_str().and_then(Profile::from_annotation) else {
            out.skipped
                .push(format!("{what}: the value is not a valid profile"));
            continue;
        };
        let Some(c) = containers.iter().find(|c| c.name == Some(name)) else {
            out.skipped.push(format!("{what}: no such container"));
            continue;
        };
        if let Some(Some(t)) = misplaced
            && let Some(v) = e.key.as_str().and_then(|k| t.get(k))
            && v.as_str().and_then(Profile::from_annotation).as_ref() != Some(&profile)
        {
            out.skipped.push(format!(
                "{what}: the pod template's annotation says otherwise"
            ));
            continue;
        }
        let at = c.node.span.start as usize;
        let cfield = Field::read(c.node, &c.path(site));
        let done = inserted.iter().find(|(s, _)| *s == at).map(|(_, p)| p);
        let insert = match (done, &cfield, &pod_field) {
            (Some(p), _, _) if *p == profile => false,
            (Some(_), _, _) => {
                out.skipped
                    .push(format!("{what}: another annotation says otherwise"));
                continue;
            }
            (None, Some(f), _) if f.profile.as_ref() == Some(&profile) => false,
            (None, Some(_), _) => {
                out.skipped
                    .push(format!("{what}: the container's field says otherwise"));
                continue;
            }
            (None, None, Some(f)) if f.profile.as_ref() == Some(&profile) => false,
            (None, None, Some(_)) => {
                out.skipped
                    .push(format!("{what}: the pod's field says otherwise"));
                continue;
            }
            (None, None, None) => true,
        };
        if ann.flow || c.node.flow {
            out.skipped.push(format!("{what}: written in flow style"));
            continue;
        }
        let mut site_edits = Vec::new();
        if insert {
            match insert_field(text, c.node, &profile) {
                Some(ed) => site_edits.push(ed),
                None => {
                    out.skipped.push(format!("{what}: the container's `securityContext` has a form this fix does not edit"));
                    continue;
                }
            }
        }
        if !keep {
            match delete_lines(text, e.key.span.start as usize, e.value.span.end as usize) {
                Some(ed) => {
                    site_edits.push(ed);
                    removed += 1;
                }
                None if insert && misplaced.is_none() => {} // the field is added; the annotation stays
                None => {
                    out.skipped
                        .push(format!("{what}: shares its line with other text"));
                    continue;
                }
            }
        }
        if insert {
            inserted.push((at, profile));
        }
        edits.extend(site_edits);
        out.migrated += 1;
    }
    // an `annotations:` left empty goes too
    if removed > 0 && removed == entries.len() {
        let key = meta.entry("annotations").map(|e| &e.key);
        if let Some(k) = key
            && let Some(ed) = delete_lines(text, k.span.start as usize, k.span.end as usize + 1)
            && !edits.iter().any(|x| x.start < ed.end && ed.start < x.end)
        {
            edits.push(ed);
        }
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line holding `at`, after its newline.
fn next_line(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

fn column(text: &str, at: usize) -> usize {
    at - line_start(text, at)
}

/// Delete the whole lines from `start` to `end`, if nothing else is on
/// them but blanks and a trailing comment.
fn delete_lines(text: &str, start: usize, end: usize) -> Option<Edit> {
    let ls = line_start(text, start);
    if !text[ls..start].trim().is_empty() {
        return None;
    }
    let end = end.min(text.len());
    let le = next_line(text, end.saturating_sub(1).max(start));
    let rest = text[end.max(start)..le].trim();
    let rest = rest.strip_prefix(':').map_or(rest, str::trim_start);
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    // a trailing comment stays, on a line of its own
    let kept = if rest.is_empty() {
        String::new()
    } else {
        let newline = if text[..le].ends_with("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        format!("{}{rest}{newline}", &text[ls..start])
    };
    Some(Edit {
        start: ls,
        end: le,
        text: kept,
    })
}

fn field_lines(profile: &Profile, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut s = format!(
        "{pad}appArmorProfile:\n{pad}  type: {}\n",
        profile.type_name()
    );
    if let Profile::Localhost(n) = profile {
        s.push_str(&format!("{pad}  localhostProfile: {}\n", yaml_quote(n)));
    }
    s
}

/// Insert the field into a block-style container mapping.
fn insert_field(text: &str, container: &Node, profile: &Profile) -> Option<Edit> {
    let entries = container.as_map()?;
    let key_col = column(text, container.span.start as usize);
    if let Some(sc) = container.entry("securityContext") {
        if sc.value.flow {
            return None;
        }
        if sc.value.is_null() {
            // `securityContext:` with nothing after it
            let at = next_line(text, sc.key.span.end as usize);
            let rest = text[sc.key.span.end as usize..at].trim();
            if !(rest == ":" || rest.starts_with(':') && rest[1..].trim_start().starts_with('#')) {
                return None;
            }
            return Some(Edit {
                start: at,
                end: at,
                text: field_lines(profile, key_col + 2),
            });
        }
        let first = sc.value.as_map()?.first()?;
        let col = column(text, first.key.span.start as usize);
        let at = line_start(text, first.key.span.start as usize);
        if !text[at..first.key.span.start as usize].trim().is_empty() {
            return None;
        }
        return Some(Edit {
            start: at,
            end: at,
            text: field_lines(profile, col),
        });
    }
    // a new `securityContext` after the container's last entry
    let last = entries.last()?;
    let end = (last.value.span.end.max(last.key.span.end) as usize).min(text.len());
    let at = if text[..end].ends_with('\n') {
        end
    } else {
        next_line(text, end)
    };
    let mut s = format!("{}securityContext:\n", " ".repeat(key_col));
    s.push_str(&field_lines(profile, key_col + 2));
    // the file may end without a newline
    if at == text.len() && !text.ends_with('\n') {
        s.insert(0, '\n');
        s.pop();
    }
    Some(Edit {
        start: at,
        end: at,
        text: s,
    })
}
