//! Clients of APIs with capability facades: one type per facade, holding that
//! facade's token (and the client key when its calls are signed), with a method for
//! each endpoint the facade may call. A call the token does not grant is not a
//! runtime refusal but a method that does not exist.

use paysmith_spec::model::{Endpoint, FacadeDef, Method, TokenLocation, TokenPlacement};
use paysmith_spec::names::{snake_case, upper_camel};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::{Context, const_name, doc, ident};

/// The facade of calls made without a token.
const PUBLIC: &str = "public";

/// One facade's client type and what it holds.
struct Facade<'a> {
    def: &'a FacadeDef,
    ty: proc_macro2::Ident,
    endpoints: Vec<&'a Endpoint>,
    key: KeyMode,
}

/// Whether a facade's client holds the client key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyMode {
    /// Its calls are never signed.
    None,
    /// Some of its calls are always signed.
    Required,
    /// Its calls are signed when the client is given a key.
    Optional,
}

impl<'a> Facade<'a> {
    fn of(ctx: &Context<'a>, def: &'a FacadeDef) -> Self {
        let endpoints: Vec<&Endpoint> = ctx
            .api
            .endpoints
            .iter()
            .filter(|e| e.facades.contains(&def.name))
            .collect();
        let key = if endpoints.iter().any(|e| signed(e, &def.name)) {
            KeyMode::Required
        } else if def.optional_signing {
            KeyMode::Optional
        } else {
            KeyMode::None
        };
        Facade {
            def,
            ty: format_ident!("{}Client", upper_camel(&def.name)),
            endpoints,
            key,
        }
    }

    fn is_public(&self) -> bool {
        self.def.name == PUBLIC
    }
}

/// Whether `facade`'s call of `endpoint` is signed.
fn signed(endpoint: &Endpoint, facade: &str) -> bool {
    facade != PUBLIC
        && endpoint.auth.is_some()
        && endpoint
            .signed_for
            .as_ref()
            .is_none_or(|facades| facades.iter().any(|f| f == facade))
}

/// The scheme of the API's signed calls (validated: one identity scheme per API).
fn identity_scheme(ctx: &Context) -> Option<String> {
    ctx.api.endpoints.iter().find_map(|e| e.auth.clone())
}

