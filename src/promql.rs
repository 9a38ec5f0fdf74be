//! PromQL expressions checked before anything reaches a cluster: `validate --query` (and rule
//! expressions) are parsed by a real parser, so a typo is bad input (exit 2), not a failed query.

use promql_parser::label::MatchOp;
use promql_parser::parser::{Expr, VectorSelector};

use crate::error::Failure;

/// Ok when `expr` parses as PromQL; otherwise the parser's reason.
pub fn parse(expr: &str) -> Result<(), String> {
    if expr.trim().is_empty() {
        return Err("the expression is empty".into());
    }
    promql_parser::parser::parse(expr).map(|_| ()).map_err(|reason| reason.to_string())
}

/// The query that counts the series `expr` answers, when it answers an instant vector
/// (`count((EXPR))`): a probe needs how many, and 100,000 series are 100 MB of answer to parse. None
/// for a scalar, a string or a range vector, whose answers are asked as they are.
pub fn series_count_query(expr: &str) -> Option<String> {
    let parsed = promql_parser::parser::parse(expr).ok()?;
    (parsed.value_type() == promql_parser::parser::value::ValueType::Vector).then(|| format!("count(({expr}))"))
}

/// `--query` expressions, each parsed; the first that does not parse is named with the reason.
pub fn check_queries<'a>(exprs: impl IntoIterator<Item = &'a String>) -> Result<(), Failure> {
    for expr in exprs {
        parse(expr).map_err(|reason| {
            Failure::bad_input(format!(
                "--query {expr:?} is not valid PromQL: {reason}; fix the expression (nothing was queried)"
            ))
        })?;
    }
    Ok(())
}

/// What an expression that parses means differently on Prometheus 3 (its migration guide): each a
/// sentence naming the part and the fix. Empty for an expression that does not parse.
///
/// - Classic histograms' `le` and summaries' `quantile` labels are written as floats since 3.0
///   (`le="1.0"`, not `le="1"`): an equality matcher on an integer form matches nothing, forever.
///
/// (`holt_winters`, renamed in 3.0, is not here: the parser knows only the new name and refuses it.)
pub fn prometheus3_changes(expr: &str) -> Vec<String> {
    let mut changes = Vec::new();
    each_node(expr, |node| {
        let matchers = selector(node)
            .into_iter()
            .flat_map(|s| s.matchers.matchers.iter().chain(s.matchers.or_matchers.iter().flatten()));
        for m in matchers {
            let integer =
                !m.value.is_empty() && m.value.trim_start_matches(['+', '-']).bytes().all(|b| b.is_ascii_digit());
            if matches!(m.name.as_str(), "le" | "quantile")
                && matches!(m.op, MatchOp::Equal | MatchOp::NotEqual)
                && integer
            {
                let (name, op, value) = (&m.name, &m.op, &m.value);
                changes.push(format!(
                    "{name}{op}\"{value}\" never matches on Prometheus 3, which writes {name}=\"{value}.0\" \
                     (bucket bounds and quantiles are floats since 3.0); write {name}{op}\"{value}.0\", \
                     or {name}=~\"{value}(\\\\.0)?\" for both majors"
                ));
            }
        }
    });
    changes
}

/// What a recording rule reads and whether it may rightly produce nothing: the metric names of its
/// selectors (those that name one), and whether it filters (a comparison without `bool`, `and`,
/// `unless`, `absent`), in which case an empty result can be the answer rather than a mistake.
pub struct RuleInputs {
    pub metrics: Vec<String>,
    pub filters: bool,
}

/// None for an expression that does not parse.
pub fn rule_inputs(expr: &str) -> Option<RuleInputs> {
    let mut reads = RuleInputs { metrics: Vec::new(), filters: false };
    each_node(expr, |node| {
        match node {
            Expr::Binary(binary) => {
                let returns_bool = binary.modifier.as_ref().is_some_and(|m| m.return_bool);
                let op = binary.op.to_string();
                reads.filters |=
                    matches!(op.as_str(), "and" | "unless") || (binary.op.is_comparison_operator() && !returns_bool);
            }
            Expr::Call(call) => reads.filters |= call.func.name.starts_with("absent"),
            _ => {}
        }
        if let Some(selector) = selector(node) {
            let by_matcher =
                selector.matchers.matchers.iter().find(|m| m.name == "__name__" && matches!(m.op, MatchOp::Equal));
            if let Some(name) = selector.name.clone().or_else(|| by_matcher.map(|m| m.value.clone()))
                && !reads.metrics.contains(&name)
            {
                reads.metrics.push(name);
            }
        }
    })?;
    Some(reads)
}

