//! CLI snapshots (trycmd): `--help` for every command, and the human and JSON output a user sees
//! on the fixtures. One case per file in tests/cmd/; regenerate after an intended change with
//! `TRYCMD=overwrite cargo test --test cli` and review the diff.

#[test]
fn cli_snapshots() {
    trycmd::TestCases::new()
        .default_bin_name("oauth1to2")
        .case("tests/cmd/*.toml");
}
