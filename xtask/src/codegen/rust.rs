//! Shared pieces of code generation: names, types, docs, rendering with the header.

use std::collections::HashSet;
use std::path::PathBuf;

use paysmith_sign::binding::HttpBinding;
use paysmith_spec::Spec;
use paysmith_spec::model::{ApiFile, Field, RequestEncoding, SchemeFile};
use paysmith_spec::names::snake_case;
use paysmith_spec::types::TypeRef;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// One API being generated, with what every part of the generator needs.
pub struct Context<'a> {
    pub spec: &'a Spec,
    pub api: &'a ApiFile,
    pub inputs: Vec<PathBuf>,
    pub hash: String,
    inbound: HashSet<String>,
}

impl<'a> Context<'a> {
    pub fn new(spec: &'a Spec, api: &'a ApiFile) -> Self {
        let inputs = spec.inputs_of(api);
        let hash = spec.hash_of(&inputs);
        let inbound = inbound_types(api);
        Context {
            spec,
            api,
            inputs,
            hash,
            inbound,
        }
    }

    pub fn inputs_display(&self) -> String {
        self.inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The API id as crate directories and packages spell it (`bitpro_mapi` → `bitpro-mapi`).
    pub fn crate_stem(&self) -> String {
        self.api.id.replace('_', "-")
    }

    pub fn models_package(&self) -> String {
        format!("paysmith-{}-models", self.crate_stem())
    }

    pub fn client_package(&self) -> String {
        format!("paysmith-{}-client", self.crate_stem())
    }

    pub fn models_crate(&self) -> Ident {
        ident(&format!("paysmith_{}_models", self.api.id))
    }

    pub fn client_crate(&self) -> Ident {
        ident(&format!("paysmith_{}_client", self.api.id))
    }

    pub fn render(&self, tokens: TokenStream) -> String {
        render_with_header(&self.hash, &self.inputs_display_list(), tokens)
    }

    fn inputs_display_list(&self) -> Vec<String> {
        self.inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect()
    }

    pub fn scheme(&self, id: &str) -> &'a SchemeFile {
        self.spec.scheme(id).expect("validated spec: scheme exists")
    }

    /// Whether an endpoint signs this model's fields as they are written: the request
    /// body of a header-params binding, with no body signature added to it.
    pub fn signs_written_fields(&self, model: &str) -> bool {
        self.api.endpoints.iter().any(|endpoint| {
            endpoint.request.as_deref() == Some(model)
                && endpoint.body_signature.is_none()
                && self.api.encoding == RequestEncoding::Json
                && endpoint.auth.as_deref().is_some_and(|auth| {
                    matches!(self.scheme(auth).http, Some(HttpBinding::HeaderParams(_)))
                })
        })
    }

    /// Whether the type is reachable from a response or a callback.
    pub fn is_inbound(&self, name: &str) -> bool {
        self.inbound.contains(name)
    }

    /// The Rust type of a field, `Option` included when it is not required.
    pub fn field_type(&self, field: &Field) -> TokenStream {
        let ty = TypeRef::parse(&field.ty).expect("validated spec: type parses");
        let inner = type_tokens(&ty);
        // An optional `json` field is `Value::Null` when absent: `Option<Value>` could
        // not tell `null` from absence and would not round-trip.
        if field.required || ty == TypeRef::Json {
            inner
        } else {
            quote!(Option<#inner>)
        }
    }
}

pub fn type_tokens(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Decimal => quote!(::paysmith_types::Decimal),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#name)
        }
        TypeRef::List(inner) => {
            let inner = type_tokens(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens(inner);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Json => quote!(::serde_json::Value),
    }
}

/// Models the provider sends (answers, callbacks, and what they hold), and models no
/// request uses (an error body, say): unknown fields in them are ignored. Only models
/// reached from a request alone refuse unknown fields.
fn inbound_types(api: &ApiFile) -> HashSet<String> {
    let mut inbound = reachable(
        api,
        api.endpoints
            .iter()
            .filter_map(|e| e.response_model())
            .chain(api.callbacks.iter().map(|c| c.payload.clone()))
            .collect(),
    );
    let outbound = reachable(
        api,
        api.endpoints
            .iter()
            .filter_map(|e| e.request.clone())
            .collect(),
    );
    inbound.extend(
        api.models
            .iter()
            .filter(|m| !outbound.contains(&m.name))
            .map(|m| m.name.clone()),
    );
    inbound
}

/// The named models `roots` refer to, directly or through their fields.
fn reachable(api: &ApiFile, roots: Vec<String>) -> HashSet<String> {
    let mut pending = roots;
    let mut seen = HashSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(model) = api.models.iter().find(|m| m.name == name) {
            for field in &model.fields {
                if let Some(inner) = TypeRef::parse(&field.ty)
                    .ok()
                    .and_then(|t| t.named().map(str::to_owned))
                {
                    pending.push(inner);
                }
            }
        }
    }
    seen
}

pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

pub fn field_ident(field: &Field) -> Ident {
    ident(
        &field
            .rust_name
            .clone()
            .unwrap_or_else(|| snake_case(&field.name)),
    )
}

/// `onebitpay-md5` → `ONEBITPAY_MD5`.
pub fn const_name(id: &str) -> Ident {
    ident(&id.replace('-', "_").to_ascii_uppercase())
}

/// `#[doc = "..."]` lines for a description, one attribute per line of text.
pub fn doc(text: &str) -> TokenStream {
    let lines = text
        .trim()
        .lines()
        .map(|line| format!(" {}", line.trim_end()));
    quote!(#(#[doc = #lines])*)
}

pub fn render_with_header(hash: &str, inputs: &[String], tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens)
        .unwrap_or_else(|error| panic!("generator produced invalid Rust: {error}"));
    let mut out = format!(
        "// @generated by `{}` from {}.\n// spec sha256 {hash}\n// Do not edit: change the spec or the generator and regenerate.\n\n",
        super::COMMAND,
        inputs.join(", ")
    );
    out.push_str(&rustfmt(&space_items(&prettyplease::unparse(&file))));
    out
}

/// A blank line between consecutive items of a block, as people write them.
fn space_items(code: &str) -> String {
    // Each line's text and indent, trimmed once: this runs over every generated line.
    let lines: Vec<(&str, &str, usize)> = code
        .lines()
        .map(|line| {
            let text = line.trim_start();
            (line, text, line.len() - text.len())
        })
        .collect();
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    for (index, &(line, _, indent)) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(&(next, next_text, next_indent)) = lines.get(index + 1) else {
            continue;
        };
        let closes_item = matches!(line.trim(), "}" | "};");
        let starts_item = !next_text.trim_end().is_empty()
            && !next_text.starts_with(['}', ')', ']', ','])
            && !next_text.starts_with("else");
        if closes_item && indent == next_indent && starts_item {
            out.push('\n');
        }
        // Between an associated constant and the next documented item.
        let next_is_item = ["///", "#[", "pub ", "fn ", "impl"]
            .iter()
            .any(|start| next_text.starts_with(start));
        if line.ends_with(';') && indent > 0 && indent == next_indent && next_is_item {
            out.push('\n');
        }
        // After the `use` block and between constants.
        if line.ends_with(';')
            && indent == 0
            && !next.starts_with("use ")
            && !next.starts_with("pub use ")
            && starts_item
            && next_indent == 0
        {
            out.push('\n');
        }
    }
    out
}

/// The toolchain's `rustfmt` beside the `cargo` that runs us (cargo says which in
/// `CARGO`): running it directly skips the rustup proxy's start-up for every file.
/// Anything else runs `rustfmt` from the `PATH`.
fn rustfmt_program() -> &'static std::ffi::OsStr {
    static PROGRAM: std::sync::OnceLock<std::ffi::OsString> = std::sync::OnceLock::new();
    PROGRAM.get_or_init(|| {
        std::env::var_os("CARGO")
            .map(|cargo| {
                std::path::Path::new(&cargo)
                    .with_file_name(format!("rustfmt{}", std::env::consts::EXE_SUFFIX))
            })
            .filter(|rustfmt| rustfmt.is_file())
            .map_or_else(|| "rustfmt".into(), Into::into)
    })
}

/// Formats with the toolchain's rustfmt so generated files are what `cargo fmt` keeps.
fn rustfmt(code: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut child = Command::new(rustfmt_program())
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("cannot run rustfmt (rustup component add rustfmt): {error}")
        });
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(code.as_bytes())
        .expect("rustfmt reads its input");
    let output = child.wait_with_output().expect("rustfmt runs");
    assert!(
        output.status.success(),
        "rustfmt rejected generated code: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("rustfmt writes UTF-8")
}
