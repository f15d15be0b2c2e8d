//! `aaprof graph`: profiles and the transitions between them, as JSON
//! (checked edge by edge), as Graphviz text (read by Graphviz's own
//! `dot`) and as SVG drawn without Graphviz (read by an XML parser).

use super::cli::{aaprof, stderr, stdout, tmpdir};
use super::support::{repo, shared};
use std::process::Command;

const WEB: &str = "profile web /usr/sbin/web {
  /usr/bin/helper Px,
  /usr/bin/tool Px -> tool,
  /usr/bin/gone Px -> nothere,
  /usr/bin/sh ux,
  /usr/bin/cat ix,
  /usr/bin/child Cx -> kid,
  /usr/bin/other pix,
  /usr/bin/else PUx,
  deny /usr/bin/denied x,
  change_profile -> other,
  change_profile /usr/bin/x -> &stacked,
  profile kid {
    /usr/bin/** ix,
  }
  ^hat {
    /bin/true ix,
  }
}
profile helper /usr/bin/helper {
  change_profile,
}
profile tool {
}
profile other {
}
profile stacked {
}
";

fn graph(args: &[&str]) -> std::process::Output {
    let mut all = vec!["graph"];
    all.extend_from_slice(args);
    aaprof(&all, None, &repo())
}

/// Each edge as `from -> to how mode [leaves]`.
fn edges(json: &str) -> Vec<String> {
    let g: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let name = |i: &serde_json::Value| {
        g["nodes"][i.as_u64().unwrap() as usize]["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut out: Vec<String> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} -> {} {} {}{}",
                name(&e["from"]),
                name(&e["to"]),
                e["how"].as_str().unwrap(),
                e["mode"].as_str().unwrap(),
                if e["leaves"] == true { " leaves" } else { "" }
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_kind_of_transition_goes_where_the_kernel_sends_it() {
    let dir = tmpdir("graph-web");
    let p = dir.join("web");
    std::fs::write(&p, WEB).unwrap();
    let o = graph(&["--format", "json", &p.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        edges(&stdout(&o)),
        [
            // change_profile without a target: to any profile
            "helper -> * change-profile  leaves",
            "web -> helper exec Px", // no target: the profile attached to the path
            "web -> nothere exec Px leaves", // a profile that is not there
            "web -> other change-profile ",
            "web -> stacked stack ",
            "web -> tool exec Px",
            // PUx (written Pux) with no profile for the path: unconfined
            "web -> unconfined exec Pux leaves",
            "web -> unconfined exec ux leaves",
            "web -> web exec ix",
            // pix with no profile for the path falls back to inherit
            "web -> web exec pix",
            "web -> web//hat change-hat ^",
            "web -> web//kid exec Cx",
            "web//hat -> web//hat exec ix",
            "web//kid -> web//kid exec ix",
        ]
    );
    let g: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // every edge says which rule makes it, where
    let tool = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rules"][0]["rule"] == "/usr/bin/tool Px -> tool")
        .expect("the edge of the rule");
    assert_eq!(tool["rules"][0]["at"]["line"], 3);
    assert_eq!(tool["rules"][0]["at"]["column"], 3);
}

#[test]
fn a_corpus_profiles_reach_is_its_exec_rules_targets() {
    // im-launch (apparmor.d): rix, rpx, rPx and rPUx rules, their
    // targets attached by path in other files of the tree
    let root = shared().join("corpora");
    let o = aaprof(
        &[
            "graph",
            "--format",
            "json",
            "-b",
            "apparmor.d",
            "-I",
            "apparmor.d/mappings",
            "apparmor.d/profiles",
            "--from",
            "im-launch",
            "--depth",
            "1",
        ],
        None,
        &root,
    );
    // files of the tree with errors are left out, and said so
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("left out of the graph"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        edges(&stdout(&o)),
        [
            "im-launch -> dpkg-query exec px",
            "im-launch -> gnome-session-binary exec Px",
            "im-launch -> gsettings exec Px",
            "im-launch -> ibus-daemon exec Px",
            "im-launch -> im-launch exec ix",
            "im-launch -> startplasma exec Px",
            "im-launch -> startxfce exec Px",
            "im-launch -> unconfined exec Pux leaves",
        ]
    );
}

#[test]
fn dot_is_read_by_graphviz_and_svg_by_an_xml_parser() {
    let dir = tmpdir("graph-formats");
    let p = dir.join("web");
    std::fs::write(&p, WEB).unwrap();
    let path = p.display().to_string();
    let dot = dir.join("web.dot");
    let o = graph(&["--format", "dot", &path, "-o", &dot.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = Command::new("dot")
        .arg("-Tsvg")
        .arg(&dot)
        .output()
        .expect("Graphviz's dot (Debian's graphviz, which the test command installs)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = dir.join("web.svg");
    let o = graph(&[&path, "-o", &svg.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    for n in ["web//kid", "unconfined", "nothere", "/usr/bin/tool"] {
        assert!(text.contains(n), "{n} is not drawn");
    }
    let parsed = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith('svg'), r.tag",
        ])
        .arg(&svg)
        .output()
        .expect("python3");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    // nothing to draw is drawn as an empty picture, not a failure
    let empty = dir.join("empty");
    std::fs::write(&empty, "# no profile\n").unwrap();
    let o = graph(&[&empty.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("<svg"), "{}", stdout(&o));
}

#[test]
fn bad_requests_say_what_is_wrong() {
    let dir = tmpdir("graph-bad");
    let p = dir.join("web");
    std::fs::write(&p, WEB).unwrap();
    let path = p.display().to_string();
    let o = graph(&[&path, "--from", "nosuch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no profile `nosuch`"), "{}", stderr(&o));
    let o = graph(&[&path, "--depth", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--from"), "{}", stderr(&o));
    let o = graph(&[&dir.join("missing").display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
}
