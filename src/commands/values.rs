use promctl::report::Reporter;
use promctl::values::{DEFAULTS, json_schema};

use crate::cli::ValuesCmdArgs;

pub fn exec(args: &ValuesCmdArgs, reporter: &Reporter) -> anyhow::Result<u8> {
    if args.schema {
        // The schema is the document: printed as JSON whatever --output says (editors read JSON).
        promctl::report::write_stdout(&serde_json::to_string_pretty(&json_schema())?);
        return Ok(0);
    }
    reporter.text(DEFAULTS.trim_end());
    reporter.document(&serde_json::json!({ "values_yaml": DEFAULTS }));
    Ok(0)
}
