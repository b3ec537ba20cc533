//! Ratios of every benchmark to its limit.
//!
//! ```text
//! bench-report criterion [CASE…]     from the last `cargo bench --bench signing` (median wall time)
//! bench-report interleaved [CASE…]   median wall time per call, every function of a case
//!                                    measured in turn, round after round
//! bench-report instructions [CASE…]  instructions per call under callgrind (reproducible)
//! bench-report codegen               from the last `cargo bench --bench codegen`, per endpoint,
//!                                    and `cargo xtask codegen --check` as users run it
//! bench-report client                from the last `cargo bench --bench client`: requests per
//!                                    second of each generated client and the hand-written call
//! bench-report client-instructions   the same two calls in instructions per call (callgrind),
//!                                    the in-process sandbox's share included on both sides
//! ```
//!
//! Each prints a Markdown table and exits with 1 when a target is missed.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use std::time::{Duration, Instant};

use paysmith_bench::cases::{CASES, Case, PRIMITIVE, Run, Setup};

const USAGE: &str = "usage: bench-report <criterion|interleaved|instructions> [CASE…]
       bench-report codegen
       bench-report client
       bench-report client-instructions
       bench-report run CASE FUNCTION ITERATIONS   (used under callgrind)
       bench-report run-client CASE SIDE CALLS      (used under callgrind)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let selected = |rest: &[String]| -> Vec<&'static Case> {
        CASES
            .iter()
            .filter(|c| rest.is_empty() || rest.iter().any(|id| id == c.id))
            .collect()
    };
    match args.first().map(String::as_str) {
        Some("criterion") => report(
            &selected(&args[1..]),
            "median wall time",
            each_function(criterion_ns),
        ),
        Some("interleaved") => report(
            &selected(&args[1..]),
            "median wall time (interleaved)",
            interleaved_ns,
        ),
        Some("instructions") => report(
            &selected(&args[1..]),
            "instructions per call (callgrind)",
            each_function(instructions),
        ),
        Some("run") if args.len() == 4 => run(&args[1], &args[2], &args[3]),
        Some("codegen") if args.len() == 1 => codegen(),
        Some("client") if args.len() == 1 => client(),
        Some("client-instructions") if args.len() == 1 => client_instructions(),
        Some("run-client") if args.len() == 4 => run_client(&args[1], &args[2], &args[3]),

        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Runs one measured function `iterations` times.
fn run(id: &str, function: &str, iterations: &str) -> ExitCode {
    let (Some(case), Ok(iterations)) = (paysmith_bench::cases::case(id), iterations.parse::<u32>())
    else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let setup = (case.setup)();
    let Some(f) = setup.run(function) else {
        eprintln!("case `{id}` has no function `{function}`");
        return ExitCode::from(2);
    };
    for _ in 0..iterations {
        black_box(f());
    }
    ExitCode::SUCCESS
}

/// The cost per call of a case's primitive and of each tier, in that order, or why
/// one is unknown.
type Costs = Vec<Result<f64, String>>;

/// Measures every function of a case one at a time with `measure`.
fn each_function(
    measure: fn(&Case, &str) -> Result<f64, String>,
) -> impl Fn(&Case, &Setup) -> Costs {
    move |case, setup| {
        std::iter::once(PRIMITIVE)
            .chain(setup.tiers.iter().map(|t| t.name))
            .map(|function| measure(case, function))
            .collect()
    }
}

fn report(
    cases: &[&'static Case],
    unit: &str,
    measure: impl Fn(&Case, &Setup) -> Costs,
) -> ExitCode {
    let mut missed = false;
    println!("| case | function | {unit} | ratio to primitive | target | |");
    println!("| --- | --- | ---: | ---: | ---: | --- |");
    for case in cases {
        let setup = (case.setup)();
        let mut costs = measure(case, &setup).into_iter();
        let base = match costs.next().expect("the primitive's cost") {
            Ok(base) => base,
            Err(problem) => {
                eprintln!("{}: {problem}", case.id);
                missed = true;
                continue;
            }
        };
        println!(
            "| {} | {PRIMITIVE} ({}) | {} | 1.00 | | |",
            case.id,
            case.limit,
            show(base)
        );
        for (tier, cost) in setup.tiers.iter().zip(costs) {
            let cost = match cost {
                Ok(cost) => cost,
                Err(problem) => {
                    eprintln!("{} {}: {problem}", case.id, tier.name);
                    missed = true;
                    continue;
                }
            };
            let ratio = cost / base;
            let (target, verdict) = if tier.name == case.target_tier {
                let met = ratio <= case.target;
                missed |= !met;
                (
                    format!("≤ {:.2}", case.target),
                    format!(
                        "{} ({:.0}% of the limit)",
                        if met { "met" } else { "MISSED" },
                        100.0 * ratio / case.target
                    ),
                )
            } else {
                (String::new(), "(context)".to_owned())
            };
            println!(
                "| {} | {} | {} | {ratio:.2} | {target} | {verdict} |",
                case.id,
                tier.name,
                show(cost)
            );
        }
    }
    if missed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn show(value: f64) -> String {
    if value >= 1e6 {
        format!("{:.2} M", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.2} k", value / 1e3)
    } else {
        format!("{value:.0}")
    }
}

/// Where criterion writes its results (its own rule: `CRITERION_HOME`, else the
/// target directory).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| paysmith_bench::fixtures::root().join("target"))
        .join("criterion")
}

/// Median nanoseconds per call from criterion's last run.
fn criterion_ns(case: &Case, function: &str) -> Result<f64, String> {
    criterion_median(&[case.id, function])
}

fn criterion_median(id: &[&str]) -> Result<f64, String> {
    let mut path = criterion_home();
    path.extend(id);
    let path = path.join("new/estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} (run `cargo bench -p paysmith-bench` first)",
            path.display()
        )
    })?;
    let estimates: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    estimates["median"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| format!("{}: no median point estimate", path.display()))
}