/// Calls `visit` on every node of `expr`'s syntax tree, parents first; None when it does not parse.
fn each_node(expr: &str, visit: impl FnMut(&Expr)) -> Option<()> {
    struct Visit<F>(F);
    impl<F: FnMut(&Expr)> promql_parser::util::ExprVisitor for Visit<F> {
        type Error = std::convert::Infallible;
        fn pre_visit(&mut self, expr: &Expr) -> Result<bool, Self::Error> {
            (self.0)(expr);
            Ok(true)
        }
    }
    let parsed = promql_parser::parser::parse(expr).ok()?;
    let _ = promql_parser::util::walk_expr(&mut Visit(visit), &parsed);
    Some(())
}

/// The selector of an instant or range selector node.
fn selector(node: &Expr) -> Option<&VectorSelector> {
    match node {
        Expr::VectorSelector(selector) => Some(selector),
        Expr::MatrixSelector(matrix) => Some(&matrix.vs),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vector_probe_is_counted_by_prometheus_and_other_answers_are_asked_as_they_are() {
        assert_eq!(series_count_query("up").as_deref(), Some("count((up))"));
        assert_eq!(
            series_count_query("sum by (job) (rate(x[5m])) > 0").as_deref(),
            Some("count((sum by (job) (rate(x[5m])) > 0))")
        );
        for other in ["1", "time()", "up[5m]", "\"text\""] {
            assert_eq!(series_count_query(other), None, "{other}");
        }
    }

    #[test]
    fn valid_expressions_pass() {
        for expr in
            ["up", "pg_up == 1", "sum by (job) (rate(http_requests_total[5m])) > 0", r#"{__name__=~"django_.*"}"#]
        {
            assert_eq!(parse(expr), Ok(()), "{expr}");
        }
    }

    #[test]
    fn broken_expressions_are_bad_input_with_the_reason() {
        let err = check_queries(&["up".to_string(), "sum(".to_string()]).unwrap_err();
        assert_eq!(err.kind, crate::error::FailureKind::BadInput);
        assert_eq!(
            err.message,
            r#"--query "sum(" is not valid PromQL: unclosed left parenthesis; fix the expression (nothing was queried)"#
        );
        assert!(parse("  ").is_err());
    }

    #[test]
    fn a_rule_s_inputs_are_its_named_selectors_and_filters_are_told_apart() {
        let inputs =
            rule_inputs(r#"sum by (job) (rate(http_request_duration_seconds_bucket{le="1"}[5m])) / ignoring(le) up"#)
                .unwrap();
        assert_eq!(inputs.metrics, ["http_request_duration_seconds_bucket", "up"]);
        assert!(!inputs.filters);
        for filtering in ["up == 0", "sum(up) > 1", "up and on() vector(1)", "absent(up)", "x unless y"] {
            assert!(rule_inputs(filtering).unwrap().filters, "{filtering}");
        }
        assert!(!rule_inputs("up == bool 0").unwrap().filters);
        assert_eq!(rule_inputs(r#"{__name__="up", job="a"}"#).unwrap().metrics, ["up"]);
        assert!(rule_inputs(r#"{__name__=~"up|x"}"#).unwrap().metrics.is_empty());
    }

    /// Issue 18's finding: with Prometheus 3, a rule matching le="1" returned nothing forever.
    #[test]
    fn integer_le_and_quantile_matchers_are_named_for_prometheus_3() {
        let changes = prometheus3_changes(
            r#"sum(rate(http_request_duration_seconds_bucket{le="1"}[5m])) / on() group_left x{quantile!="1"}"#,
        );
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(
            changes[0].starts_with(r#"le="1" never matches on Prometheus 3, which writes le="1.0""#),
            "{}",
            changes[0]
        );
        assert!(changes[0].contains(r#"write le="1.0", or le=~"1(\\.0)?" for both majors"#), "{}", changes[0]);
        assert!(changes[1].starts_with(r#"quantile!="1" never matches"#), "{}", changes[1]);
        for fine in [
            r#"x_bucket{le="1.0"}"#,
            r#"x_bucket{le="+Inf"}"#,
            r#"x_bucket{le=~"1|5"}"#,
            r#"x{quantile="0.99"}"#,
            "up",
            "sum(",
        ] {
            assert!(prometheus3_changes(fine).is_empty(), "{fine}");
        }
    }
}
