//! Kubernetes quantities (`500m`, `1Gi`, `20G`), exact: parsed to thousandths, and rendered in the
//! canonical form the API server stores (so that a re-apply is a no-op).

const DECIMAL_SUFFIXES: [&str; 8] = ["m", "", "k", "M", "G", "T", "P", "E"];
const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/// A Kubernetes quantity as an exact number of thousandths (500m -> 500, 1Ki -> 1_024_000), and whether
/// it was written with a binary suffix. None if it is not a quantity or is finer than a thousandth.
pub fn parse_quantity(text: &str) -> Option<(i128, bool)> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.len() > 9 {
        return None;
    }
    let scale = 10i128.pow(fraction.len() as u32);
    let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
    let (factor, binary) = match BINARY_SUFFIXES.iter().position(|s| *s == suffix).filter(|p| *p > 0) {
        Some(power) => (1000 * 1024i128.pow(power as u32), true),
        None => (1000i128.pow(DECIMAL_SUFFIXES.iter().position(|s| *s == suffix)? as u32), false),
    };
    let thousandths = digits * factor;
    (thousandths % scale == 0).then_some((thousandths / scale, binary))
}

/// A Kubernetes quantity in the canonical form the API server stores: the largest suffix of the same
/// family (decimal m, "", k..E or binary Ki..Ei) that keeps the number whole. None if not a quantity.
pub fn canonical_quantity(text: &str) -> Option<String> {
    let (thousandths, binary) = parse_quantity(text)?;
    if thousandths == 0 {
        return Some("0".into());
    }
    if binary && thousandths % 1000 == 0 {
        let bytes = thousandths / 1000;
        let k = (0..BINARY_SUFFIXES.len()).rev().find(|k| bytes % 1024i128.pow(*k as u32) == 0).unwrap_or(0);
        if k > 0 {
            return Some(format!("{}{}", bytes / 1024i128.pow(k as u32), BINARY_SUFFIXES[k]));
        }
    }
    let k = (0..DECIMAL_SUFFIXES.len()).rev().find(|k| thousandths % 1000i128.pow(*k as u32) == 0).unwrap_or(0);
    Some(format!("{}{}", thousandths / 1000i128.pow(k as u32), DECIMAL_SUFFIXES[k]))
}

/// The text form of a value type that must parse: kept as written (it is what the manifest carries),
/// refused when it does not parse. Serialized as that text; read through `parse`.
macro_rules! parsed_text {
    ($name:ident, $what:literal) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                $name::parse(&text)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string", "description": $what})
            }
        }
    };
}
pub(crate) use parsed_text;

/// A CPU amount as Kubernetes takes it, exact to the millicore: cores (2, 0.5) or millicores (500m).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CpuQuantity(String);

impl CpuQuantity {
    /// The same parser that renders the quantity: what it refuses (`0.5m`, finer than a millicore)
    /// would otherwise reach the manifest as written.
    pub fn parse(text: &str) -> Result<Self, String> {
        let suffix_ok = text.strip_suffix('m').unwrap_or(text).bytes().all(|b| b.is_ascii_digit() || b == b'.');
        match parse_quantity(text) {
            Some((_, false)) if suffix_ok => Ok(CpuQuantity(text.to_string())),
            _ => {
                Err("is not a CPU quantity; use cores like 2 or 0.5, or millicores like 500m (whole millicores)".into())
            }
        }
    }

    pub fn millicores(&self) -> i128 {
        parse_quantity(&self.0).map_or(0, |(thousandths, _)| thousandths)
    }
}
parsed_text!(CpuQuantity, "A Kubernetes CPU quantity: cores (2, 0.5) or whole millicores (500m)");

/// An amount of bytes as Kubernetes takes it: 512Mi, 1Gi, 20Gi, 1G.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ByteQuantity(String);

impl ByteQuantity {
    pub fn parse(text: &str) -> Result<Self, String> {
        // Millibytes (`m`) parse as a quantity but mean nothing for memory or a disk.
        match parse_quantity(text) {
            Some((thousandths, _)) if !text.ends_with('m') && thousandths % 1000 == 0 => {
                Ok(ByteQuantity(text.to_string()))
            }
            _ => Err("is not a byte quantity; use a number with a suffix like 512Mi, 1Gi, 20Gi or 1G".into()),
        }
    }

    pub fn bytes(&self) -> i128 {
        parse_quantity(&self.0).map_or(0, |(thousandths, _)| thousandths / 1000)
    }
}
parsed_text!(ByteQuantity, "A Kubernetes byte quantity: 512Mi, 1Gi, 20Gi or 1G");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_bytes_accept_what_renders_and_refuse_what_does_not() {
        for ok in ["2", "0.5", ".5", "500m", "2000m", "1.5"] {
            assert!(CpuQuantity::parse(ok).is_ok(), "{ok}");
            assert!(canonical_quantity(ok).is_some(), "{ok} renders");
        }
        // 0.5m is finer than a millicore: the renderer cannot write it, so values refuses it.
        for bad in ["0.5m", "1Gi", "2 cores", "", "m", "1k"] {
            assert!(CpuQuantity::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(CpuQuantity::parse("0.5").unwrap().millicores(), 500);
        for ok in ["512Mi", "1Gi", "1G", "20Gi", "1000"] {
            assert!(ByteQuantity::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["1GB", "100m", "0.5", "1.5Ki0", "lots"] {
            assert!(ByteQuantity::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ByteQuantity::parse("1Gi").unwrap().bytes(), 1 << 30);
        // The API server stores zero as 0, whatever its suffix (it was rendered as "0E").
        for zero in ["0", "0Gi", "0m", "0.0"] {
            assert_eq!(canonical_quantity(zero).as_deref(), Some("0"), "{zero}");
        }
    }
}
