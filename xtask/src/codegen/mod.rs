//! Spec → files. Everything is built in memory first; nothing is written from an
//! invalid spec.

mod cargo;
mod client;
mod confirm;
mod conformance;
mod consts;
mod facades;
mod integrations;
mod models;
mod rust;

use std::path::Path;

use paysmith_spec::{Diagnostics, Spec, load};

use crate::files::FileSet;

/// The command that regenerates every generated file.
pub const COMMAND: &str = "cargo xtask codegen";

/// Loads and validates the spec under `root` and builds every generated file.
pub fn generate(root: &Path) -> Result<FileSet, Diagnostics> {
    let spec = load(root)?;
    Ok(generate_from(&spec))
}

/// Builds every generated file of a validated spec. Each API is rendered on its own
/// thread: formatting (syn, prettyplease, a rustfmt process per file) dominates, and
/// the files are inserted in spec order, so the output does not depend on timing.
pub fn generate_from(spec: &Spec) -> FileSet {
    let mut files = schemas();
    files.own_dir("conformance/src/generated");
    let rendered: Vec<ApiFiles> = std::thread::scope(|scope| {
        let threads: Vec<_> = spec
            .apis
            .iter()
            .map(|loaded| scope.spawn(|| render_api(spec, &loaded.value)))
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("rendering an API does not panic"))
            .collect()
    });
    let mut conformance_modules = Vec::new();
    for api in rendered {
        for dir in api.dirs {
            files.own_dir(dir);
        }
        for (path, contents) in api.files {
            files.insert(path, contents);
        }
        conformance_modules.push(api.id);
    }
    files.insert("crates/cli/src/embedded_spec.rs", embedded_spec(spec));
    files.insert(
        "conformance/src/generated/mod.rs",
        rust::render_with_header(
            &spec.content_hash(),
            &["spec/apis/*.yaml".into()],
            conformance::index(&conformance_modules),
        ),
    );
    files
}

/// The generated files of one API and the directories they own.
struct ApiFiles {
    id: String,
    dirs: [String; 2],
    files: Vec<(String, String)>,
}

fn render_api(spec: &Spec, api: &paysmith_spec::model::ApiFile) -> ApiFiles {
    let ctx = rust::Context::new(spec, api);
    let models_dir = format!("crates/{}-models", ctx.crate_stem());
    let client_dir = format!("crates/{}-client", ctx.crate_stem());
    let files = vec![
        (
            format!("{models_dir}/Cargo.toml"),
            cargo::models_manifest(&ctx),
        ),
        (
            format!("{models_dir}/src/lib.rs"),
            ctx.render(models::lib(&ctx)),
        ),
        (
            format!("{client_dir}/Cargo.toml"),
            cargo::client_manifest(&ctx),
        ),
        (
            format!("{client_dir}/src/lib.rs"),
            ctx.render(client::lib(&ctx)),
        ),
        (
            format!("conformance/src/generated/{}.rs", api.id),
            ctx.render(conformance::module(&ctx)),
        ),
    ];
    ApiFiles {
        id: api.id.clone(),
        dirs: [models_dir, client_dir],
        files,
    }
}

/// The whole spec as data, so the `paysmith` binary works outside this repository.
fn embedded_spec(spec: &Spec) -> String {
    let mut entries: Vec<(String, &str)> = spec
        .schemes
        .iter()
        .map(|l| (l.path.display().to_string(), l.text.as_str()))
        .chain(
            spec.apis
                .iter()
                .map(|l| (l.path.display().to_string(), l.text.as_str())),
        )
        .chain(
            spec.vector_files
                .iter()
                .map(|l| (l.path.display().to_string(), l.text.as_str())),
        )
        .collect();
    entries.sort();
    let rows = entries
        .iter()
        .map(|(path, text)| quote::quote!((#path, #text)));
    rust::render_with_header(
        &spec.content_hash(),
        &["spec/**".into()],
        quote::quote! {
            //! The spec this binary was built with: (path, contents) of every spec file.

            /// Every spec file, by path relative to the repository root.
            pub const FILES: &[(&str, &str)] = &[#(#rows),*];
        },
    )
}

/// The JSON Schemas of the spec file kinds.
pub fn schemas() -> FileSet {
    let mut files = FileSet::default();
    for (path, contents) in paysmith_spec::schema::checked_in() {
        files.insert(path, contents);
    }
    files
}
