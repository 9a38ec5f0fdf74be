//! Writes to running pods that are not applies: touching a pod so the kubelet syncs it now, and
//! running a command in a container.

use std::hash::{Hash, Hasher};

use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::api::{Api, AttachParams, Patch, PatchParams};
use tokio::io::AsyncReadExt;

/// The kubelet refreshes ConfigMap volumes when it syncs a pod, which otherwise happens only every
/// sync period (about a minute). Touching an annotation (a hash of `config`) makes it sync now.
/// Best effort: a pod that cannot be patched keeps its own schedule.
pub async fn touch(pods: &Api<Pod>, running: &[Pod], config: &str) {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    config.hash(&mut hasher);
    let patch = serde_json::json!({"metadata": {"annotations": {"promctl.dev/config-hash": format!("{:016x}", hasher.finish())}}});
    for pod in running {
        let _ = pods.patch(&pod.name_any(), &PatchParams::default(), &Patch::Merge(&patch)).await;
    }
}

/// What a command run in a container printed, and how it ended.
#[derive(Debug, Default)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    /// The API server's message when the command failed ("command terminated with non-zero exit
    /// code: ... exit code 1"); None when it exited 0.
    pub failure: Option<String>,
}

/// Runs `command` in `container` of `pod` and collects its output and exit status.
pub async fn exec(pods: &Api<Pod>, pod: &str, container: &str, command: &[&str]) -> anyhow::Result<ExecOutput> {
    let params = AttachParams::default().container(container).stdout(true).stderr(true).stdin(false);
    let mut process = pods.exec(pod, command.iter().map(|s| s.to_string()), &params).await?;
    let mut output = ExecOutput::default();
    let (stdout, stderr) = (process.stdout(), process.stderr());
    let read_stdout = async {
        if let Some(mut stdout) = stdout {
            stdout.read_to_string(&mut output.stdout).await?;
        }
        anyhow::Ok(())
    };
    let mut stderr_text = String::new();
    let read_stderr = async {
        if let Some(mut stderr) = stderr {
            stderr.read_to_string(&mut stderr_text).await?;
        }
        anyhow::Ok(())
    };
    // Both at once: a command that fills one pipe while the other is read would never end.
    tokio::try_join!(read_stdout, read_stderr)?;
    output.stderr = stderr_text;
    let status = process.take_status();
    let _ = process.join().await;
    if let Some(status) = status
        && let Some(status) = status.await
        && status.status.as_deref() == Some("Failure")
    {
        output.failure = Some(status.message.unwrap_or_default());
    }
    Ok(output)
}
