//! Shared pieces of code generation: names, types, docs, rendering with the header.

use std::collections::HashSet;
use std::path::PathBuf;

use paysmith_spec::Spec;
use paysmith_spec::model::{ApiFile, EnumDef, Field, ModelDef, SchemeFile};
use paysmith_spec::names::{snake_case, upper_camel};
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

    pub fn models_package(&self) -> String {
        format!("paysmith-{}-models", self.api.id.replace('_', "-"))
    }

    pub fn client_package(&self) -> String {
        format!("paysmith-{}-client", self.api.id.replace('_', "-"))
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

    pub fn enum_def(&self, name: &str) -> Option<&'a EnumDef> {
        self.api.enums.iter().find(|e| e.name == name)
    }

    pub fn model(&self, name: &str) -> &'a ModelDef {
        self.api
            .models
            .iter()
            .find(|m| m.name == name)
            .expect("validated spec: model exists")
    }

    pub fn scheme(&self, id: &str) -> &'a SchemeFile {
        self.spec.scheme(id).expect("validated spec: scheme exists")
    }

    /// Whether the type is reachable from a response or a callback.
    pub fn is_inbound(&self, name: &str) -> bool {
        self.inbound.contains(name)
    }

    /// The Rust type of a field, `Option` included when it is not required.
    pub fn field_type(&self, field: &Field) -> TokenStream {
        let ty = TypeRef::parse(&field.ty).expect("validated spec: type parses");
        let inner = type_tokens(&ty);
        if field.required {
            inner
        } else {
            quote!(::core::option::Option<#inner>)
        }
    }
}

pub fn type_tokens(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Decimal => quote!(::paysmith_types::Decimal),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#name)
        }
        TypeRef::List(inner) => {
            let inner = type_tokens(inner);
            quote!(::std::vec::Vec<#inner>)
        }
    }
}

fn inbound_types(api: &ApiFile) -> HashSet<String> {
    let mut pending: Vec<String> = api
        .endpoints
        .iter()
        .filter_map(|e| e.response.clone())
        .chain(api.callbacks.iter().map(|c| c.payload.clone()))
        .collect();
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

pub fn type_name(id: &str) -> Ident {
    ident(&upper_camel(id))
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
    out.push_str(&prettyplease::unparse(&file));
    out
}
