//! `cargo xtask codegen [--check]` and `cargo xtask schema [--check]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xtask::codegen;
use xtask::files::{FileSet, Outcome};

const USAGE: &str = "usage: cargo xtask <codegen|schema|validate> [--check]

  codegen   regenerate every crate from spec/ (and the JSON Schemas)
  validate  load and check the spec, writing nothing
  schema    regenerate only the JSON Schemas under spec/
  --check   write nothing; fail if anything on disk differs or should not exist";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let command = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(String::as_str);
    if let Some(unknown) = args.iter().find(|a| a.starts_with("--") && *a != "--check") {
        eprintln!("unknown option `{unknown}`\n\n{USAGE}");
        return ExitCode::from(2);
    }
    let root = workspace_root();
    let files = match command {
        Some("codegen") => match codegen::generate(&root) {
            Ok(files) => files,
            Err(diagnostics) => {
                eprintln!("{diagnostics}");
                return ExitCode::FAILURE;
            }
        },
        Some("schema") => codegen::schemas(),
        Some("validate") => {
            return match paysmith_spec::load(&root) {
                Ok(spec) => {
                    println!(
                        "the spec is valid: {} APIs, {} schemes",
                        spec.apis.len(),
                        spec.schemes.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(diagnostics) => {
                    eprintln!("{diagnostics}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let rerun = format!("cargo xtask {}", command.unwrap_or_default());
    run(&root, &files, check, &rerun)
}

fn run(root: &Path, files: &FileSet, check: bool, rerun: &str) -> ExitCode {
    if check {
        let stale = files.check(root);
        if stale.is_empty() {
            println!("{} generated files are up to date", files.len());
            return ExitCode::SUCCESS;
        }
        for problem in &stale {
            eprintln!("{problem}");
        }
        eprintln!("generated files are out of date: run `{rerun}` and commit the result");
        return ExitCode::FAILURE;
    }
    match files.write(root) {
        Ok(Outcome {
            written,
            removed,
            unchanged,
        }) => {
            println!("{written} written, {removed} removed, {unchanged} unchanged");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}
