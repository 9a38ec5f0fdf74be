use promctl::report::Reporter;

use super::load_values;
use crate::cli::{GlobalArgs, RbacCommand};

pub fn exec(global: &GlobalArgs, command: &RbacCommand, reporter: &Reporter) -> anyhow::Result<u8> {
    let RbacCommand::Validate(args) = command;
    let values = load_values(global, &args.values)?;
    let manifest = promctl::render::ci_rbac_validate(&values, &args.service_account)?;
    reporter.text(manifest.trim_end());
    let documents: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&manifest).map_err(|e| anyhow::anyhow!("ci-rbac-validate.yml: {e}"))?;
    reporter.document(&serde_json::json!({ "command": "rbac validate", "manifests": documents }));
    Ok(0)
}
