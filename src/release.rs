//! Facts about Prometheus releases: the version an image tag names, and the command-line flags and
//! `--enable-feature` options of each major, read from its own `--help` (recorded from the test
//! bed's builds of 2.48.0 and 3.16.0, src/release/README.md) and, for the flags `--help` hides, from
//! its source (tests/upstream_types.rs holds both lists against cmd/prometheus/main.go).

/// The Prometheus major version an image tag names (`v2.48.0` -> 2, `3.16.0-distroless` -> 3). A tag
/// that names no version (`latest`, a digest) counts as the current major, 3.
pub fn prometheus_major(tag: &str) -> u64 {
    let digits: String = tag.trim_start_matches('v').chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<u64>() {
        Ok(major) if tag.trim_start_matches('v')[digits.len()..].starts_with('.') => major,
        _ => 3,
    }
}

/// (major, minor) of a Prometheus image tag ("v3.16.0", "2.55.1-rc.0"); None for a tag of another
/// form ("latest", "main"): no version can be judged from it.
pub fn prometheus_version(tag: &str) -> Option<(u64, u64)> {
    let mut parts = tag.trim_start_matches('v').split(['.', '-', '+']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The tag of a container image reference ("prom/prometheus:v3.16.0@sha256:..." -> "v3.16.0"); None
/// when it names no tag.
pub fn image_tag(image: &str) -> Option<&str> {
    let image = image.split('@').next().unwrap_or(image);
    let (_, tag) = image.rsplit_once(':')?;
    (!tag.contains('/')).then_some(tag)
}

/// A recorded release: its version and its `prometheus --help`.
pub struct Release {
    pub version: &'static str,
    help: &'static str,
    /// Flags its source declares `.Hidden()` beyond [`HIDDEN_IN_BOTH`]: accepted, never listed by
    /// `--help`.
    hidden: &'static [&'static str],
}

/// Flags both releases' sources declare `.Hidden()` (Thanos's sidecar needs
/// `--storage.tsdb.min-block-duration` and `max-block-duration`).
const HIDDEN_IN_BOTH: [&str; 14] = [
    "scrape.adjust-timestamps",
    "scrape.discovery-reload-interval",
    "scrape.timestamp-tolerance",
    "storage.agent.wal-compression-type",
    "storage.agent.wal-segment-size",
    "storage.agent.wal-truncate-frequency",
    "storage.tsdb.max-block-chunk-segment-size",
    "storage.tsdb.max-block-duration",
    "storage.tsdb.min-block-duration",
    "storage.tsdb.samples-per-chunk",
    "storage.tsdb.wal-compression",
    "storage.tsdb.wal-compression-type",
    "storage.tsdb.wal-segment-size",
    "write-documentation",
];

pub const PROMETHEUS_2: Release = Release {
    version: "2.48.0",
    help: include_str!("release/prometheus-2.48.0-help.txt"),
    hidden: &["alertmanager.timeout", "storage.tsdb.allow-overlapping-blocks"],
};

pub const PROMETHEUS_3: Release = Release {
    version: "3.16.0",
    help: include_str!("release/prometheus-3.16.0-help.txt"),
    hidden: &[
        "storage.tsdb.allow-overlapping-compaction",
        "storage.tsdb.block-reload-interval",
        "storage.tsdb.delayed-compaction.max-percent",
    ],
};

/// The recorded release of `major` (2, or 3 and later).
pub fn release(major: u64) -> &'static Release {
    if major < 3 { &PROMETHEUS_2 } else { &PROMETHEUS_3 }
}

