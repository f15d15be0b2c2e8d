//! The node a loader runs on, as the Kubernetes API has it: the loader
//! labels it with the version of the profile tree it has loaded, so that
//! `kubectl get nodes -L aaprof.dev/tree-version` shows per node what
//! landed.
//!
//! The loader reaches the API server as every pod does: at
//! `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`, with its service
//! account's token and the cluster's CA from
//! `/var/run/secrets/kubernetes.io/serviceaccount`. It needs `patch` on
//! `nodes` (the ClusterRole `aaprof k8s loader` prints).

use anyhow::{Context, Result};
use std::path::Path;
use std::time::Duration;

/// The label that holds the version of the tree a node has fully loaded.
pub const VERSION_LABEL: &str = "aaprof.dev/tree-version";
/// The annotation that says how the node's loader stands (JSON).
pub const STATUS_ANNOTATION: &str = "aaprof.dev/tree-status";

const ACCOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// A node's object in the API, to patch.
pub struct Node {
    name: String,
    url: String,
    token_file: std::path::PathBuf,
    agent: ureq::Agent,
}

impl Node {
    /// The node named `name`, reached from inside the cluster.
    pub fn in_cluster(name: &str) -> Result<Node> {
        let host = std::env::var("KUBERNETES_SERVICE_HOST").context(
            "--node needs the Kubernetes API: KUBERNETES_SERVICE_HOST is not set (the loader is not running in a pod)",
        )?;
        let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".into());
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        let dir = Path::new(ACCOUNT);
        let ca = std::fs::read(dir.join("ca.crt"))
            .with_context(|| format!("cannot read the cluster's CA in {}", dir.display()))?;
        let certs: Vec<_> = ureq::tls::parse_pem(&ca)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            anyhow::bail!("{}/ca.crt holds no certificate", dir.display());
        }
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(Duration::from_secs(15)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Node {
            name: name.to_string(),
            url: format!("https://{host}:{port}/api/v1/nodes/{name}"),
            token_file: dir.join("token"),
            agent,
        })
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Say on the node which tree version is loaded: the label names the
    /// last version wholly loaded (a version with errors leaves it), the
    /// annotation how the last pass went.
    pub fn report(&self, version: &str, ready: bool, errors: usize) -> Result<()> {
        let body = patch(version, ready, errors);
        // the token is rotated: read it for every request
        let token = std::fs::read_to_string(&self.token_file)
            .with_context(|| format!("cannot read {}", self.token_file.display()))?;
        let mut resp = self
            .agent
            .patch(&self.url)
            .header("Authorization", &format!("Bearer {}", token.trim()))
            .content_type("application/merge-patch+json")
            .send(body.as_bytes())
            .with_context(|| format!("cannot reach the Kubernetes API at {}", self.url))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let said = resp.body_mut().read_to_string().unwrap_or_default();
            let message = serde_json::from_str::<serde_json::Value>(&said)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or(said);
            anyhow::bail!(
                "the Kubernetes API refused to label node `{}` (HTTP {status}): {message}{}",
                self.name,
                if status == 403 {
                    "; the loader's service account needs `patch` on `nodes`"
                } else {
                    ""
                }
            );
        }
        Ok(())
    }
}

/// The merge patch that reports `version` on a node.
pub fn patch(version: &str, ready: bool, errors: usize) -> String {
    let status = serde_json::json!({ "version": version, "ready": ready, "errors": errors });
    let mut meta = serde_json::json!({
        "annotations": { STATUS_ANNOTATION: status.to_string() },
    });
    if ready {
        meta["labels"] = serde_json::json!({ VERSION_LABEL: version });
    }
    serde_json::json!({ "metadata": meta }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_tree_sets_the_label_and_one_with_errors_leaves_it() {
        let v: serde_json::Value = serde_json::from_str(&patch("00ff", true, 0)).unwrap();
        assert_eq!(v["metadata"]["labels"][VERSION_LABEL], "00ff");
        let s: serde_json::Value = serde_json::from_str(
            v["metadata"]["annotations"][STATUS_ANNOTATION]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(s["ready"], true);
        let v: serde_json::Value = serde_json::from_str(&patch("00ff", false, 2)).unwrap();
        assert!(v["metadata"].get("labels").is_none());
        assert!(
            v["metadata"]["annotations"][STATUS_ANNOTATION]
                .as_str()
                .unwrap()
                .contains("\"errors\":2")
        );
    }
}
