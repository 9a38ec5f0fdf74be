//! The answers recorded from the real programs by scripts/record-fixtures (tests/fixtures/README.md
//! says which versions, and how), read as the code reads a live answer.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Sample;

/// The versions recorded: Prometheus 2.48.0 and 3.16.0.
pub const PROMETHEUS: [&str; 2] = ["prometheus-2.48.0", "prometheus-3.16.0"];

/// The text of `tests/fixtures/<path>`.
pub fn text(path: &str) -> String {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}; scripts/record-fixtures records it"))
}

/// The `data` of a recorded API answer (`{"status":"success","data":...}`), as `T`.
pub fn data<T: DeserializeOwned>(path: &str) -> T {
    #[derive(Deserialize)]
    struct Envelope<D> {
        status: String,
        data: D,
    }
    let envelope: Envelope<T> =
        serde_json::from_str(&text(path)).unwrap_or_else(|e| panic!("{path}: not a success answer of the API: {e}"));
    assert_eq!(envelope.status, "success", "{path}");
    envelope.data
}

/// The series of a recorded instant query's vector answer, read as the client reads a live one.
pub fn vector(path: &str) -> Vec<Sample> {
    data::<crate::prometheus::VectorData>(path).samples()
}

/// The `data.yaml` of a recorded `/api/v1/status/config`.
pub fn config(path: &str) -> String {
    #[derive(Deserialize)]
    struct Data {
        yaml: String,
    }
    data::<Data>(path).yaml
}

/// The active targets of a recorded `/api/v1/targets`, folded as validate folds a live answer.
pub fn tally(path: &str) -> crate::prometheus::TargetTally {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(&full).unwrap_or_else(|e| panic!("{full}: {e}; scripts/record-fixtures records it"));
    let mut tally = crate::prometheus::TargetTally::default();
    crate::prometheus::read_targets_answer(std::io::BufReader::new(file), &mut |t| tally.add(t))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    tally
}

/// The active targets of a recorded `/api/v1/targets`.
pub fn targets(path: &str) -> Vec<crate::prometheus::Target> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        active_targets: Vec<crate::prometheus::Target>,
    }
    data::<Data>(path).active_targets
}