/// Nanoseconds per call of every function of a case, measured in rounds that call
/// each function in turn for about 50 µs: a slower stretch of a shared machine slows
/// all of them alike, where criterion measures one function after the other.
fn interleaved_ns(_case: &Case, setup: &Setup) -> Costs {
    const ROUNDS: usize = 2001;
    const BATCH: Duration = Duration::from_micros(50);
    let functions: Vec<&Run> = std::iter::once(&setup.primitive)
        .chain(setup.tiers.iter().map(|t| &t.run))
        .collect();
    // Calls per batch, from a warm-up of each function.
    let batches: Vec<u32> = functions
        .iter()
        .map(|f| {
            let (calls, elapsed) = time_calls(f, 1000, Duration::from_millis(20));
            let per_call = elapsed.as_secs_f64() / f64::from(calls);
            (BATCH.as_secs_f64() / per_call).clamp(1.0, 1e6) as u32
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(ROUNDS); functions.len()];
    for _ in 0..ROUNDS {
        for ((f, &calls), samples) in functions.iter().zip(&batches).zip(&mut samples) {
            let start = Instant::now();
            for _ in 0..calls {
                black_box(f());
            }
            samples.push(start.elapsed().as_secs_f64() * 1e9 / f64::from(calls));
        }
    }
    samples
        .into_iter()
        .map(|mut ns| {
            ns.sort_by(f64::total_cmp);
            Ok(ns[ns.len() / 2])
        })
        .collect()
}

/// Calls `f` up to `calls` times or until `limit` has passed: the calls made and the
/// time they took.
fn time_calls(f: &Run, calls: u32, limit: Duration) -> (u32, Duration) {
    let start = Instant::now();
    for made in 1..=calls {
        black_box(f());
        if start.elapsed() >= limit {
            return (made, start.elapsed());
        }
    }
    (calls, start.elapsed())
}

/// Instructions per call: the difference between runs of 2n and n calls, divided by
/// n, so set-up and start-up cancel out.
fn instructions(case: &Case, function: &str) -> Result<f64, String> {
    per_call(u64::from(case.callgrind_iterations), |calls| {
        callgrind(&["run", case.id, function, &calls.to_string()])
    })
}

/// Instructions per call from runs of `n` and `2n` calls (`collected` counts one run).
fn per_call(n: u64, collected: impl Fn(u64) -> Result<u64, String>) -> Result<f64, String> {
    let once = collected(n)?;
    let twice = collected(2 * n)?;
    Ok(twice.saturating_sub(once) as f64 / n as f64)
}

/// Instructions callgrind counted in this program run with `args` (every thread).
fn callgrind(args: &[&str]) -> Result<u64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("valgrind failed: {stderr}"));
    }
    stderr
        .lines()
        .find_map(|line| {
            let (_, rest) = line.split_once("Collected :")?;
            rest.trim().parse().ok()
        })
        .ok_or_else(|| format!("no `Collected` line in callgrind's output: {stderr}"))
}

