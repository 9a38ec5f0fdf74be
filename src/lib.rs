//! promctl: install, validate, hot-reload and port-forward Prometheus on Kubernetes.
//!
//! Data flows one way: values -> rendered manifests -> applied objects -> watched status -> report.
//! Core modules never print; the command layer (src/commands) decides how results are shown.

pub mod alertmanager;
pub mod cluster;
pub mod doctor;
pub mod duration;
pub mod error;
pub mod forward;
pub mod history;
pub mod manifest;
pub mod ops;
pub mod poll;
pub mod progress;
pub mod promconfig;
pub mod prometheus;
pub mod promql;
pub mod quantity;
pub mod release;
pub mod reload;
pub mod render;
pub mod report;
pub mod rule_tests;
pub mod rules;
pub mod secrets;
pub mod support;
pub mod upgrade;
pub mod validation;
pub mod values;
