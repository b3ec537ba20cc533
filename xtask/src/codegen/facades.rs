//! Clients of APIs with capability facades: one type per facade, holding that
//! facade's token (and the client key when its calls are signed), with a method for
//! each endpoint the facade may call. A call the token does not grant is not a
//! runtime refusal but a method that does not exist.

use paysmith_spec::model::{Endpoint, FacadeDef, Method, TokenPlacement};
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
    /// Some of its calls are signed: it holds the client key.
    signs: bool,
}

impl<'a> Facade<'a> {
    fn of(ctx: &Context<'a>, def: &'a FacadeDef) -> Self {
        let endpoints: Vec<&Endpoint> = ctx
            .api
            .endpoints
            .iter()
            .filter(|e| e.facades.contains(&def.name))
            .collect();
        let signs = endpoints.iter().any(|e| signed(e, &def.name));
        Facade {
            def,
            ty: format_ident!("{}Client", upper_camel(&def.name)),
            endpoints,
            signs,
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
    let text = doc(&format!(
        "{} calls: {} (section \"{}\").\n\n{}",
        match tokened {
            true => format!("The `{name}` facade's"),
            false => "Public".to_owned(),
        },
        facade.def.description.trim_end_matches('.'),
        facade.def.source.section,
        match (tokened, facade.signs) {
            (false, _) => "No token and no signature.".to_owned(),
            (true, true) => format!(
                "Holds a `{name}` token and the client key; its calls carry the token and \
                 are signed as the spec says. Only the calls this facade grants exist here."
            ),
            (true, false) => format!(
                "Holds a `{name}` token, sent with each call unsigned. Only the calls this \
                 facade grants exist here."
            ),
        }
    ));
    let key_field = facade
        .signs
        .then(|| quote!(key: ::std::sync::Arc<::paysmith_types::sign::bitpay_ecdsa::BitpayKey>,));
    let token_field = tokened.then(|| quote!(token: ::paysmith_types::Secret,));
    let key_param = facade
        .signs
        .then(|| quote!(key: ::paysmith_types::sign::bitpay_ecdsa::BitpayKey,));
    let token_param = tokened.then(|| quote!(token: ::paysmith_types::Secret,));
    let key_pass = facade.signs.then(|| quote!(key,));
    let token_pass = tokened.then(|| quote!(token,));
    let key_init = facade
        .signs
        .then(|| quote!(key: ::std::sync::Arc::new(key),));
    let token_init = tokened.then(|| quote!(token,));
    let debug_key = facade.signs.then(|| quote!(.field("key", &self.key)));
    let debug_token = tokened.then(|| quote!(.field("token", &"<redacted>")));
    let what = match (tokened, facade.signs) {
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
        let load_key = facade.signs.then(|| {
            quote! {
                let key = store.load_key().map_err(fail)?;
            }
        });
        let text = doc(&format!(
            "A client from a token store: its `{name}` token{}. Fails when the store has \
             no `{name}` token or was paired with another server.",
            if facade.signs {
                " and the key it names"
            } else {
                ""
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
                #load_key
                let token = store.require_token(Self::FACADE).map_err(fail)?;
                Ok(Self::new(environment, #key_pass token))
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
    let key_accessor = facade.signs.then(|| {
        quote! {
            /// The client key's public identity (its SIN and public key).
            pub fn key(&self) -> &::paysmith_types::sign::bitpay_ecdsa::BitpayKey {
                &self.key
            }
        }
    });
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
            #to_public
            #key_accessor

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
    notes.push(if is_signed {
        "Signed with the client key.".to_owned()
    } else {
        "Not signed.".to_owned()
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
                    let field = ident(&snake_case(&path_params[&p.name]));
                    let name = p.name.as_str();
                    let model_text = model.as_str();
                    quote! {
                        ::paysmith_runtime::plain::encode_path_segment(
                            ::paysmith_runtime::resource::required(#id, #model_text, #name, &resource.#field)?
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
    let identity = if is_signed {
        let scheme = const_name(&identity_scheme(ctx).expect("a signed call has a scheme"));
        quote!(Some((&schemes::#scheme, &*self.key)))
    } else {
        quote!(None)
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
