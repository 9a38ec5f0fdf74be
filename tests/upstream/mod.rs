//! The Go sources of the Prometheus and Alertmanager versions promctl supports, for the tests that
//! hold promctl's checks against them (scripts/test downloads them and sets the variables).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run this test through scripts/test"))
}

pub fn module(name: &str, version: &str) -> PathBuf {
    let dir = Path::new(&env("PROMCTL_GO_MODULES")).join(format!("{name}@{version}"));
    assert!(dir.is_dir(), "{} is missing: scripts/test downloads it", dir.display());
    dir
}

/// The version of `dependency` that `module_dir`'s go.mod requires.
pub fn required(module_dir: &Path, dependency: &str) -> Option<String> {
    let go_mod = std::fs::read_to_string(module_dir.join("go.mod")).unwrap();
    go_mod.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some(dependency)).then(|| words.next().unwrap().to_string())
    })
}
