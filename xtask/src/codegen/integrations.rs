//! Builders for client-side integrations (payment links, HTML widgets): one struct per
//! integration with a typed field per documented attribute, the attribute rules as
//! checks, and the URL or markup built by `paysmith_types::integration`.

use paysmith_spec::model::{Integration, IntegrationAttribute, IntegrationKind};
use paysmith_spec::names::snake_case;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::{Context, doc, ident};

fn field(attribute: &IntegrationAttribute) -> proc_macro2::Ident {
    ident(&snake_case(&attribute.name))
}

fn value_type(attribute: &IntegrationAttribute) -> TokenStream {
    match attribute.ty.as_str() {
        "string" => quote!(String),
        "integer" => quote!(u64),
        name => {
            let name = ident(name);
            quote!(#name)
        }
    }
}

/// The attribute's value as text, from `value` (a reference to the value).
fn to_text(attribute: &IntegrationAttribute, value: TokenStream) -> TokenStream {
    match attribute.ty.as_str() {
        "string" => quote!(#value.clone()),
        "integer" => quote!(#value.to_string()),
        _ => quote!(#value.as_str().to_owned()),
    }
}

/// The checks of one attribute, on `value: &str`.
fn checks(attribute: &IntegrationAttribute) -> Vec<TokenStream> {
    if attribute.ty != "string" {
        return Vec::new();
    }
    let name = attribute.name.as_str();
    let mut out = Vec::new();
    if attribute.required {
        out.push(quote!(::paysmith_types::integration::require(#name, value)?;));
    }
    if let Some(length) = attribute.exact_length {
        out.push(quote!(::paysmith_types::integration::exact_length(#name, value, #length)?;));
    }
    if let Some(length) = attribute.max_length {
        out.push(quote!(::paysmith_types::integration::max_length(#name, value, #length)?;));
    }
    out
}

pub fn integration(ctx: &Context, def: &Integration) -> TokenStream {
    let name = ident(&def.name);
    let description = doc(&format!(
        "{}\n\nSource: `{}`, section \"{}\". Every attribute rule of the document is \
         checked before anything is built, and every value is escaped.",
        def.description, ctx.api.document, def.source.section
    ));
    let fields = def.attributes.iter().map(|attribute| {
        let rust = field(attribute);
        let ty = value_type(attribute);
        let mut text = format!("`{}`: {}", attribute.name, attribute.description);
        if let Some(inferred) = attribute
            .source
            .as_ref()
            .and_then(|s| s.inferred.as_deref())
        {
            text.push_str(&format!("\n\nInferred: {inferred}"));
        }
        let field_doc = doc(&text);
        if attribute.required {
            quote!(#field_doc pub #rust: #ty,)
        } else {
            quote!(#field_doc pub #rust: Option<#ty>,)
        }
    });
    let required: Vec<_> = def.attributes.iter().filter(|a| a.required).collect();
    let new_args = required.iter().map(|a| {
        let rust = field(a);
        let ty = value_type(a);
        if a.ty == "string" {
            quote!(#rust: impl Into<String>)
        } else {
            quote!(#rust: #ty)
        }
    });
    let new_fields = def.attributes.iter().map(|a| {
        let rust = field(a);
        match (a.required, a.ty.as_str()) {
            (true, "string") => quote!(#rust: #rust.into(),),
            (true, _) => quote!(#rust,),
            (false, _) => quote!(#rust: None,),
        }
    });
    let setters = def.attributes.iter().filter(|a| !a.required).map(|a| {
        let rust = field(a);
        let setter = format_ident!("with_{}", snake_case(&a.name));
        let ty = value_type(a);
        let text = doc(&format!("Sets `{}`.", a.name));
        if a.ty == "string" {
            quote! {
                #text
                pub fn #setter(mut self, value: impl Into<String>) -> Self {
                    self.#rust = Some(value.into());
                    self
                }
            }
        } else {
            quote! {
                #text
                pub fn #setter(mut self, value: #ty) -> Self {
                    self.#rust = Some(value);
                    self
                }
            }
        }
    });
    let validations = def.attributes.iter().filter_map(|a| {
        let checks = checks(a);
        if checks.is_empty() {
            return None;
        }
        let rust = field(a);
        Some(if a.required {
            quote! { { let value = self.#rust.as_str(); #(#checks)* } }
        } else {
            quote! { if let Some(value) = self.#rust.as_deref() { #(#checks)* } }
        })
    });
    let (urls_doc, consts, build) = kind_items(def);
    quote! {
        #description
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #consts

            /// A builder with the required attributes; the others are unset.
            pub fn new(#(#new_args),*) -> Self {
                #name { #(#new_fields)* }
            }

            #(#setters)*

            /// Checks every documented rule (lengths, required values).
            pub fn validate(&self) -> Result<(), ::paysmith_types::integration::IntegrationError> {
                #(#validations)*
                Ok(())
            }

            #urls_doc
            #build
        }
    }
}

/// The statement binding `pairs`, the (wire name, text) of the attributes that are
/// set, in the spec's order: required ones first in a `vec!`, then each optional one
/// that is present.
fn pairs(attributes: &[&IntegrationAttribute]) -> TokenStream {
    let wire = |a: &IntegrationAttribute| a.wire.clone().unwrap_or_else(|| a.name.clone());
    let required = attributes.iter().filter(|a| a.required).map(|a| {
        let (wire, rust) = (wire(a), field(a));
        let text = to_text(a, quote!(self.#rust));
        quote!((#wire, #text))
    });
    let optional: Vec<TokenStream> = attributes
        .iter()
        .filter(|a| !a.required)
        .map(|a| {
            let (wire, rust) = (wire(a), field(a));
            let text = to_text(a, quote!(value));
            quote!(if let Some(value) = &self.#rust { pairs.push((#wire, #text)); })
        })
        .collect();
    let mutability = (!optional.is_empty()).then(|| quote!(mut));
    quote! {
        let #mutability pairs: Vec<(&str, String)> = vec![#(#required),*];
        #(#optional)*
    }
}

fn server_consts(prefix: &str, urls: &std::collections::BTreeMap<String, String>) -> TokenStream {
    let items = urls.iter().map(|(server, url)| {
        let name = format_ident!("{}_{}", server.to_ascii_uppercase(), prefix);
        let text = doc(&format!("On the `{server}` server."));
        quote!(#text pub const #name: &'static str = #url;)
    });
    quote!(#(#items)*)
}

fn kind_items(def: &Integration) -> (TokenStream, TokenStream, TokenStream) {
    match &def.kind {
        IntegrationKind::Link { path, base_urls } => {
            let in_path: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            let format_path = path
                .split('/')
                .map(|s| if s.starts_with('{') { "{}" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let path_args = in_path.iter().map(|name| {
                let attribute = def
                    .attributes
                    .iter()
                    .find(|a| a.name == *name)
                    .expect("validated: path attributes exist");
                let rust = field(attribute);
                let text = match attribute.ty.as_str() {
                    "string" => quote!(&self.#rust),
                    _ => {
                        let owned = to_text(attribute, quote!(self.#rust));
                        quote!(&#owned)
                    }
                };
                quote!(::paysmith_types::integration::encode_component(#text))
            });
            let query: Vec<&IntegrationAttribute> = def
                .attributes
                .iter()
                .filter(|a| !in_path.contains(&a.name.as_str()))
                .collect();
            let pairs = pairs(&query);
            let path_args: Vec<TokenStream> = path_args.collect();
            let path_expr = if path_args.is_empty() {
                quote!(#format_path)
            } else {
                quote!(&format!(#format_path, #(#path_args),*))
            };
            (
                doc(
                    "The link on `base_url` (one of the `*_BASE_URL` constants, or a local sandbox).",
                ),
                server_consts("BASE_URL", base_urls),
                quote! {
                    pub fn url(&self, base_url: &str) -> Result<String, ::paysmith_types::integration::IntegrationError> {
                        self.validate()?;
                        let path = #path_expr;
                        #pairs
                        Ok(::paysmith_types::integration::link(base_url, path, &pairs))
                    }
                },
            )
        }
        IntegrationKind::Widget {
            wrapper,
            element,
            element_id,
            label,
            script_urls,
        } => {
            let all: Vec<&IntegrationAttribute> = def.attributes.iter().collect();
            let pairs = pairs(&all);
            (
                doc(&format!(
                    "The HTML snippet loading the script from `script_url` (one of the \
                     `*_SCRIPT_URL` constants): a `{element}` with id `{element_id}` and a \
                     `data-` attribute per value, inside a `{wrapper}`."
                )),
                server_consts("SCRIPT_URL", script_urls),
                quote! {
                    pub fn html(&self, script_url: &str) -> Result<String, ::paysmith_types::integration::IntegrationError> {
                        self.validate()?;
                        #pairs
                        Ok(::paysmith_types::integration::widget(#wrapper, #element, #element_id, &pairs, #label, script_url))
                    }
                },
            )
        }
    }
}
