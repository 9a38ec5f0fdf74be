//! The library's modules form no import cycle: data flows one way (values -> render -> apply ->
//! status -> report), and a module that reaches back up is a defect CI must catch, not a reviewer.
//!
//! Reads src/ as text: every `crate::a::b` path and `use crate::{a, b::c}` group outside comments is an
//! edge to the deepest module that exists; `super::` in a submodule is an edge to its sibling. A file's `mod tests` is left out. Edges
//! between a module and its own parent folder (cluster/apply.rs -> cluster/mod.rs) are one package's
//! insides and are not counted. The binary (main.rs, cli.rs, commands/) sits above the library.
//! `cargo test --test module_graph -- --nocapture` prints the layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn module_name(relative: &Path) -> String {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts.join("::")
}

fn library_files(src: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            let relative = path.strip_prefix(src).expect("under src").to_path_buf();
            let top = relative.iter().next().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            // lib.rs only declares the modules.
            if matches!(top.as_str(), "main.rs" | "cli.rs" | "lib.rs" | "commands") {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file is readable");
                files.push((module_name(&relative), text));
            }
        }
    }
    files
}

/// The deepest module of `modules` that `path` (a::b::item) names, if any.
fn resolve(path: &[&str], modules: &BTreeSet<String>) -> Option<String> {
    (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|candidate| modules.contains(candidate))
}

fn graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let crate_path = regex::Regex::new(r"\b(crate|super)::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)").unwrap();
    let crate_group = regex::Regex::new(r"\bcrate::\{([^}]*)\}").unwrap();
    let mut graph = Graph::new();
    for (module, text) in files {
        // Unit tests may use any module: only what ships counts.
        let shipped = text.split("\n#[cfg(test)]\nmod tests").next().unwrap_or_default();
        let code: String = shipped
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .map(|line| format!("{line}\n"))
            .collect();
        // A submodule file's `super` is its folder's module; lib.rs and top files have none to speak of.
        let parent: Vec<&str> = module.split("::").collect();
        let parent = &parent[..parent.len().saturating_sub(1)];
        let mut targets = BTreeSet::new();
        let mut add = |path: Vec<&str>| {
            if let Some(target) = resolve(&path, &modules) {
                let inside_own_package =
                    module.starts_with(&format!("{target}::")) || target.starts_with(&format!("{module}::"));
                if target != *module && !target.is_empty() && !inside_own_package {
                    targets.insert(target);
                }
            }
        };
        for found in crate_path.captures_iter(&code) {
            let mut path: Vec<&str> = if &found[1] == "super" { parent.to_vec() } else { Vec::new() };
            path.extend(found.get(2).map(|m| m.as_str()).unwrap_or_default().split("::"));
            add(path);
        }
        for group in crate_group.captures_iter(&code) {
            for item in group[1].split(',') {
                let item = item.trim();
                if !item.is_empty() {
                    add(item.split("::").map(str::trim).collect());
                }
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// One cycle of the graph, if there is one (depth-first search, colouring nodes).
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|n| n == next).expect("on the stack");
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0
            && let Some(cycle) = visit(node, graph, &mut state, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

/// Layer 0 imports nothing of the library; layer N imports only layers below N.
fn layers(graph: &Graph) -> Vec<Vec<String>> {
    let mut placed: BTreeMap<String, usize> = BTreeMap::new();
    let mut layers: Vec<Vec<String>> = Vec::new();
    while placed.len() < graph.len() {
        let layer: Vec<String> = graph
            .iter()
            .filter(|(m, deps)| !placed.contains_key(*m) && deps.iter().all(|d| placed.contains_key(d)))
            .map(|(m, _)| m.clone())
            .collect();
        assert!(!layer.is_empty(), "no layer can be placed: a cycle");
        for m in &layer {
            placed.insert(m.clone(), layers.len());
        }
        layers.push(layer);
    }
    layers
}

#[test]
fn the_library_has_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&library_files(&src));
    assert!(graph.len() > 10, "the library's modules were found: {:?}", graph.keys());
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}\nbreak it by moving the shared item down a layer", cycle.join(" -> "));
    }
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    println!("{} modules, {edges} imports, no cycle; layers from the bottom:", graph.len());
    for (n, layer) in layers(&graph).iter().enumerate() {
        println!("  {n}: {}", layer.join(", "));
    }
}

#[test]
fn the_check_finds_a_cycle_and_ignores_comments_and_own_packages() {
    let files = [
        ("render".to_string(), "use crate::alertmanager::SECRETS_DIR;\n".to_string()),
        ("alertmanager".to_string(), "// crate::values is only mentioned\nuse crate::reload::nudge;\n".to_string()),
        ("reload".to_string(), "use crate::cluster::apply::{apply, Change};\n".to_string()),
        ("cluster".to_string(), "pub mod apply;\n".to_string()),
        ("cluster::apply".to_string(), "use super::dynamic_api;\nuse crate::render::Manifest;\n".to_string()),
        ("values".to_string(), String::new()),
    ];
    let imports = graph(&files);
    assert!(imports["alertmanager"].iter().all(|t| t != "values"), "a comment is no import");
    assert!(imports["cluster::apply"].iter().all(|t| t != "cluster"), "a module's own folder is no edge");
    let cycle = find_cycle(&imports).expect("render -> alertmanager -> reload -> cluster::apply -> render");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 5, "{cycle:?}");

    let mut broken = files.to_vec();
    broken[4].1 = "use crate::manifest::Manifest;\n".into();
    broken.push(("manifest".into(), String::new()));
    assert_eq!(find_cycle(&graph(&broken)), None);
}
