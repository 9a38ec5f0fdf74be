use promctl::report::Reporter;

use super::{load_values, render_checked};
use crate::cli::{GlobalArgs, RbacCommand};

pub fn exec(global: &GlobalArgs, command: &RbacCommand, reporter: &Reporter) -> anyhow::Result<u8> {
    let (what, args) = match command {
        RbacCommand::Validate(args) => ("validate", args),
        RbacCommand::Install(args) => ("install", args),
    };
    let values = load_values(global, &args.values)?;
    let manifest = match command {
        RbacCommand::Validate(_) => promctl::render::ci_rbac_validate(&values, &args.service_account)?,
        RbacCommand::Install(_) => {
            let rendered = render_checked(&values, &args.values)?.rendered;
            promctl::render::ci_rbac_install(&values, &rendered, &args.service_account)?
        }
    };
    reporter.text(manifest.trim_end());
    let documents: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&manifest).map_err(|e| anyhow::anyhow!("the RBAC for {what}: {e}"))?;
    reporter.document(&serde_json::json!({ "command": format!("rbac {what}"), "manifests": documents }));
    Ok(0)
}
