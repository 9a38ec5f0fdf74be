//! promctl in a real terminal: tmux runs it in a pane of a given size, and the pane's screen (with its
//! scrollback, wrapped lines joined) is what a person saw. Every line promctl means to keep must be on
//! it once, in order, with no live line left behind; NO_COLOR and a narrow pane are respected.

mod common;

use std::time::Duration;

use common::{Installed, own_jobs_only};

/// One tmux server of this test's own (its socket name), so that nothing else on the machine is
/// touched; killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(name: &str) -> Self {
        Tmux { socket: common::unique_name(name) }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("tmux runs")
    }

    /// Runs `command` (promctl's program and arguments) in a pane of `width`x`height` with `env`
    /// added, waits until it ends, and returns its exit code and the pane: the screen and its
    /// scrollback as text (`-J`: wrapped lines joined), and the same with escape sequences (`-e`).
    fn run(
        &self,
        command: &std::process::Command,
        width: u16,
        height: u16,
        env: &[(&str, &str)],
    ) -> (i32, String, String) {
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let mut line: Vec<String> = vec![quote(&command.get_program().to_string_lossy())];
        line.extend(command.get_args().map(|a| quote(&a.to_string_lossy())));
        let exports: String = env.iter().map(|(k, v)| format!("export {k}={}; ", quote(v))).collect();
        let kubeconfig = std::env::var("KUBECONFIG").unwrap_or_default();
        // The pane stays open after promctl ends, so that its screen can be read.
        let script = format!(
            "export KUBECONFIG={}; unset NO_COLOR; {exports}{}; echo \"promctl-exit:$?\"; sleep 3600",
            quote(&kubeconfig),
            line.join(" ")
        );
        let (width, height) = (width.to_string(), height.to_string());
        let out = self.tmux(&["new-session", "-d", "-x", &width, "-y", &height, "-s", "promctl", "sh", "-c", &script]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        let deadline = std::time::Instant::now() + Duration::from_secs(180);
        let capture = |escapes: bool| {
            let mut args = vec!["capture-pane", "-p", "-J", "-S", "-", "-t", "promctl"];
            if escapes {
                args.push("-e");
            }
            String::from_utf8_lossy(&self.tmux(&args).stdout).into_owned()
        };
        loop {
            let screen = capture(false);
            if let Some(code) = screen.lines().find_map(|l| l.trim().strip_prefix("promctl-exit:")) {
                let code = code.parse().unwrap();
                let colored = capture(true);
                self.tmux(&["kill-session", "-t", "promctl"]);
                return (code, screen, colored);
            }
            assert!(std::time::Instant::now() < deadline, "promctl did not end in the pane:\n{screen}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// `command` without --no-color (Installed adds it; here the terminal decides).
fn in_colour(command: std::process::Command) -> std::process::Command {
    let mut bare = std::process::Command::new(command.get_program());
    bare.args(command.get_args().filter(|a| *a != "--no-color"));
    bare
}

/// The screen's lines, trimmed, without blank ones.
fn lines(screen: &str) -> Vec<&str> {
    screen.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// Where each of `wanted` is on the screen (the index of the one line it is), in order; fails naming
/// the screen when one is missing, shown twice, or out of order.
fn in_order(screen: &str, wanted: &[String]) {
    let shown = lines(screen);
    let mut last = None;
    for want in wanted {
        let at: Vec<usize> = shown.iter().enumerate().filter(|(_, l)| **l == want.as_str()).map(|(i, _)| i).collect();
        assert_eq!(at.len(), 1, "{want:?} must be on the screen once:\n{screen}");
        assert!(last.is_none_or(|l| at[0] > l), "{want:?} is out of order:\n{screen}");
        last = Some(at[0]);
    }
}

/// No live line left on the screen once promctl ended: no spinner frame, no running clock.
fn no_live_line_left(screen: &str) {
    let spinner = |c: char| ('\u{2800}'..='\u{28ff}').contains(&c);
    for line in lines(screen) {
        let clock =
            line.ends_with(']') && line.rsplit_once('[').is_some_and(|(_, t)| t.trim_end_matches(']').ends_with('s'));
        assert!(!line.starts_with(spinner) && !clock, "a live line was left behind: {line:?}\n{screen}");
    }
}

/// install and validate in tmux panes: install's 8 apply lines, then the readiness lines, then its
/// result, each once and in order on a 100x40 screen; validate's every check line in the order its
/// plain output gives them, on a 100-column screen and on a 40-column one (wrapped, not cut);
/// colour only without NO_COLOR.
#[tokio::test]
#[ignore = "needs the test bed and tmux: scripts/test"]
async fn install_and_validate_in_a_real_terminal_keep_every_line_in_order() {
    let client = common::client().await;
    let it = Installed::new(&client, "e2e-terminal").await;
    let tmux = Tmux::new("promctl-e2e");
    let ns = it.namespace.clone();

    let install = in_colour(it.promctl(&own_jobs_only(&["install"])));
    let (code, screen, colored) = tmux.run(&install, 100, 40, &[("NO_COLOR", "1")]);
    eprintln!("install on a 100x40 terminal:\n{screen}");
    assert_eq!(code, 0, "{screen}");
    let role = format!("prometheus-{ns}");
    let mut wanted: Vec<String> = vec![format!(
        "applying 8 objects to namespace {ns} (from -n/--namespace; server-side apply, field manager promctl)"
    )];
    for object in [
        format!("Namespace {ns}"),
        format!("ServiceAccount {ns}/prometheus"),
        format!("ClusterRole {role}"),
        format!("ConfigMap {ns}/prometheus-config"),
        format!("PersistentVolumeClaim {ns}/prometheus-storage"),
        format!("ClusterRoleBinding {role}"),
        format!("Deployment {ns}/prometheus"),
        format!("Service {ns}/prometheus"),
    ] {
        wanted.push(format!("{object}: created"));
    }
    wanted.push("waiting for readiness of the Deployment, its pods, the claim and the Service".into());
    in_order(&screen, &wanted);
    let ready = lines(&screen).iter().filter(|l| l.contains(": ready (")).count();
    assert_eq!(ready, 4, "the claim, the pods, the Service and the Deployment ready, each once:\n{screen}");
    let result = lines(&screen).iter().position(|l| l.starts_with("installed, and Prometheus is ready in namespace"));
    let last_ready = lines(&screen).iter().rposition(|l| l.contains(": ready ("));
    assert!(result > last_ready, "the result comes after the readiness lines:\n{screen}");
    no_live_line_left(&screen);
    assert!(!colored.contains("\x1b[3"), "NO_COLOR: no colour on the screen:\n{colored:?}");

    // validate: the plain run's check lines are what the terminal must keep, in that order.
    let validate_args = own_jobs_only(&["validate", "--wait-targets", "60s"]);
    let plain = it.promctl(&validate_args).output().unwrap();
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stdout));
    let plain = String::from_utf8_lossy(&plain.stdout).into_owned();
    let checks: Vec<String> = plain
        .lines()
        .filter(|l| l.starts_with("ok   ") || l.starts_with("FAIL "))
        .map(|l| l.split_once(": ").map_or(l, |(name, _)| name).to_string())
        .collect();
    assert!(checks.len() >= 15, "{plain}");
    for (width, env) in [(100, vec![]), (40, vec![("NO_COLOR", "1")])] {
        let validate = in_colour(it.promctl(&validate_args));
        let (code, screen, colored) = tmux.run(&validate, width, 40, &env);
        assert_eq!(code, 0, "{screen}");
        let names: Vec<String> = lines(&screen)
            .iter()
            .filter(|l| l.starts_with("ok   ") || l.starts_with("FAIL "))
            .map(|l| l.split_once(": ").map_or(*l, |(name, _)| name).to_string())
            .collect();
        assert_eq!(names, checks, "validate on a {width}-column terminal shows every check, in order:\n{screen}");
        no_live_line_left(&screen);
        let last = lines(&screen).into_iter().rfind(|l| !l.starts_with("promctl-exit:")).unwrap_or_default();
        assert!(last.starts_with("all ") && last.ends_with(" checks passed"), "{screen}");
        assert_eq!(
            colored.contains("\x1b[32m"),
            env.is_empty(),
            "colour exactly when NO_COLOR is not set:\n{colored:?}"
        );
        if width == 40 {
            eprintln!("validate on a 40x40 terminal, NO_COLOR:\n{screen}");
            let longest = plain.lines().filter(|l| l.starts_with("ok   ")).map(str::len).max().unwrap_or(0);
            assert!(longest > 40, "the check lines are wider than the terminal, so the test sees them wrap");
        }
    }
}
