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
