//! Lines of generated code per generated crate, and the figures they are held to.
//!
//! `compile-cost.json` (beside this crate's manifest) records, per generated crate, the
//! lines of generated Rust and the build times `scripts/compile-cost.sh` measured. A
//! test fails when a crate's generated lines grow past the record by more than the
//! recorded margin, so the generated code cannot silently grow: regenerate the record
//! with the script and commit it with the change that explains the growth.

use std::collections::BTreeMap;
use std::path::Path;

use xtask::files::FileSet;

/// The record, relative to the repository root.
pub const RECORD: &str = "crates/bench/compile-cost.json";

/// Lines of generated Rust per generated crate (`crates/<name>/`), keyed by package
/// name (`paysmith-<name>`): every `.rs` file under the crate's directory.
pub fn generated_lines(files: &FileSet) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::new();
    for (path, contents) in files.iter() {
        let Some(krate) = generated_crate(path) else {
            continue;
        };
        if path.extension().is_some_and(|ext| ext == "rs") {
            *lines.entry(format!("paysmith-{krate}")).or_default() += contents.lines().count();
        }
    }
    lines
}

/// `onebitpay-models` for `crates/onebitpay-models/src/lib.rs`; `None` outside the
/// generated model and client crates.
fn generated_crate(path: &Path) -> Option<String> {
    let mut parts = path.components().map(|c| c.as_os_str().to_string_lossy());
    if parts.next()? != "crates" {
        return None;
    }
    let name = parts.next()?.into_owned();
    (name.ends_with("-models") || name.ends_with("-client")).then_some(name)
}

/// What `compile-cost.json` holds.
#[derive(Debug)]
pub struct Record {
    /// Allowed growth over the recorded lines, in percent.
    pub margin_percent: f64,
    /// Recorded generated lines per package.
    pub lines: BTreeMap<String, usize>,
}

/// Reads the record under `root`.
pub fn read_record(root: &Path) -> Result<Record, String> {
    let path = root.join(RECORD);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let margin_percent = json["margin_percent"]
        .as_f64()
        .ok_or_else(|| format!("{RECORD}: no number `margin_percent`"))?;
    let crates = json["crates"]
        .as_object()
        .ok_or_else(|| format!("{RECORD}: no object `crates`"))?;
    let mut lines = BTreeMap::new();
    for (name, figures) in crates {
        let count = figures["generated_lines"]
            .as_u64()
            .ok_or_else(|| format!("{RECORD}: crates.{name}.generated_lines is not a count"))?;
        lines.insert(name.clone(), usize::try_from(count).unwrap_or(usize::MAX));
    }
    Ok(Record {
        margin_percent,
        lines,
    })
}

/// Every way `now` exceeds the record: a crate over its allowance, or a generated crate
/// the record does not list.
pub fn excess(now: &BTreeMap<String, usize>, record: &Record) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, &lines) in now {
        match record.lines.get(name) {
            None => problems.push(format!(
                "{name}: {lines} generated lines, but {RECORD} has no figure for it"
            )),
            Some(&recorded) => {
                let allowed = allowance(recorded, record.margin_percent);
                if lines > allowed {
                    problems.push(format!(
                        "{name}: {lines} generated lines, more than the recorded {recorded} + {}% ({allowed})",
                        record.margin_percent
                    ));
                }
            }
        }
    }
    problems
}

/// Largest line count accepted for a recorded figure.
pub fn allowance(recorded: usize, margin_percent: f64) -> usize {
    (recorded as f64 * (1.0 + margin_percent / 100.0)).floor() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(lines: &[(&str, usize)]) -> Record {
        Record {
            margin_percent: 10.0,
            lines: lines.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        }
    }

    #[test]
    fn growth_within_the_margin_passes_and_beyond_it_fails() {
        let rec = record(&[("paysmith-a-models", 1000)]);
        let now = |n| BTreeMap::from([("paysmith-a-models".to_owned(), n)]);
        assert!(excess(&now(1100), &rec).is_empty());
        assert!(excess(&now(900), &rec).is_empty());
        let problems = excess(&now(1101), &rec);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("1101"), "{problems:?}");
    }

    #[test]
    fn an_unrecorded_crate_fails() {
        let problems = excess(
            &BTreeMap::from([("paysmith-b-client".to_owned(), 1)]),
            &record(&[]),
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("no figure"));
    }

    #[test]
    fn only_model_and_client_crates_count() {
        let mut files = FileSet::default();
        files.insert("crates/x-models/src/lib.rs", "a\nb\n".into());
        files.insert("crates/x-client/src/lib.rs", "a\n".into());
        files.insert("crates/x-client/Cargo.toml", "a\nb\nc\n".into());
        files.insert("crates/cli/src/embedded_spec.rs", "a\n".into());
        files.insert("conformance/src/generated/x.rs", "a\n".into());
        let lines = generated_lines(&files);
        assert_eq!(
            lines,
            BTreeMap::from([
                ("paysmith-x-client".to_owned(), 1),
                ("paysmith-x-models".to_owned(), 2)
            ])
        );
    }
}
