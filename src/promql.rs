//! PromQL expressions checked before anything reaches a cluster: `validate --query` (and rule
//! expressions) are parsed by a real parser, so a typo is bad input (exit 2), not a failed query.

use crate::error::Failure;

/// Ok when `expr` parses as PromQL; otherwise the parser's reason.
pub fn parse(expr: &str) -> Result<(), String> {
    if expr.trim().is_empty() {
        return Err("the expression is empty".into());
    }
    promql_parser::parser::parse(expr).map(|_| ()).map_err(|reason| reason.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