impl Release {
    /// The flags `--help` lists (declarations start in the first columns; `--[no-]` marks a bool).
    pub fn listed_flags(&self) -> Vec<&'static str> {
        let mut flags: Vec<&'static str> = self
            .help
            .lines()
            .filter(|line| line.len() - line.trim_start().len() <= 6 && line.trim_start().starts_with('-'))
            .filter_map(|line| {
                let long = &line[line.find("--")? + 2..];
                let long = long.strip_prefix("[no-]").unwrap_or(long);
                let end =
                    long.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')).unwrap_or(long.len());
                Some(&long[..end])
            })
            .collect();
        flags.sort_unstable();
        flags.dedup();
        flags
    }

    /// The flags its source hides from `--help`.
    pub fn hidden_flags(&self) -> Vec<&'static str> {
        HIDDEN_IN_BOTH.iter().chain(self.hidden).copied().collect()
    }

    /// Every flag it takes: those `--help` lists and the hidden ones.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut flags = self.listed_flags();
        flags.extend(self.hidden_flags());
        flags.sort_unstable();
        flags.dedup();
        flags
    }

    /// The `--enable-feature` options `--help` lists ("Valid options: a, b (DEPRECATED), c. See ...").
    pub fn features(&self) -> Vec<&'static str> {
        let Some(start) = self.help.find("Valid options:") else { return Vec::new() };
        let text = &self.help[start + "Valid options:".len()..];
        let text = &text[..text.find(". See").unwrap_or(text.len())];
        let mut features: Vec<&'static str> = text
            .split(',')
            .map(|option| option.split_whitespace().next().unwrap_or_default())
            .filter(|option| !option.is_empty())
            .collect();
        features.sort_unstable();
        features
    }
}

/// `--enable-feature` options of Prometheus 2 that Prometheus 3 no longer takes, with what replaces
/// each (Prometheus 3's migration guide; a test holds each against both recorded `--help`s).
pub const FEATURES_GONE_IN_3: [(&str, &str); 10] = [
    ("agent", "use the --agent flag"),
    ("auto-gomaxprocs", "it is the --auto-gomaxprocs flag now, on by default: remove it"),
    ("expand-external-labels", "it is always on in Prometheus 3: remove it"),
    ("native-histograms", "set scrape_native_histograms: true on the jobs that scrape them"),
    ("new-service-discovery-manager", "it is always on in Prometheus 3: remove it"),
    ("no-default-scrape-port", "it is always on in Prometheus 3: remove it"),
    ("otlp-write-receiver", "use the --web.enable-otlp-receiver flag"),
    ("promql-at-modifier", "it is always on in Prometheus 3: remove it"),
    ("promql-negative-offset", "it is always on in Prometheus 3: remove it"),
    ("remote-write-receiver", "use the --web.enable-remote-write-receiver flag"),
];

