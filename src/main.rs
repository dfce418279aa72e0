//! The `oauth1to2` binary: a thin layer over the library (see `src/cli/`).
#![forbid(unsafe_code)]
#![allow(clippy::disallowed_macros)] // the command line is where printing happens

mod cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
