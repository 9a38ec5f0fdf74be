use promctl::report::Reporter;
use promctl::values::DEFAULTS;

pub fn exec(reporter: &Reporter) -> anyhow::Result<u8> {
    reporter.text(DEFAULTS.trim_end());
    reporter.document(&serde_json::json!({ "values_yaml": DEFAULTS }));
    Ok(0)
}
