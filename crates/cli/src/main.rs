//! `paysmith`: sign, explain and verify provider signatures stage by stage, and run
//! the signing vectors. Exit status: 0 success, 1 a signature or vector does not hold,
//! 2 bad input or usage.

mod bitpay;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use paysmith_cli::explain::{describe, indent_continuation, shown, stage_json};
use paysmith_cli::{junit, vectors};
use paysmith_sign::binding::flatten_body;
use paysmith_sign::{SchemeFamily, Secret, Trace, VerifyError, sign_input, verify_input};
use paysmith_spec::Spec;

#[derive(Parser)]
#[command(
    name = "paysmith",
    version,
    about = "Signatures for crypto payment gateways, stage by stage"
)]
struct Cli {
    /// Use the spec of this repository root instead of the one built in.
    #[arg(long, global = true, value_name = "DIR")]
    spec: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign an input and print every stage as one JSON object.
    Sign {
        scheme: String,
        /// Input JSON file, `-` for standard input.
        #[arg(long, value_name = "FILE")]
        input: String,
        /// Print stages that contain the secret.
        #[arg(long)]
        show_secrets: bool,
    },
    /// Sign an input and explain every stage in numbered steps.
    Explain {
        scheme: String,
        #[arg(long, value_name = "FILE")]
        input: String,
        #[arg(long)]
        show_secrets: bool,
    },
    /// Check a signature (scheme id) or a callback body (`<api>.<callback>`), naming
    /// the stage that disagrees.
    Verify {
        target: String,
        #[arg(long, value_name = "FILE")]
        input: String,
        #[arg(long)]
        show_secrets: bool,
    },
    /// Signing vectors.
    Vectors {
        #[command(subcommand)]
        command: VectorsCommand,
    },
    /// List the schemes and callbacks this spec knows.
    Schemes,
    /// BitPay: the client key, its SIN, and pairing.
    Bitpay {
        #[command(subcommand)]
        command: bitpay::Command,
    },
    /// Serve the providers' APIs locally, verifying every signature (until Ctrl-C).
    Sandbox(paysmith_cli::sandbox::SandboxArgs),
}

#[derive(Subcommand)]
enum VectorsCommand {
    /// Run every vector of the spec, and of the given vector files.
    Check {
        files: Vec<PathBuf>,
        /// Write a JSON report here.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Write a JUnit XML report here.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
}

/// A failure and its exit status.
struct Failure {
    status: u8,
    message: String,
}

fn bad_input(message: impl Into<String>) -> Failure {
    Failure {
        status: 2,
        message: message.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(failure) => {
            eprintln!("paysmith: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let spec = match &cli.spec {
        Some(root) => paysmith_spec::load(root),
        None => paysmith_cli::embedded_spec(),
    }
    .map_err(|diagnostics| bad_input(diagnostics.to_string()))?;
    match cli.command {
        Command::Sign {
            scheme,
            input,
            show_secrets,
        } => sign(&spec, &scheme, &input, show_secrets),
        Command::Explain {
            scheme,
            input,
            show_secrets,
        } => explain(&spec, &scheme, &input, show_secrets),
        Command::Verify {
            target,
            input,
            show_secrets,
        } => match target.split_once('.') {
            Some((api, callback)) => verify_callback(&spec, api, callback, &input, show_secrets),
            None => verify_scheme(&spec, &target, &input, show_secrets),
        },
        Command::Vectors {
            command: VectorsCommand::Check { files, json, junit },
        } => check_vectors(&spec, &files, json.as_deref(), junit.as_deref()),
        Command::Bitpay { command } => bitpay::run(command),
        Command::Sandbox(args) => paysmith_cli::sandbox::run(&spec, args)
            .map(|()| 0)
            .map_err(bad_input),
        Command::Schemes => {
            for scheme in &spec.schemes {
                println!(
                    "{}\t{}\t{}",
                    scheme.value.id,
                    scheme.value.signing.name(),
                    scheme.value.title
                );
            }
            for api in &spec.apis {
                for callback in &api.value.callbacks {
                    println!(
                        "{}.{}\tcallback\t{}",
                        api.value.id, callback.id, callback.summary
                    );
                }
            }
            Ok(0)
        }
    }
}

fn read_input(path: &str) -> Result<serde_json::Value, Failure> {
    let mut text = String::new();
    if path == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| bad_input(format!("cannot read standard input: {e}")))?;
    } else {
        text = std::fs::read_to_string(path)
            .map_err(|e| bad_input(format!("cannot read `{path}`: {e}")))?;
    }
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad_input(format!("`{path}` is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(bad_input(format!("`{path}` must hold a JSON object")));
    }
    Ok(value)
}

fn family<'a>(spec: &'a Spec, scheme: &str) -> Result<&'a SchemeFamily, Failure> {
    spec.scheme(scheme).map(|s| &s.signing).ok_or_else(|| {
        let known: Vec<&str> = spec.schemes.iter().map(|s| s.value.id.as_str()).collect();
        bad_input(format!(
            "unknown scheme `{scheme}`; known: {}",
            known.join(", ")
        ))
    })
}

