//! The `kubectl-qaenv` binary: parse, run, report, exit. See the library for everything else.

use std::{
    ffi::OsString,
    io::{self, BufWriter, Write},
    process::ExitCode as ProcessExit,
};

use clap::Parser;
use kubectl_qaenv::{
    cli::Cli,
    error::{Error, ExitCode},
    output::Terminal,
};

fn main() -> ProcessExit {
    let args: Vec<OsString> = std::env::args_os().collect();

    // Completion requests carry arbitrary half-typed words (`--co`, `-`), so they bypass
    // clap's parser and go straight to the completer.
    if args.get(1).is_some_and(|a| a == "__complete") {
        let words: Vec<String> = args[2..]
            .iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect();
        let mut out = BufWriter::new(io::stdout().lock());
        let result = kubectl_qaenv::run_completion(&words, &mut out)
            .and_then(|()| out.flush().map_err(Error::output));
        return finish(result, &Terminal::default());
    }

    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version land here too, with exit code 0.
            let _ = err.print();
            return ProcessExit::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let terminal = Terminal::detect(cli.global.color);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            return finish(
                Err(Error::io("cannot start the async runtime", err)),
                &terminal,
            )
        }
    };
    let own_interrupt = kubectl_qaenv::handles_interrupt(&cli.command);
    let result = runtime.block_on(async {
        let mut out = BufWriter::new(io::stdout());
        let result = tokio::select! {
            result = kubectl_qaenv::run(cli, &mut out, &terminal) => result,
            _ = interrupted(own_interrupt) => Err(Error::new("interrupted", "").with_exit(ExitCode::Interrupted)),
        };
        // Data printed before an error still reaches the reader.
        let flushed = out.flush().map_err(Error::output);
        result.and(flushed)
    });
    finish(result, &terminal)
}

/// Resolves on Ctrl-C, or never when the command handles Ctrl-C itself.
async fn interrupted(left_to_command: bool) {
    if left_to_command {
        std::future::pending::<()>().await;
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Prints the error (if any) on stderr and turns it into the exit code.
fn finish(result: Result<(), Error>, terminal: &Terminal) -> ProcessExit {
    match result {
        Ok(()) => ProcessExit::SUCCESS,
        // `kubectl qaenv ls | head`: the reader has what it wanted.
        Err(err) if err.is_broken_pipe() => ProcessExit::SUCCESS,
        Err(err) => {
            let report = err.report();
            let report = if terminal.color_stderr {
                report
                    .replacen("error:", "\x1b[1;31merror:\x1b[0m", 1)
                    .replacen("\nhint:", "\n\x1b[1;33mhint:\x1b[0m", 1)
            } else {
                report
            };
            let _ = writeln!(io::stderr().lock(), "{report}");
            ProcessExit::from(err.exit_code().code())
        }
    }
}
