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

/// Builds every generated file of a validated spec.
pub fn generate_from(spec: &Spec) -> FileSet {
    let mut files = schemas();
    files.own_dir("conformance/src/generated");
    let mut conformance_modules = Vec::new();
    for loaded in &spec.apis {
        let api = &loaded.value;
        let ctx = rust::Context::new(spec, api);
        let models_dir = format!("crates/{}-models", ctx.crate_stem());
        let client_dir = format!("crates/{}-client", ctx.crate_stem());
        files.own_dir(&models_dir);
        files.own_dir(&client_dir);
        files.insert(
            format!("{models_dir}/Cargo.toml"),
            cargo::models_manifest(&ctx),
        );
        files.insert(
            format!("{models_dir}/src/lib.rs"),
            ctx.render(models::lib(&ctx)),
        );
        files.insert(
            format!("{client_dir}/Cargo.toml"),
            cargo::client_manifest(&ctx),
        );
        files.insert(
            format!("{client_dir}/src/lib.rs"),
            ctx.render(client::lib(&ctx)),
        );
        files.insert(
            format!("conformance/src/generated/{}.rs", api.id),
            ctx.render(conformance::module(&ctx)),
        );
        conformance_modules.push(api.id.clone());
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