pub fn clients(ctx: &Context) -> TokenStream {
    let facades: Vec<Facade> = ctx
        .api
        .facades
        .iter()
        .map(|def| Facade::of(ctx, def))
        .collect();
    let public = facades.iter().find(|f| f.is_public()).map(|f| f.ty.clone());
    let types = facades.iter().map(|f| client_type(ctx, f, public.as_ref()));
    quote!(#(#types)*)
}

fn client_type(ctx: &Context, facade: &Facade, public: Option<&proc_macro2::Ident>) -> TokenStream {
    let ty = &facade.ty;
    let name = facade.def.name.as_str();
    let tokened = !facade.is_public();
    let key_type = quote!(::paysmith_types::sign::bitpay_ecdsa::BitpayKey);
    let text = doc(&format!(
        "{} (section \"{}\").\n\n{}\n\n{}",
        match tokened {
            true => format!("Calls with a `{name}` token"),
            false => "Calls without a token (the `public` facade)".to_owned(),
        },
        facade.def.source.section,
        facade.def.description,
        match (tokened, facade.key) {
            (false, _) => "No token and no signature.".to_owned(),
            (true, KeyMode::Required) => format!(
                "Holds a `{name}` token and the client key it was paired with; its calls \
                 carry the token and are signed as the spec says. Only the calls this facade \
                 grants exist here."
            ),
            (true, KeyMode::Optional) => format!(
                "Holds a `{name}` token, sent with each call; the calls are signed when the \
                 client is given the key the token is bound to ([`{ty}::with_key`]). Only the \
                 calls this facade grants exist here."
            ),
            (true, KeyMode::None) => format!(
                "Holds a `{name}` token, sent with each call unsigned. Only the calls this \
                 facade grants exist here."
            ),
        }
    ));
    let required = facade.key == KeyMode::Required;
    let key_field = match facade.key {
        KeyMode::None => None,
        KeyMode::Required => Some(quote!(key: ::std::sync::Arc<#key_type>,)),
        KeyMode::Optional => Some(quote!(key: Option<::std::sync::Arc<#key_type>>,)),
    };
    let key_init = match facade.key {
        KeyMode::None => None,
        KeyMode::Required => Some(quote!(key: ::std::sync::Arc::new(key),)),
        KeyMode::Optional => Some(quote!(key: None,)),
    };
    let token_field = tokened.then(|| quote!(token: ::paysmith_types::Secret,));
    let key_param = required.then(|| quote!(key: #key_type,));
    let token_param = tokened.then(|| quote!(token: ::paysmith_types::Secret,));
    let key_pass = required.then(|| quote!(key,));
    let token_pass = tokened.then(|| quote!(token,));
    let token_init = tokened.then(|| quote!(token,));
    let debug_key = (facade.key != KeyMode::None).then(|| quote!(.field("key", &self.key)));
    let debug_token = tokened.then(|| quote!(.field("token", &"<redacted>")));
    let what = match (tokened, required) {
        (false, _) => "",
        (true, false) => " with the facade's token",
        (true, true) => " with the client key and the facade's token",
    };
    let new_doc = doc(&format!(
        "A client on `environment`{what}, with the system clock."
    ));
    let transport_doc = doc(&format!(
        "A client on a configured transport (HTTP client, clock){what}."
    ));
    let from_store = tokened.then(|| {
        let (load_key, build) = match facade.key {
            KeyMode::Required => (
                quote! {
                    let key = store.load_key().map_err(fail)?;
                    stored.check_key(&key).map_err(fail)?;
                },
                quote!(Self::new(environment, key, stored.token)),
            ),
            KeyMode::Optional => (
                quote! {
                    let key = match stored.sin {
                        Some(_) => {
                            let key = store.load_key().map_err(fail)?;
                            stored.check_key(&key).map_err(fail)?;
                            Some(key)
                        }
                        None => None,
                    };
                },
                quote! {
                    match key {
                        Some(key) => Self::new(environment, stored.token).with_key(key),
                        None => Self::new(environment, stored.token),
                    }
                },
            ),
            KeyMode::None => (quote!(), quote!(Self::new(environment, stored.token))),
        };
        let text = doc(&format!(
            "A client from a token store: its `{name}` token{}. Fails when the store has \
             no `{name}` token, was paired with another server, or holds a key the token \
             is not bound to.",
            match facade.key {
                KeyMode::Required => " and the key it names",
                KeyMode::Optional => " and, when the token is bound to a key, that key",
                KeyMode::None => "",
            }
        ));
        quote! {
            #text
            pub fn from_store(
                environment: Environment,
                store: &::paysmith_runtime::token_store::TokenStore,
            ) -> Result<Self, Error> {
                let fail = |e: ::paysmith_runtime::token_store::TokenStoreError| {
                    Error::new("from_store", ErrorKind::Build(e.to_string()))
                };
                store.check_server(environment.base_url()).map_err(fail)?;
                let stored = store.require_token(Self::FACADE).map_err(fail)?;
                #load_key
                Ok(#build)
            }
        }
    });
    let to_public = match public {
        Some(public) if tokened => Some(quote! {
            /// The public calls, on the same transport.
            pub fn public(&self) -> #public {
                #public::with_transport(self.transport.clone())
            }
        }),
        _ => None,
    };
    let key_methods = match facade.key {
        KeyMode::None => None,
        KeyMode::Required => Some(quote! {
            /// The client key (its `Debug` shows only the public key and SIN).
            pub fn key(&self) -> &#key_type {
                &self.key
            }
        }),
        KeyMode::Optional => Some(quote! {
            /// Signs every call with `key`: needed when the token is bound to it (a token
            /// obtained by pairing or by claiming a pairing code).
            pub fn with_key(mut self, key: #key_type) -> Self {
                self.key = Some(::std::sync::Arc::new(key));
                self
            }

            /// The client key, when calls are signed.
            pub fn key(&self) -> Option<&#key_type> {
                self.key.as_deref()
            }
        }),
    };
    let methods = facade.endpoints.iter().map(|e| endpoint(ctx, facade, e));
    let confirms = ctx.api.callbacks.iter().filter_map(|callback| {
        let confirm = callback.confirm.as_ref()?;
        facade
            .endpoints
            .iter()
            .any(|e| e.id == confirm.endpoint)
            .then(|| super::confirm::method(ctx, callback, confirm))
    });
    quote! {
        #text
        #[derive(Clone)]
        pub struct #ty {
            transport: Transport,
            #key_field
            #token_field
        }

        impl ::core::fmt::Debug for #ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!(#ty))
                    .field("base_url", &self.transport.base_url())
                    #debug_key
                    #debug_token
                    .finish()
            }
        }

        impl #ty {
            /// The facade whose calls this client makes.
            pub const FACADE: &'static str = #name;

            #new_doc
            pub fn new(environment: Environment, #key_param #token_param) -> Self {
                Self::with_transport(Transport::new(environment.base_url()), #key_pass #token_pass)
            }

            #transport_doc
            pub fn with_transport(transport: Transport, #key_param #token_param) -> Self {
                #ty {
                    transport,
                    #key_init
                    #token_init
                }
            }

            #from_store
            #key_methods
            #to_public

            pub fn transport(&self) -> &Transport {
                &self.transport
            }

            #(#methods)*
            #(#confirms)*
        }
    }
}

fn endpoint(ctx: &Context, facade: &Facade, endpoint: &Endpoint) -> TokenStream {
    let id = endpoint.id.as_str();
    let method_name = ident(id);
    let build_name = format_ident!("build_{}", id);
    let method = endpoint.method.as_str();
    let path = endpoint.path.as_str();
    let is_signed = signed(endpoint, &facade.def.name);
    let resource = match (&endpoint.token, facade.is_public()) {
        (Some(TokenPlacement::Resource { .. }), false) => endpoint.token.as_ref(),
        _ => None,
    };
    let mut notes = Vec::new();
    notes.push(match (is_signed, facade.key) {
        (true, _) => "Signed with the client key.".to_owned(),
        (false, KeyMode::Optional) => "Signed when the client holds a key.".to_owned(),
        (false, _) => "Not signed.".to_owned(),
    });
    if let Some(TokenPlacement::Resource { model, field, .. }) = resource {
        notes.push(format!(
            "Carries `{model}::{field}` (the token returned with the resource), not the facade's token."
        ));
    }
    if endpoint.money_moving {
        notes.push(
            "Moves money: never retried automatically. On a transport error, check the state \
             before calling again."
                .to_owned(),
        );
    }
    if !endpoint.errors.is_empty() {
        notes.push(format!(
            "Documented errors: {}.",
            endpoint
                .errors
                .iter()
                .map(|e| format!("[`ProviderErrorKind::{e}`]"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let description = doc(&format!(
        "{}\n\n`{method} {path}` (section \"{}\"). {}",
        endpoint.summary,
        endpoint.source.section,
        notes.join(" ")
    ));
    let build_doc = doc(&format!(
        "Builds the `{id}` request without sending it: the exact bytes [`{}::{id}`] sends.",
        facade.ty
    ));

    // Arguments: the resource (which supplies its path parameters), or the path
    // parameters; then the request model.
    let (args, path_values): (Vec<TokenStream>, Vec<TokenStream>) = match resource {
        Some(TokenPlacement::Resource {
            model, path_params, ..
        }) => {
            let ty = ident(model);
            let values = endpoint
                .path_params
                .iter()
                .map(|p| {
                    let wire = path_params[&p.name].as_str();
                    let field = ident(&snake_case(wire));
                    let model_text = model.as_str();
                    quote! {
                        ::paysmith_runtime::plain::encode_path_segment(
                            ::paysmith_runtime::resource::required(#id, #model_text, #wire, &resource.#field)?
                        )
                    }
                })
                .collect();
            (vec![quote!(resource: &#ty)], values)
        }
        _ => {
            let names: Vec<_> = endpoint
                .path_params
                .iter()
                .map(|p| ident(&snake_case(&p.name)))
                .collect();
            (
                names.iter().map(|n| quote!(#n: &str)).collect(),
                names
                    .iter()
                    .map(|n| quote!(::paysmith_runtime::plain::encode_path_segment(#n)))
                    .collect(),
            )
        }
    };
    let arg_names: Vec<TokenStream> = match resource {
        Some(_) => vec![quote!(resource)],
        None => endpoint
            .path_params
            .iter()
            .map(|p| {
                let name = ident(&snake_case(&p.name));
                quote!(#name)
            })
            .collect(),
    };
    let request_arg = endpoint.request.as_ref().map(|r| {
        let ty = ident(r);
        quote!(request: &#ty,)
    });
    let request_pass = endpoint.request.as_ref().map(|_| quote!(request,));
    let path_expr = if path_values.is_empty() {
        quote!(#path)
    } else {
        let format = super::client::path_format(path);
        quote!(&format!(#format, #(#path_values),*))
    };

    // Where the token goes.
    let token_value = match resource {
        Some(TokenPlacement::Resource { model, field, .. }) => {
            let field_ident = ident(&snake_case(field));
            let model = model.as_str();
            quote!(::paysmith_runtime::resource::required(#id, #model, #field, &resource.#field_ident)?)
        }
        _ => quote!(self.token.expose()),
    };
    let (query_token, body_token) = match (&endpoint.token, facade.is_public()) {
        (_, true) | (None, _) | (Some(TokenPlacement::None), _) => (None, None),
        (Some(TokenPlacement::Body { field }), false) => {
            (None, Some(quote!(Some((#field, #token_value)))))
        }
        (
            Some(TokenPlacement::Resource {
                param,
                location: TokenLocation::Body,
                ..
            }),
            false,
        ) => (None, Some(quote!(Some((#param, #token_value))))),
        (Some(TokenPlacement::Query { param }), false)
        | (Some(TokenPlacement::Resource { param, .. }), false) => (
            Some(quote!((#param.to_owned(), #token_value.to_owned()))),
            None,
        ),
    };
    let in_query = matches!(endpoint.method, Method::Get | Method::Delete);
    let request_query = (in_query && endpoint.request.is_some())
        .then(|| quote!(query.extend(::paysmith_runtime::plain::form_pairs(#id, request)?);));
    let mutability = request_query.as_ref().map(|_| quote!(mut));
    let query_init = match &query_token {
        Some(pair) => quote!(let #mutability query: Vec<(String, String)> = vec![#pair];),
        None => quote!(let #mutability query: Vec<(String, String)> = Vec::new();),
    };
    let body = if !in_query && (endpoint.request.is_some() || body_token.is_some()) {
        let request = match &endpoint.request {
            Some(_) => quote!(Some(request)),
            None => quote!(None::<&()>),
        };
        let token = body_token.unwrap_or_else(|| quote!(None));
        quote!(::paysmith_runtime::identity::json_body_with_token(#id, #request, #token)?)
    } else {
        quote!(Vec::new())
    };
    let scheme = identity_scheme(ctx).map(|id| const_name(&id));
    let identity = match (is_signed, facade.key, scheme) {
        (true, _, Some(scheme)) => quote!(Some((&schemes::#scheme, &*self.key))),
        (false, KeyMode::Optional, Some(scheme)) => {
            quote!(self.key.as_deref().map(|key| (&schemes::#scheme, key)))
        }
        _ => quote!(None),
    };
    let (output, decode) = super::client::decode(ctx, endpoint);
    quote! {
        #description
        pub async fn #method_name(&self, #(#args,)* #request_arg) -> Result<#output, Error> {
            let signed = self.#build_name(#(#arg_names,)* #request_pass)?;
            let response = self.transport.send(#id, signed).await?;
            #decode
        }

        #build_doc
        pub fn #build_name(&self, #(#args,)* #request_arg) -> Result<SignedRequest, Error> {
            #query_init
            #request_query
            let body = #body;
            Ok(::paysmith_runtime::identity::IdentitySigner {
                identity: #identity,
                transport: &self.transport,
                headers: HEADERS,
            }
            .build_request(#method, #path_expr, &query, body))
        }
    }
}
