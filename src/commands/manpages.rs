//! Man pages, generated from the CLI definition by clap_mangen and checked in under man/ (like the
//! completions) for packagers and `man -l man/promctl.1`. A test keeps them current; regenerate with
//! PROMCTL_UPDATE_MAN=1 cargo test manpages.

use clap::CommandFactory;

use crate::cli::Cli;

/// (file name, page) for promctl(1) and one promctl-SUBCOMMAND(1) per subcommand.
fn pages() -> Vec<(String, Vec<u8>)> {
    let top = Cli::command();
    let mut pages = Vec::new();
    let mut render = |name: String, command: clap::Command| {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page).expect("rendering to memory cannot fail");
        pages.push((format!("{name}.1"), page));
    };
    for sub in top.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("promctl-{}", sub.get_name());
        render(name.clone(), sub.clone().name(name).version(env!("CARGO_PKG_VERSION")));
    }
    render("promctl".into(), top);
    pages
}

#[test]
fn checked_in_man_pages_match_the_cli() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let update = std::env::var_os("PROMCTL_UPDATE_MAN").is_some();
    let pages = pages();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
    }
    for (file, page) in &pages {
        let path = dir.join(file);
        if update {
            std::fs::write(&path, page).unwrap();
        }
        let checked_in = std::fs::read(&path).unwrap_or_default();
        assert!(&checked_in == page, "{} is stale; run PROMCTL_UPDATE_MAN=1 cargo test manpages", path.display());
    }
    let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(on_disk, pages.len(), "man/ holds a page for a subcommand that no longer exists");
    let install = &pages.iter().find(|(f, _)| f == "promctl-install.1").unwrap().1;
    assert!(String::from_utf8_lossy(install).contains("force\\-conflicts"), "options are documented");
}