/// Code generation against its 1 s target, and time per endpoint as the spec grows.
fn codegen() -> ExitCode {
    use paysmith_bench::synthetic::{FACTORS, endpoint_count, grown_files};

    let root = paysmith_bench::fixtures::root();
    let spec = match paysmith_spec::load(&root) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return ExitCode::FAILURE;
        }
    };
    let mut missed = false;
    println!("| spec | endpoints | load, validate, generate (median) | per endpoint | target | |");
    println!("| --- | ---: | ---: | ---: | ---: | --- |");
    match criterion_median(&["codegen", "repository"]) {
        Ok(ns) => {
            let met = ns < 1e9;
            missed |= !met;
            println!(
                "| repository, from disk (optimised build) | {} | {} | {} | < 1 s | {} ({:.1}% of the limit) |",
                endpoint_count(&spec),
                seconds(ns),
                seconds(ns / endpoint_count(&spec) as f64),
                if met { "met" } else { "MISSED" },
                ns / 1e7
            );
        }
        Err(problem) => {
            eprintln!("{problem}");
            missed = true;
        }
    }
    for factor in FACTORS {
        let files = grown_files(&spec, factor);
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let endpoints = match paysmith_spec::load_embedded(&borrowed) {
            Ok(grown) => endpoint_count(&grown),
            Err(diagnostics) => {
                eprintln!("{diagnostics}");
                missed = true;
                continue;
            }
        };
        match criterion_median(&["codegen", "synthetic", &factor.to_string()]) {
            Ok(ns) => println!(
                "| {factor}× endpoints, in memory | {endpoints} | {} | {} | | |",
                seconds(ns),
                seconds(ns / endpoints as f64)
            ),
            Err(problem) => {
                eprintln!("{problem}");
                missed = true;
            }
        }
    }
    match xtask_wall_time(&root) {
        Ok(ns) => {
            let met = ns < 1e9;
            missed |= !met;
            println!(
                "| repository, `cargo xtask codegen --check` (dev build, as run by users; median of 5) | {} | {} | | < 1 s | {} ({:.1}% of the limit) |",
                endpoint_count(&spec),
                seconds(ns),
                if met { "met" } else { "MISSED" },
                ns / 1e7
            );
        }
        Err(problem) => {
            eprintln!("{problem}");
            missed = true;
        }
    }
    if missed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn seconds(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.0} µs", ns / 1e3)
    }
}