fn sign(spec: &Spec, scheme: &str, input: &str, show_secrets: bool) -> Result<u8, Failure> {
    let family = family(spec, scheme)?;
    let trace = sign_input(family, &read_input(input)?).map_err(|e| bad_input(e.to_string()))?;
    let mut out = serde_json::Map::new();
    out.insert("scheme".into(), scheme.into());
    out.insert("family".into(), family.name().into());
    for stage in trace.iter() {
        out.insert(stage.name.into(), stage_json(stage, show_secrets));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("JSON object")
    );
    Ok(0)
}

fn print_steps(family: &str, trace: &Trace, show_secrets: bool) {
    for (number, stage) in trace.iter().enumerate() {
        println!(
            "{}. {}: {}",
            number + 1,
            stage.name,
            describe(family, stage.name)
        );
        println!(
            "   {}",
            indent_continuation(shown(stage, show_secrets), "   ")
        );
    }
}

fn explain(spec: &Spec, scheme: &str, input: &str, show_secrets: bool) -> Result<u8, Failure> {
    let family = family(spec, scheme)?;
    let trace = sign_input(family, &read_input(input)?).map_err(|e| bad_input(e.to_string()))?;
    println!("{scheme} ({})", family.name());
    print_steps(family.name(), &trace, show_secrets);
    Ok(0)
}

fn verify_scheme(
    spec: &Spec,
    scheme: &str,
    input: &str,
    show_secrets: bool,
) -> Result<u8, Failure> {
    let family = family(spec, scheme)?;
    let mut input = read_input(input)?;
    let expect = input.as_object_mut().and_then(|o| o.remove("expect"));
    if let Some(expect) = expect {
        let expect = expect
            .as_object()
            .ok_or_else(|| bad_input("input field `expect`: expected an object of stage values"))?;
        let has_signature = input.get("signature").is_some();
        let mut unsigned = input.clone();
        if has_signature && let Some(object) = unsigned.as_object_mut() {
            object.remove("signature");
        }
        let trace = sign_input(family, &unsigned).map_err(|e| bad_input(e.to_string()))?;
        return Ok(compare_stages(family.name(), &trace, expect, show_secrets));
    }
    match verify_input(family, &input) {
        Ok(trace) => {
            print_steps(family.name(), &trace, show_secrets);
            println!("ok: the signature matches");
            Ok(0)
        }
        Err(VerifyError::Input(e)) => Err(bad_input(e.to_string())),
        Err(VerifyError::Mismatch {
            stage,
            expected,
            got,
            trace,
        }) => {
            print_steps(family.name(), &trace, show_secrets);
            println!("MISMATCH at stage {stage}: computed {expected}, given {got}");
            println!(
                "every earlier stage is what was signed here: if the provider's string to sign \
                 equals `string_to_sign`, the secret or the digest differs; otherwise compare the two strings"
            );
            Ok(1)
        }
        Err(VerifyError::PlaintextMismatch { signed, expected }) => {
            println!(
                "MISMATCH at stage plaintext: the signature is valid for this key but was made over"
            );
            println!("   {}", indent_continuation(&signed, "   "));
            println!("not over");
            println!("   {}", indent_continuation(&expected, "   "));
            Ok(1)
        }
        Err(VerifyError::SignatureInvalid { trace }) => {
            print_steps(family.name(), &trace, show_secrets);
            println!(
                "MISMATCH at stage signature: it does not verify under this public key over this message \
                 (another key made it, or it covers other bytes: compare `message` with what was sent)"
            );
            Ok(1)
        }
        Err(VerifyError::WrongKeyOrCorrupt) => {
            println!(
                "MISMATCH at stage signature: it does not open under this key (another key made it, or it is damaged)"
            );
            Ok(1)
        }
        Err(other) => Err(bad_input(other.to_string())),
    }
}

/// Prints every stage against `expect`; returns 1 at the first difference.
fn compare_stages(
    family: &str,
    trace: &Trace,
    expect: &serde_json::Map<String, serde_json::Value>,
    show_secrets: bool,
) -> u8 {
    for key in expect.keys() {
        if trace.get(key).is_none() {
            println!("MISMATCH: the {family} family has no stage `{key}`");
            return 1;
        }
    }
    for (number, stage) in trace.iter().enumerate() {
        let value = shown(stage, show_secrets);
        let continued = |text: &str| indent_continuation(text, "            ");
        match expect.get(stage.name).map(|v| v.as_str()) {
            None => println!(
                "{}. {}: {}",
                number + 1,
                stage.name,
                indent_continuation(value, "   ")
            ),
            Some(Some(expected)) if expected == stage.value => println!(
                "{}. {}: ok {}",
                number + 1,
                stage.name,
                indent_continuation(value, "   ")
            ),
            Some(expected) => {
                println!("{}. {}: MISMATCH", number + 1, stage.name);
                println!("   computed {}", continued(value));
                println!(
                    "   expected {}",
                    continued(expected.unwrap_or("<not a string>"))
                );
                println!(
                    "the first stage that disagrees is `{}` ({})",
                    stage.name,
                    describe(family, stage.name)
                );
                return 1;
            }
        }
    }
    println!("ok: every expected stage matches");
    0
}

