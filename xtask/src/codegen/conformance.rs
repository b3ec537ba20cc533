//! Per-API glue for the conformance crate: model and endpoint dispatch by name, and a
//! proptest strategy for every model, so property tests cover everything generated.

use paysmith_spec::model::{Endpoint, EnumDef, EnumRepr, ModelDef, TokenPlacement};
use paysmith_spec::names::{snake_case, upper_camel};
use paysmith_spec::types::TypeRef;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::{Context, field_ident, ident};

/// `conformance/src/generated/mod.rs`: one module per API.
pub fn index(apis: &[String]) -> TokenStream {
    let modules: Vec<_> = apis.iter().map(|id| ident(id)).collect();
    let ids = apis.iter().map(String::as_str);
    quote! {
        //! Generated per-API glue for the conformance suite.
        #(pub mod #modules;)*

        /// Parses `json` into the named model of the named API and serialises it back.
        pub fn roundtrip(api: &str, model: &str, json: &str) -> Result<::serde_json::Value, String> {
            match api {
                #(#ids => #modules::roundtrip(model, json),)*
                other => Err(format!("no generated glue for API `{other}`")),
            }
        }
    }
}

pub fn module(ctx: &Context) -> TokenStream {
    let api = ctx.api;
    let models = ctx.models_crate();
    let id = api.id.as_str();
    let model_names: Vec<&str> = api.models.iter().map(|m| m.name.as_str()).collect();
    let model_idents: Vec<_> = model_names.iter().map(|m| ident(m)).collect();
    let inbound_names: Vec<&str> = model_names
        .iter()
        .copied()
        .filter(|m| ctx.is_inbound(m))
        .collect();
    let endpoint_ids: Vec<&str> = api.endpoints.iter().map(|e| e.id.as_str()).collect();
    let calls = if api.facades.is_empty() {
        single_client_calls(ctx)
    } else {
        facade_calls(ctx)
    };
    let enum_strategies = api.enums.iter().map(enum_strategy);
    let model_strategies = api.models.iter().map(model_strategy);
    let model_strategy_fns: Vec<_> = model_names.iter().map(|m| ident(&snake_case(m))).collect();
    quote! {
        //! Generated glue for the API.
        use ::#models::*;
        use ::proptest::prelude::*;
        use ::proptest::strategy::{BoxedStrategy, Union};

        /// The API id.
        pub const API: &str = #id;

        /// Every model, by name.
        pub const MODELS: &[&str] = &[#(#model_names),*];

        /// The models the provider sends (unknown fields ignored); the others refuse them.
        pub const INBOUND_MODELS: &[&str] = &[#(#inbound_names),*];

        /// Every endpoint, by id.
        pub const ENDPOINTS: &[&str] = &[#(#endpoint_ids),*];

        /// Parses `json` into the named model and serialises it back.
        pub fn roundtrip(model: &str, json: &str) -> Result<::serde_json::Value, String> {
            match model {
                #(#model_names => crate::roundtrip_as::<#model_idents>(json),)*
                other => Err(format!("unknown model `{other}`")),
            }
        }

        #calls

        /// Any model instance, as (model name, JSON).
        pub fn any_model() -> BoxedStrategy<(&'static str, ::serde_json::Value)> {
            Union::new(vec![
                #(strategies::#model_strategy_fns()
                    .prop_map(|m| (#model_names, ::serde_json::to_value(m).expect("models serialise")))
                    .boxed(),)*
            ]).boxed()
        }

        /// A strategy per enum and model.
        pub mod strategies {
            use super::*;

            #(#enum_strategies)*
            #(#model_strategies)*
        }
    }
}

/// The resource (for a call that carries a resource's token) and the request model,
/// parsed from a case's JSON, and how they are passed.
fn case_input(endpoint: &Endpoint, resource: Option<&str>) -> (TokenStream, TokenStream) {
    let mut parse = Vec::new();
    let mut pass = Vec::new();
    if let Some(model) = resource {
        let ty = ident(model);
        parse.push(quote!(let resource: #ty = ::serde_json::from_value(case.resource.clone()).map_err(|e| e.to_string())?;));
        pass.push(quote!(&resource,));
    }
    if let Some(model) = &endpoint.request {
        let ty = ident(model);
        parse.push(quote!(let request: #ty = ::serde_json::from_value(case.request.clone()).map_err(|e| e.to_string())?;));
        pass.push(quote!(&request,));
    }
    (quote!(#(#parse)*), quote!(#(#pass)*))
}

/// A strategy for the JSON of a model, or `null`.
fn json_strategy(model: Option<&str>) -> TokenStream {
    match model {
        Some(model) => {
            let function = ident(&snake_case(model));
            quote!(strategies::#function().prop_map(|m| ::serde_json::to_value(m).expect("models serialise")).boxed())
        }
        None => quote!(Just(::serde_json::Value::Null).boxed()),
    }
}

/// `build` and `any_request` for an API with one client type.
fn single_client_calls(ctx: &Context) -> TokenStream {
    let client = ctx.client_crate();
    let build_arms = ctx.api.endpoints.iter().map(|e| {
        let id = e.id.as_str();
        let build = format_ident!("build_{}", e.id);
        let count = e.path_params.len();
        let names: Vec<_> = (0..count).map(|i| format_ident!("p{}", i)).collect();
        let (parse, pass) = case_input(e, None);
        quote! {
            #id => {
                let [#(#names),*] = case.path.as_slice() else {
                    return Err(format!("`{}` takes {} path parameters", #id, #count));
                };
                #parse
                client.#build(#(#names,)* #pass).map_err(|e| e.to_string())
            }
        }
    });
    let case_strategies = ctx.api.endpoints.iter().map(|e| {
        let id = e.id.as_str();
        let count = e.path_params.len();
        let request = json_strategy(e.request.as_deref());
        quote! {
            (::proptest::collection::vec("[A-Za-z0-9-]{1,12}", #count), #request)
                .prop_map(|(path, request)| crate::EndpointCase { endpoint: #id, path, request })
                .boxed()
        }
    });
    quote! {
        use ::#client::{Client, SignedRequest};

        /// Builds the signed request of an endpoint case.
        pub fn build(client: &Client, case: &crate::EndpointCase) -> Result<SignedRequest, String> {
            match case.endpoint {
                #(#build_arms)*
                other => Err(format!("unknown endpoint `{other}`")),
            }
        }

        /// Any endpoint with any path parameters and request.
        pub fn any_request() -> BoxedStrategy<crate::EndpointCase> {
            Union::new(vec![#(#case_strategies),*]).boxed()
        }
    }
}

/// `Clients`, `CALLS`, `build` and `any_request` for an API with one client type per
/// facade: a case names the facade making the call.
fn facade_calls(ctx: &Context) -> TokenStream {
    let client = ctx.client_crate();
    let facades: Vec<&str> = ctx.api.facades.iter().map(|f| f.name.as_str()).collect();
    let fields: Vec<_> = facades.iter().map(|f| ident(f)).collect();
    let types: Vec<_> = facades
        .iter()
        .map(|f| format_ident!("{}Client", upper_camel(f)))
        .collect();
    let calls: Vec<(&str, &Endpoint)> = ctx
        .api
        .endpoints
        .iter()
        .flat_map(|e| e.facades.iter().map(move |f| (f.as_str(), e)))
        .collect();
    let resource_of = |facade: &str, e: &Endpoint| match (&e.token, facade) {
        (_, "public") => None,
        (Some(TokenPlacement::Resource { model, .. }), _) => Some(model.clone()),
        _ => None,
    };
    let call_rows = calls.iter().map(|(f, e)| {
        let id = e.id.as_str();
        quote!((#f, #id))
    });
    let build_arms = calls.iter().map(|(facade, e)| {
        let id = e.id.as_str();
        let field = ident(facade);
        let build = format_ident!("build_{}", e.id);
        let resource = resource_of(facade, e);
        let count = if resource.is_some() {
            0
        } else {
            e.path_params.len()
        };
        let names: Vec<_> = (0..count).map(|i| format_ident!("p{}", i)).collect();
        let (parse, pass) = case_input(e, resource.as_deref());
        quote! {
            (#facade, #id) => {
                let [#(#names),*] = case.path.as_slice() else {
                    return Err(format!("`{}` takes {} path parameters", #id, #count));
                };
                #parse
                clients.#field.#build(#(#names,)* #pass).map_err(|e| e.to_string())
            }
        }
    });
    let case_strategies = calls.iter().map(|(facade, e)| {
        let id = e.id.as_str();
        let resource = resource_of(facade, e);
        let count = if resource.is_some() { 0 } else { e.path_params.len() };
        let resource = json_strategy(resource.as_deref());
        let request = json_strategy(e.request.as_deref());
        quote! {
            (::proptest::collection::vec("[A-Za-z0-9-]{1,12}", #count), #resource, #request)
                .prop_map(|(path, resource, request)| crate::FacadeCase { facade: #facade, endpoint: #id, path, resource, request })
                .boxed()
        }
    });
    quote! {
        use ::#client::{SignedRequest, #(#types),*};

        /// One client per facade.
        #[derive(Clone, Debug)]
        pub struct Clients {
            #(pub #fields: #types,)*
        }

        /// Every call a facade may make, as (facade, endpoint).
        pub const CALLS: &[(&str, &str)] = &[#(#call_rows),*];

        /// Builds the request of a case with the client of its facade.
        pub fn build(clients: &Clients, case: &crate::FacadeCase) -> Result<SignedRequest, String> {
            match (case.facade, case.endpoint) {
                #(#build_arms)*
                (facade, endpoint) => Err(format!("the `{facade}` facade has no `{endpoint}`")),
            }
        }

        /// Any call of any facade with any path parameters and request (or resource).
        pub fn any_request() -> BoxedStrategy<crate::FacadeCase> {
            Union::new(vec![#(#case_strategies),*]).boxed()
        }
    }
}

fn enum_strategy(def: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let function = ident(&snake_case(&def.name));
    let known = quote! {
        ::proptest::sample::select(#name::KNOWN)
    };
    let body = match (def.open, def.repr) {
        (false, _) => quote!(#known.boxed()),
        (true, EnumRepr::Integer) => quote! {
            prop_oneof![#known, any::<i64>().prop_map(#name::from_code)].boxed()
        },
        (true, EnumRepr::String) => quote! {
            prop_oneof![#known, "[a-z]{1,8}".prop_map(|s| #name::from_wire(&s))].boxed()
        },
    };
    quote! {
        pub fn #function() -> BoxedStrategy<#name> {
            #body
        }
    }
}

fn type_strategy(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!("\\PC{0,16}".boxed()),
        TypeRef::Integer => quote!(any::<i64>().boxed()),
        TypeRef::Decimal => quote! {
            (any::<i64>(), 0u32..=12).prop_map(|(m, s)| Decimal::new(m, s)).boxed()
        },
        TypeRef::Boolean => quote!(any::<bool>().boxed()),
        TypeRef::Named(name) => {
            let function = ident(&snake_case(name));
            quote!(#function())
        }
        TypeRef::List(inner) => {
            let inner = type_strategy(inner);
            quote!(::proptest::collection::vec(#inner, 0..3).boxed())
        }
        TypeRef::Map(inner) => {
            let inner = type_strategy(inner);
            quote!(::proptest::collection::btree_map("[A-Z]{3,4}", #inner, 0..3).boxed())
        }
        TypeRef::Json => quote! {
            prop_oneof![
                Just(::serde_json::Value::Null),
                any::<bool>().prop_map(::serde_json::Value::Bool),
                "\\PC{0,8}".prop_map(::serde_json::Value::String),
            ]
            .boxed()
        },
    }
}

fn model_strategy(def: &ModelDef) -> TokenStream {
    let name = ident(&def.name);
    let function = ident(&snake_case(&def.name));
    let strategies: Vec<TokenStream> = def
        .fields
        .iter()
        .map(|field| {
            let ty = TypeRef::parse(&field.ty).expect("validated type");
            let strategy = type_strategy(&ty);
            if field.required || ty == TypeRef::Json {
                strategy
            } else {
                quote!(::proptest::option::of(#strategy).boxed())
            }
        })
        .collect();
    let fields: Vec<_> = def.fields.iter().map(field_ident).collect();
    // Tuples implement Strategy up to 12 elements: group fields by 8.
    let groups = strategies.chunks(8).map(|chunk| quote!((#(#chunk,)*)));
    let patterns = fields.chunks(8).map(|chunk| quote!((#(#chunk,)*)));
    quote! {
        pub fn #function() -> BoxedStrategy<#name> {
            (#(#groups,)*)
                .prop_map(|(#(#patterns,)*)| #name { #(#fields),* })
                .boxed()
        }
    }
}