/// Median wall time of `cargo xtask codegen --check` after one run that builds it.
fn xtask_wall_time(root: &std::path::Path) -> Result<f64, String> {
    let run = || -> Result<f64, String> {
        let start = std::time::Instant::now();
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["xtask", "codegen", "--check"])
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("cannot run cargo xtask: {e}"))?;
        if !status.success() {
            return Err("`cargo xtask codegen --check` failed".into());
        }
        Ok(start.elapsed().as_nanos() as f64)
    };
    run()?;
    let mut times = (0..5).map(|_| run()).collect::<Result<Vec<_>, _>>()?;
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// Requests per second of each generated client call next to the hand-written call,
/// against the target ratio.
fn client() -> ExitCode {
    use paysmith_bench::client::{CLIENT_CASES, GENERATED, GROUP, HANDWRITTEN, TARGET};

    let mut missed = false;
    println!(
        "| case | generated client (req/s) | hand-written reqwest (req/s) | ratio | target | |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | --- |");
    for case in CLIENT_CASES {
        let median = |side| criterion_median(&[GROUP, case.id, side]);
        let (generated, handwritten) = match (median(GENERATED), median(HANDWRITTEN)) {
            (Ok(generated), Ok(handwritten)) => (generated, handwritten),
            (Err(problem), _) | (_, Err(problem)) => {
                eprintln!("{problem}");
                missed = true;
                continue;
            }
        };
        // Requests per second from the median time per request; the ratio of rates is
        // the inverse ratio of times.
        let ratio = handwritten / generated;
        let met = ratio >= TARGET;
        missed |= !met;
        println!(
            "| {} | {:.0} | {:.0} | {ratio:.3} | ≥ {TARGET:.2} | {} |",
            case.id,
            1e9 / generated,
            1e9 / handwritten,
            if met { "met" } else { "MISSED" },
        );
    }
    if missed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs one client case's call `calls` times from one side.
fn run_client(id: &str, side: &str, calls: &str) -> ExitCode {
    use paysmith_bench::client::{GENERATED, HANDWRITTEN, Repeat, for_each_case};

    let Ok(calls) = calls.parse::<u32>() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if side != GENERATED && side != HANDWRITTEN {
        eprintln!("side must be `{GENERATED}` or `{HANDWRITTEN}`, not `{side}`");
        return ExitCode::from(2);
    }
    let mut repeat = Repeat {
        case: id,
        side,
        calls,
        ran: false,
    };
    for_each_case(&mut repeat);
    if repeat.ran {
        ExitCode::SUCCESS
    } else {
        eprintln!("no client case `{id}`");
        ExitCode::from(2)
    }
}

/// Calls per callgrind run of a client case (n and 2n, as for signing).
const CLIENT_CALLGRIND_CALLS: u64 = 200;

/// Instructions per call of each side of each client case. The sandbox runs in the same
/// process, so its work (the same for both sides) is in both figures; the difference
/// per call is the generated client's own extra work (negative: less).
fn client_instructions() -> ExitCode {
    use paysmith_bench::client::{CLIENT_CASES, GENERATED, HANDWRITTEN, TARGET};

    let per_call = |id: &str, side: &str| {
        per_call(CLIENT_CALLGRIND_CALLS, |calls| {
            callgrind(&["run-client", id, side, &calls.to_string()])
        })
    };
    let mut missed = false;
    println!(
        "| case | generated client (instructions per call) | hand-written reqwest | difference | ratio | target | |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for case in CLIENT_CASES {
        let (generated, handwritten) =
            match (per_call(case.id, GENERATED), per_call(case.id, HANDWRITTEN)) {
                (Ok(generated), Ok(handwritten)) => (generated, handwritten),
                (Err(problem), _) | (_, Err(problem)) => {
                    eprintln!("{}: {problem}", case.id);
                    missed = true;
                    continue;
                }
            };
        // As requests per second: the inverse ratio of costs.
        let ratio = handwritten / generated;
        let met = ratio >= TARGET;
        missed |= !met;
        let difference = generated - handwritten;
        println!(
            "| {} | {} | {} | {}{} | {ratio:.3} | ≥ {TARGET:.2} | {} |",
            case.id,
            show(generated),
            show(handwritten),
            if difference < 0.0 { "−" } else { "+" },
            show(difference.abs()),
            if met { "met" } else { "MISSED" },
        );
    }
    if missed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
