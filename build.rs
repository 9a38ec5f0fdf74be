//! Rebuilds when a file is added to or removed from templates/: include_dir tracks the files it
//! embedded, not the folder, and every `*.yaml` there is a manifest template (src/render.rs).
fn main() {
    println!("cargo:rerun-if-changed=templates");
}
