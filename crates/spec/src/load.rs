//! Reads every spec file, checks it against its JSON Schema, deserializes it and runs
//! the semantic checks. All problems of all files are reported together.

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{ApiFile, ExternalSuite, SchemeFile, VectorFile};
use crate::path::FieldPath;
use crate::prune::{self, Pruned};
use crate::schema;
use crate::spans::SpanMap;
use crate::structural;
use crate::suites;
use crate::validate;

/// Directory of scheme files, relative to the repository root.
pub const SCHEMES_DIR: &str = "spec/schemes";
/// Directory of API files, relative to the repository root.
pub const APIS_DIR: &str = "spec/apis";

/// A parsed file with what is needed to point into it.
#[derive(Debug)]
pub struct Loaded<T> {
    /// Path relative to the repository root, with `/` separators.
    pub path: PathBuf,
    pub text: String,
    pub value: T,
    pub spans: SpanMap,
    /// What was cut from a file with structural problems so that `value` could be
    /// read; empty for a sound file.
    pub pruned: Pruned,
}

impl<T> Loaded<T> {
    /// A diagnostic at the node `path` of `value`, placed at that node in the file.
    pub fn diagnostic(&self, path: &FieldPath, message: impl Into<String>) -> Diagnostic {
        let path = &self.pruned.to_original(path);
        let (line, column) = self.spans.locate(path);
        Diagnostic {
            file: self.path.clone(),
            line,
            column,
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// The whole validated spec.
#[derive(Debug)]
pub struct Spec {
    pub root: PathBuf,
    pub schemes: Vec<Loaded<SchemeFile>>,
    pub apis: Vec<Loaded<ApiFile>>,
    /// Vector files named by schemes, keyed by their path as written in the scheme.
    pub vector_files: Vec<Loaded<VectorFile>>,
    /// Ids (file stems) of scheme files that exist but did not load; references to them
    /// are not reported again as unknown.
    pub broken_schemes: Vec<String>,
}

impl Spec {
    pub fn scheme(&self, id: &str) -> Option<&SchemeFile> {
        self.schemes
            .iter()
            .map(|loaded| &loaded.value)
            .find(|scheme| scheme.id == id)
    }

    pub fn api(&self, id: &str) -> Option<&Loaded<ApiFile>> {
        self.apis.iter().find(|loaded| loaded.value.id == id)
    }

    /// SHA-256 over every spec file's path and bytes, in path order.
    pub fn content_hash(&self) -> String {
        let mut files: Vec<(&Path, &str)> = self
            .schemes
            .iter()
            .map(|l| (l.path.as_path(), l.text.as_str()))
            .chain(
                self.apis
                    .iter()
                    .map(|l| (l.path.as_path(), l.text.as_str())),
            )
            .chain(
                self.vector_files
                    .iter()
                    .map(|l| (l.path.as_path(), l.text.as_str())),
            )
            .collect();
        files.sort();
        let mut hasher = Sha256::new();
        for (path, text) in files {
            hasher.update(path.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        hex::encode(hasher.finalize())
    }

    /// Files an API's generated crates are made from: the API file and its schemes.
    pub fn inputs_of(&self, api: &ApiFile) -> Vec<PathBuf> {
        let mut used: Vec<&str> = api
            .endpoints
            .iter()
            .filter_map(|e| e.auth.as_deref())
            .chain(
                api.endpoints
                    .iter()
                    .filter_map(|e| e.body_signature.as_ref().map(|b| b.scheme.as_str())),
            )
            .chain(
                api.callbacks
                    .iter()
                    .filter_map(|c| c.signature.as_ref().map(|s| s.scheme.as_str())),
            )
            .collect();
        used.sort_unstable();
        used.dedup();
        let mut paths: Vec<PathBuf> = self
            .apis
            .iter()
            .filter(|l| l.value.id == api.id)
            .map(|l| l.path.clone())
            .collect();
        paths.extend(
            self.schemes
                .iter()
                .filter(|l| used.contains(&l.value.id.as_str()))
                .map(|l| l.path.clone()),
        );
        paths
    }

    /// SHA-256 over the given files' paths and bytes, in the order given.
    pub fn hash_of(&self, paths: &[PathBuf]) -> String {
        let mut hasher = Sha256::new();
        for path in paths {
            let text = self
                .schemes
                .iter()
                .find(|l| &l.path == path)
                .map(|l| l.text.as_str())
                .or_else(|| {
                    self.apis
                        .iter()
                        .find(|l| &l.path == path)
                        .map(|l| l.text.as_str())
                })
                .unwrap_or_default();
            hasher.update(path.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        hex::encode(hasher.finalize())
    }
}

/// Where spec files are read from.
#[derive(Clone, Copy)]
enum Files<'a> {
    Disk(&'a Path),
    /// (path relative to the repository root, contents), e.g. a copy built into a binary.
    Memory(&'a [(&'a str, &'a str)]),
}

impl Files<'_> {
    fn read(&self, relative: &Path) -> Result<String, String> {
        match self {
            Files::Disk(root) => fs::read_to_string(root.join(relative)).map_err(|e| e.to_string()),
            Files::Memory(files) => files
                .iter()
                .find(|(path, _)| Path::new(path) == relative)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| "no such file".to_owned()),
        }
    }

    fn list(&self, dir: &str) -> Result<Vec<PathBuf>, String> {
        let mut files: Vec<PathBuf> = match self {
            Files::Disk(root) => fs::read_dir(root.join(dir))
                .map_err(|e| e.to_string())?
                .filter_map(|entry| entry.ok().map(|e| e.file_name()))
                .map(|name| Path::new(dir).join(name))
                .collect(),
            Files::Memory(files) => files.iter().map(|(path, _)| PathBuf::from(path)).collect(),
        };
        files.retain(|path| {
            path.parent() == Some(Path::new(dir))
                && path.extension().is_some_and(|ext| ext == "yaml")
        });
        files.sort();
        Ok(files)
    }

    fn root(&self) -> PathBuf {
        match self {
            Files::Disk(root) => root.to_path_buf(),
            Files::Memory(_) => PathBuf::new(),
        }
    }
}

/// Loads and validates the spec under `root` (the repository root).
pub fn load(root: &Path) -> Result<Spec, Diagnostics> {
    load_from(Files::Disk(root))
}

/// Loads and validates a spec held in memory as (relative path, contents) pairs.
pub fn load_embedded(files: &[(&str, &str)]) -> Result<Spec, Diagnostics> {
    load_from(Files::Memory(files))
}

fn load_from(files: Files<'_>) -> Result<Spec, Diagnostics> {
    let root = files.root();
    let root = root.as_path();
    let mut problems = Vec::new();
    let scheme_schema = schema::scheme_file();
    let api_schema = schema::api_file();
    let vector_schema = schema::vector_file();

    let scheme_paths = yaml_files(files, SCHEMES_DIR, &mut problems);
    let schemes: Vec<Loaded<SchemeFile>> = scheme_paths
        .iter()
        .filter_map(|path| {
            load_yaml(
                files,
                path,
                &scheme_schema,
                "../scheme.schema.json",
                &mut problems,
            )
        })
        .collect();
    let apis: Vec<Loaded<ApiFile>> = yaml_files(files, APIS_DIR, &mut problems)
        .into_iter()
        .filter_map(|path| {
            load_yaml(
                files,
                &path,
                &api_schema,
                "../api.schema.json",
                &mut problems,
            )
        })
        .collect();

    let mut vector_files = Vec::new();
    for scheme in &schemes {
        for (index, relative) in scheme.value.vector_files.iter().enumerate() {
            let at = FieldPath::root().key("vector_files").index(index);
            match load_json::<VectorFile>(files, Path::new(relative), &vector_schema) {
                Ok(file) => vector_files.push(file),
                Err(message) => problems.push(scheme.diagnostic(&at, message)),
            }
        }
        for (index, suite) in scheme.value.external_suites.iter().enumerate() {
            let at = FieldPath::root().key("external_suites").index(index);
            match load_suite(files, suite, &scheme.value.id) {
                Ok(file) => vector_files.push(file),
                Err(message) => problems.push(scheme.diagnostic(&at, message)),
            }
        }
    }

    let broken_schemes = scheme_paths
        .iter()
        .filter(|path| !schemes.iter().any(|l| &l.path == *path))
        .filter_map(|path| path.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .collect();
    let spec = Spec {
        root: root.to_path_buf(),
        schemes,
        apis,
        vector_files,
        broken_schemes,
    };
    problems.extend(validate::validate(&spec));
    if problems.is_empty() {
        Ok(spec)
    } else {
        problems.sort();
        problems.dedup();
        Err(Diagnostics(problems))
    }
}

fn yaml_files(files: Files<'_>, dir: &str, problems: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    files.list(dir).unwrap_or_else(|error| {
        problems.push(file_problem(
            Path::new(dir),
            format!("cannot read directory: {error}"),
        ));
        Vec::new()
    })
}

fn file_problem(path: &Path, message: String) -> Diagnostic {
    Diagnostic {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        path: String::new(),
        message,
    }
}

fn load_yaml<T: DeserializeOwned>(
    files: Files<'_>,
    relative: &Path,
    schema: &serde_json::Value,
    schema_ref: &str,
    problems: &mut Vec<Diagnostic>,
) -> Option<Loaded<T>> {
    let text = match files.read(relative) {
        Ok(text) => text,
        Err(error) => {
            problems.push(file_problem(relative, format!("cannot read: {error}")));
            return None;
        }
    };
    let modeline = format!("# yaml-language-server: $schema={schema_ref}");
    if text.lines().next() != Some(modeline.as_str()) {
        problems.push(Diagnostic {
            file: relative.to_path_buf(),
            line: 1,
            column: 1,
            path: String::new(),
            message: format!("the first line must be `{modeline}` so editors validate the file"),
        });
    }
    let spans = SpanMap::build(&text);
    let document: serde_json::Value = match serde_norway::from_str(&text) {
        Ok(document) => document,
        Err(error) => {
            let (line, column) = error
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            problems.push(Diagnostic {
                file: relative.to_path_buf(),
                line,
                column,
                path: String::new(),
                message: format!("not valid YAML: {error}"),
            });
            return None;
        }
    };
    let mut flagged: Vec<structural::Problem> = structural::problems::<T>(schema, &document);
    if flagged.is_empty()
        && let Err(error) = serde_path_to_error::deserialize::<_, T>(&document)
    {
        // The schema and the model disagree; the model decides.
        flagged.push(structural::Problem::new(
            prune::serde_path(error.path()),
            error.into_inner().to_string(),
        ));
    }
    for problem in &flagged {
        let (line, column) = spans.locate(&problem.path);
        problems.push(Diagnostic {
            file: relative.to_path_buf(),
            line,
            column,
            path: problem.path.to_string(),
            message: problem.message.clone(),
        });
    }
    // The flagged nodes are cut and the rest is read, so the semantic checks still
    // run on everything sound; only a file whose root had to go is left out.
    let cuts: Vec<FieldPath> = flagged.into_iter().map(|p| p.path).collect();
    let (value, pruned) = prune::recover::<T>(document, &cuts)?;
    Some(Loaded {
        path: relative.to_path_buf(),
        text,
        value,
        spans,
        pruned,
    })
}

fn load_json<T: DeserializeOwned>(
    files: Files<'_>,
    relative: &Path,
    schema: &serde_json::Value,
) -> Result<Loaded<T>, String> {
    let text = files
        .read(relative)
        .map_err(|error| format!("cannot read `{}`: {error}", relative.display()))?;
    let document: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| format!("`{}` is not valid JSON: {error}", relative.display()))?;
    if let Some(problem) = structural::problems::<T>(schema, &document).first() {
        return Err(format!(
            "`{}` at {}: {}",
            relative.display(),
            problem.path,
            problem.message
        ));
    }
    let value = serde_path_to_error::deserialize(&document).map_err(|error| {
        format!(
            "`{}` at {}: {}",
            relative.display(),
            prune::serde_path(error.path()),
            error.inner()
        )
    })?;
    Ok(Loaded {
        path: relative.to_path_buf(),
        text,
        value,
        spans: SpanMap::default(),
        pruned: Pruned::default(),
    })
}

/// Reads a published suite and turns its entries into vectors.
fn load_suite(
    files: Files<'_>,
    suite: &ExternalSuite,
    scheme: &str,
) -> Result<Loaded<VectorFile>, String> {
    let relative = Path::new(&suite.path);
    let text = files
        .read(relative)
        .map_err(|error| format!("cannot read `{}`: {error}", relative.display()))?;
    let document: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| format!("`{}` is not valid JSON: {error}", relative.display()))?;
    let value = suites::convert(suite.format, &document, scheme)
        .map_err(|error| format!("`{}`: {error}", relative.display()))?;
    Ok(Loaded {
        path: relative.to_path_buf(),
        text,
        value,
        spans: SpanMap::default(),
        pruned: Pruned::default(),
    })
}
