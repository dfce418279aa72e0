//! The `oauth1to2` binary: a thin layer over the library (see `src/cli/`).
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
