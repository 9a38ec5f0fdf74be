//! Prometheus durations (`1h30m`, `15s`, `500ms`), parsed by Prometheus's own rules, which differ
//! from humantime's and jiff's (units at most once, largest first, `y` = 365d, no fractions).

use std::time::Duration;

/// Parses a Prometheus duration (`1h30m`, `15s`, `500ms`, `30d`, `0`): units y w d h m s ms, each at
/// most once and from largest to smallest, as Prometheus's model.ParseDuration requires.
pub fn parse_duration(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration::ZERO);
    }
    const UNITS: [(&str, u64); 7] = [
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("ms", 1),
        ("m", 60_000),
        ("s", 1_000),
    ];
    // Order in which units must appear (ms is smallest although it is matched before m).
    const ORDER: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    let mut rest = s;
    let mut millis: u64 = 0;
    let mut last_rank = None;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, factor) = UNITS.iter().find(|(unit, _)| rest.starts_with(unit))?;
        rest = &rest[unit.len()..];
        let rank = ORDER.iter().position(|u| u == unit)?;
        if last_rank.is_some_and(|last| rank <= last) {
            return None;
        }
        last_rank = Some(rank);
        millis = millis.checked_add(number.checked_mul(*factor)?)?;
    }
    (!s.is_empty()).then(|| Duration::from_millis(millis))
}

/// A Prometheus duration as written in values (`15s`, `1m`, `90d`), parsed by [`parse_duration`]:
/// the same rules Prometheus loads it with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromDuration(String);

impl PromDuration {
    pub fn parse(text: &str) -> Result<Self, String> {
        match parse_duration(text) {
            Some(_) => Ok(PromDuration(text.to_string())),
            None => Err("is not a duration; use a Prometheus duration like 15s or 1m".into()),
        }
    }

    pub fn duration(&self) -> Duration {
        parse_duration(&self.0).unwrap_or_default()
    }
}
crate::quantity::parsed_text!(PromDuration, "A Prometheus duration: 15s, 1m, 1h30m, 90d");

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn prometheus_rules_apply() {
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("30m1h"), None, "largest unit first");
        assert_eq!(parse_duration("1.5h"), None, "no fractions");
        assert_eq!(parse_duration(""), None);
    }
}
