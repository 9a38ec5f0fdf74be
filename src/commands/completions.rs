use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

pub fn exec(args: &CompletionsArgs) -> anyhow::Result<u8> {
    promctl::report::write_stdout_exactly(&script(args.shell));
    Ok(0)
}

pub fn script(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "promctl", &mut out);
    String::from_utf8(out).expect("completion scripts are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    /// completions/ is checked in for packagers; it must match what this binary generates.
    /// Regenerate with: PROMCTL_UPDATE_COMPLETIONS=1 cargo test completions
    #[test]
    fn checked_in_completions_match_the_cli() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
        let update = std::env::var_os("PROMCTL_UPDATE_COMPLETIONS").is_some();
        for shell in clap_complete::Shell::value_variants() {
            let file = dir.join(match shell {
                clap_complete::Shell::Bash => "promctl.bash".to_string(),
                clap_complete::Shell::Zsh => "_promctl".to_string(),
                clap_complete::Shell::Fish => "promctl.fish".to_string(),
                clap_complete::Shell::PowerShell => "_promctl.ps1".to_string(),
                clap_complete::Shell::Elvish => "promctl.elv".to_string(),
                other => format!("promctl.{other}"),
            });
            let fresh = script(*shell);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&file, &fresh).unwrap();
            }
            let checked_in = std::fs::read_to_string(&file).unwrap_or_default();
            assert!(
                checked_in == fresh,
                "{} is stale; run PROMCTL_UPDATE_COMPLETIONS=1 cargo test completions",
                file.display()
            );
        }
    }
}
