//! Parses the command line, runs the command, and turns every error into one message and exit code.

use std::process::ExitCode;

use promctl::error::{Failure, FailureKind, exit_code, kind_of, message};
use promctl::report::{document_written, stdout_error, write_document};

mod cli;
mod commands;

fn main() -> ExitCode {
    let cli = cli::Cli::from_invocation();
    promctl::prometheus::ensure_tls_provider();
    let output = cli.global.output;
    // One thread: every command waits on the network, and one thread keeps one malloc arena (a
    // 10,000-target validate peaked at 42 MB on two, 36 MB on one). port-forward serves many
    // connections at once, each with its own TLS to the API server: two workers there.
    let mut builder = match cli.command {
        cli::Command::PortForward(_) => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(2);
            builder
        }
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("promctl: internal error: cannot start the async runtime: {e}");
            return exit_code(FailureKind::Internal);
        }
    };
    // port-forward runs until Ctrl-C, which is its normal end; anywhere else Ctrl-C interrupts (exit 130).
    // Stopping mid-apply is safe: server-side apply is idempotent and the next run converges.
    let own_interrupts = matches!(cli.command, cli::Command::PortForward(_));
    let result = runtime.block_on(async {
        if own_interrupts {
            return commands::run(cli).await;
        }
        tokio::select! {
            result = commands::run(cli) => result,
            _ = tokio::signal::ctrl_c() => Err(Failure::new(FailureKind::Interrupted, "interrupted").into()),
        }
    });
    // Stdout is the run's result: one that could not be written is not a success.
    let result = match (result, stdout_error()) {
        (Ok(_), Some(why)) => Err(Failure::bad_input(format!(
            "cannot write the result to standard output: {why}; is the disk or the pipe's reader gone?"
        ))
        .into()),
        (result, _) => result,
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let kind = kind_of(&error);
            // Every cause once, on one line (each layer of a TLS error repeats its cause's text).
            let text = message(&error);
            if kind == FailureKind::Internal {
                eprintln!(
                    "promctl: internal error: {text}\nthis is a bug in promctl; please report it with the command line and this message"
                );
            } else {
                eprintln!("promctl: error: {text}");
            }
            if output.is_document() && !document_written() {
                write_document(output, &serde_json::json!({"error": {"message": text, "exit_code": kind.exit_code()}}));
            }
            exit_code(kind)
        }
    }
}