fn verify_callback(
    spec: &Spec,
    api: &str,
    callback: &str,
    input: &str,
    show_secrets: bool,
) -> Result<u8, Failure> {
    let api_file = spec
        .api(api)
        .ok_or_else(|| bad_input(format!("unknown api `{api}`")))?;
    let definition = api_file
        .value
        .callbacks
        .iter()
        .find(|c| c.id == callback)
        .ok_or_else(|| bad_input(format!("api `{api}` has no callback `{callback}`")))?;
    let Some(signature) = &definition.signature else {
        let why = definition
            .unsigned
            .as_ref()
            .map(|u| u.why.trim())
            .unwrap_or("the document describes no signature");
        return Err(bad_input(format!(
            "`{api}.{callback}` is not signed by the provider, so there is nothing to verify: \
             {why} Confirm it through the signed API instead (`Client::confirm_{callback}`)."
        )));
    };
    let SchemeFamily::SortedParamsDigest(config) = family(spec, &signature.scheme)? else {
        return Err(bad_input(
            "this callback's scheme is not a sorted-params digest",
        ));
    };
    let input = read_input(input)?;
    for key in input.as_object().into_iter().flat_map(|o| o.keys()) {
        if key != "body" && key != "secret" {
            return Err(bad_input(format!(
                "input field `{key}`: unknown field (expected `body`, `secret`)"
            )));
        }
    }
    let secret = input
        .get("secret")
        .and_then(|s| s.as_str())
        .ok_or_else(|| bad_input("input field `secret`: missing or not a string"))?;
    let body = match input.get("body") {
        Some(serde_json::Value::String(raw)) => serde_json::from_str(raw)
            .map_err(|e| bad_input(format!("input field `body`: not JSON: {e}")))?,
        Some(object @ serde_json::Value::Object(_)) => object.clone(),
        _ => {
            return Err(bad_input(
                "input field `body`: expected the callback body (object or string)",
            ));
        }
    };
    let field = signature.field.as_str();
    let received = body
        .get(field)
        .and_then(|s| s.as_str())
        .ok_or_else(|| {
            bad_input(format!(
                "input field `body.{field}`: missing or not a string"
            ))
        })?
        .to_owned();
    let mut unsigned = body.clone();
    if let Some(object) = unsigned.as_object_mut() {
        object.remove(field);
    }
    let params =
        flatten_body(&unsigned).map_err(|e| bad_input(format!("input field `body`: {e}")))?;
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    println!(
        "{api}.{callback}: every field but `{field}` is signed with scheme {}",
        signature.scheme
    );
    match config.verify(pairs.iter().copied(), &Secret::new(secret), &received) {
        Ok(trace) => {
            print_steps("sorted-params-digest", &trace, show_secrets);
            println!("ok: the callback signature matches");
            Ok(0)
        }
        Err(VerifyError::Mismatch {
            expected,
            got,
            trace,
            ..
        }) => {
            print_steps("sorted-params-digest", &trace, show_secrets);
            println!("MISMATCH at stage signature: computed {expected}, received {got}");
            Ok(1)
        }
        Err(other) => Err(bad_input(other.to_string())),
    }
}

fn check_vectors(
    spec: &Spec,
    files: &[PathBuf],
    json: Option<&Path>,
    junit_path: Option<&Path>,
) -> Result<u8, Failure> {
    let extra = files
        .iter()
        .map(|path| vectors::read_file(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad_input)?;
    let report = vectors::run_all(spec, &extra);
    for outcome in &report.outcomes {
        match &outcome.failure {
            None => println!("PASS {}/{}", outcome.scheme, outcome.id),
            Some(why) => println!("FAIL {}/{}: {why}", outcome.scheme, outcome.id),
        }
    }
    println!("{} passed, {} failed", report.passed(), report.failed());
    let write = |path: &Path, contents: String| {
        std::fs::write(path, contents)
            .map_err(|e| bad_input(format!("cannot write `{}`: {e}", path.display())))
    };
    if let Some(path) = json {
        write(
            path,
            serde_json::to_string_pretty(&report.to_json()).expect("JSON"),
        )?;
    }
    if let Some(path) = junit_path {
        write(path, junit::render(&report))?;
    }
    Ok(if report.failed() == 0 { 0 } else { 1 })
}