/// Why the Prometheus of `major` would not take `arg` (one of values' extraArgs, `--name[=value]`):
/// a flag it does not have, or an `--enable-feature` option it does not list. None when it takes it.
pub fn flag_refusal(arg: &str, major: u64) -> Option<String> {
    let image = release(major);
    let (flag, value) = arg.trim_start_matches('-').split_once('=').unwrap_or((arg.trim_start_matches('-'), ""));
    let known = image.flags();
    if !known.contains(&flag) && !flag.strip_prefix("no-").is_some_and(|f| known.contains(&f)) {
        let other = release(if major < 3 { 3 } else { 2 });
        let why = match other.flags().contains(&flag) {
            true => format!("is a flag of Prometheus {} only", other.version),
            false => "is not a Prometheus flag".to_string(),
        };
        return Some(format!(
            "{why}: Prometheus {} would not start (\"unknown long flag '--{flag}'\"); remove it, or see `prometheus --help` of the image",
            image.version
        ));
    }
    if flag != "enable-feature" {
        return None;
    }
    let features = image.features();
    let unknown: Vec<&str> =
        value.split(',').map(str::trim).filter(|f| !f.is_empty() && !features.contains(f)).collect();
    let feature = unknown.first()?;
    let fix = match FEATURES_GONE_IN_3.iter().find(|(gone, _)| gone == feature).filter(|_| major >= 3) {
        Some((_, instead)) => format!("Prometheus 3 dropped it: {instead}"),
        None => format!("Prometheus {} lists: {}", image.version, features.join(", ")),
    };
    Some(format!(
        "enables feature {feature}, which Prometheus {} does not have (it would only log a warning and go on without it); {fix}",
        image.version
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_major_version_comes_from_the_image_tag() {
        assert_eq!(prometheus_major("v2.48.0"), 2);
        assert_eq!(prometheus_major("3.16.0-distroless"), 3);
        assert_eq!(prometheus_major("v10.1.0"), 10);
        assert_eq!(prometheus_major("latest"), 3);
        assert_eq!(prometheus_major("v2"), 3, "no minor: not a version tag");
    }

    #[test]
    fn versions_and_tags_are_read_from_image_references() {
        assert_eq!(prometheus_version("2.55.1-rc.0"), Some((2, 55)));
        assert_eq!(image_tag("registry:5000/prom/prometheus:v3.16.0@sha256:abc"), Some("v3.16.0"));
        assert_eq!(image_tag("registry:5000/prom/prometheus"), None);
    }

    #[test]
    fn flags_and_features_are_read_from_each_release_s_help() {
        let two = PROMETHEUS_2.listed_flags();
        let three = PROMETHEUS_3.listed_flags();
        assert_eq!((two.len(), three.len()), (43, 59), "{two:?}\n{three:?}");
        for flag in ["config.file", "web.enable-lifecycle", "storage.tsdb.retention.time", "log.level", "help"] {
            assert!(two.contains(&flag) && three.contains(&flag), "{flag}");
        }
        assert!(two.contains(&"storage.tsdb.retention") && !three.contains(&"storage.tsdb.retention"));
        assert!(three.contains(&"agent") && three.contains(&"web.enable-otlp-receiver"));
        let features = PROMETHEUS_3.features();
        assert!(features.contains(&"exemplar-storage") && features.contains(&"zstd-scrape"), "{features:?}");
        assert!(PROMETHEUS_2.features().contains(&"remote-write-receiver"), "(DEPRECATED) is not part of the name");
    }

    /// Each feature Prometheus 3 dropped is one 2.48 lists and 3.16 does not.
    #[test]
    fn the_features_gone_in_3_are_the_ones_the_recorded_helps_disagree_on() {
        let (two, three) = (PROMETHEUS_2.features(), PROMETHEUS_3.features());
        for (gone, _) in FEATURES_GONE_IN_3 {
            assert!(two.contains(&gone), "2.48 lists {gone}");
            assert!(!three.contains(&gone), "3.16 does not list {gone}");
        }
        let dropped: Vec<&&str> = two.iter().filter(|f| !three.contains(f)).collect();
        assert_eq!(dropped.len(), FEATURES_GONE_IN_3.len(), "{dropped:?}");
    }

    #[test]
    fn extra_args_are_judged_against_the_image_s_release() {
        for (arg, major) in [
            ("--web.page-title=Shop", 2),
            ("--web.page-title=Shop", 3),
            ("--storage.tsdb.min-block-duration=2h", 3),
            ("--no-web.enable-admin-api", 3),
            ("--enable-feature=exemplar-storage,extra-scrape-metrics", 3),
            ("--enable-feature=remote-write-receiver", 2),
            ("--agent", 3),
        ] {
            assert_eq!(flag_refusal(arg, major), None, "{arg} for {major}");
        }
        let said = flag_refusal("--storage.tsdb.retention=30d", 3).unwrap();
        assert!(said.starts_with("is a flag of Prometheus 2.48.0 only: Prometheus 3.16.0 would not start"), "{said}");
        let said = flag_refusal("--agent", 2).unwrap();
        assert!(said.starts_with("is a flag of Prometheus 3.16.0 only"), "{said}");
        let said = flag_refusal("--web.enabel-lifecycle", 3).unwrap();
        assert!(said.starts_with("is not a Prometheus flag"), "{said}");
        let said = flag_refusal("--enable-feature=exemplar-storage,native-histograms", 3).unwrap();
        assert!(said.contains("enables feature native-histograms, which Prometheus 3.16.0 does not have"), "{said}");
        assert!(said.contains("set scrape_native_histograms: true"), "{said}");
        let said = flag_refusal("--enable-feature=exemplar-storag", 2).unwrap();
        assert!(said.contains("Prometheus 2.48.0 lists: agent, auto-gomaxprocs"), "{said}");
    }
}
