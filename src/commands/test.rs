use promctl::error::Failure;
use promctl::ops::rule_tests::{Runner, test_rules};
use promctl::report::{Reporter, junit_xml};
use promctl::rule_tests::TestSource;

use super::{cluster_options, document, load_values, render_checked};
use crate::cli::{GlobalArgs, TestCommand, TestRulesArgs};

pub async fn exec(global: &GlobalArgs, command: &TestCommand, reporter: &mut Reporter) -> anyhow::Result<u8> {
    match command {
        TestCommand::Rules(args) => rules(global, args, reporter).await,
    }
}

async fn rules(global: &GlobalArgs, args: &TestRulesArgs, reporter: &mut Reporter) -> anyhow::Result<u8> {
    let values = load_values(global, &args.values)?;
    let checked = render_checked(&values, &args.values)?;
    let mut tests = Vec::new();
    for path in &args.tests {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::bad_input(format!("test rules: cannot read {}: {e}; check the path", path.display()))
        })?;
        tests.push(TestSource { origin: path.display().to_string(), text });
    }
    let runner = match &args.promtool {
        Some(path) => Runner::Local(path.clone()),
        None => Runner::Pod { cluster: cluster_options(global), timeout: global.timeout },
    };
    let report = test_rules(&checked, &values, &tests, &runner, &mut |p| reporter.show(p)).await?;
    let checks: Vec<_> = report.results.iter().map(|r| r.check()).collect();
    for check in &checks {
        reporter.text(&reporter.check_line(check));
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, junit_xml("test rules", &checks))
            .map_err(|e| Failure::bad_input(format!("cannot write --junit {}: {e}", path.display())))?;
    }
    reporter.document(&document("test rules", &report)?);
    report.verdict()?;
    let files = match report.results.len() {
        1 => "the test file".to_string(),
        n => format!("all {n} test files"),
    };
    reporter.text(&format!("{files} passed (promtool: {}; rules: {})", report.promtool, report.rule_files.join(", ")));
    Ok(0)
}
