//! The client crate: environments, credentials, one async method per endpoint and a
//! sans-IO `build_*` twin that returns the signed request.

use std::collections::BTreeMap;

use paysmith_sign::binding::HttpBinding;
use paysmith_sign::evaluate::SchemeFamily;
use paysmith_spec::model::{Endpoint, RequestEncoding};
use paysmith_spec::names::snake_case;
use paysmith_spec::names::upper_camel;
use paysmith_spec::types::TypeRef;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::rust::{Context, const_name, doc, ident, type_tokens};

pub fn lib(ctx: &Context) -> TokenStream {
    let api = ctx.api;
    let models = ctx.models_crate();
    let crate_doc: Vec<String> = format!(
        "{} client.\n\n{}\n\nOne async method per endpoint, each with a `build_*` twin that \
         returns the signed request without sending it. Requests are never retried \
         automatically. Models live in [`models`].",
        api.title,
        api.description.trim()
    )
    .lines()
    .map(|line| format!(" {line}"))
    .collect();
    let environment = environment(ctx);
    let envelope = envelope(ctx);
    let (credentials, client) = if ctx.api.facades.is_empty() {
        (credentials(ctx), client(ctx))
    } else {
        (quote!(), super::facades::clients(ctx))
    };
    let headers = headers(ctx);
    let confirmation = ctx
        .api
        .callbacks
        .iter()
        .any(|c| c.confirm.is_some())
        .then(|| {
            quote!(
                pub use ::paysmith_runtime::confirm::{Confirmation, Difference};
            )
        });
    let error_kind = ctx.api.error_body.as_ref().map(|_| {
        quote! {
            /// The documented kind of a provider error, when `error` is one.
            pub fn provider_error_kind(error: &Error) -> Option<ProviderErrorKind> {
                error
                    .provider_message()
                    .map(|message| ProviderErrorKind::of(error.provider_code(), message))
            }
        }
    });
    quote! {
        #(#![doc = #crate_doc])*

        pub use ::#models as models;
        pub use ::paysmith_runtime::{
            Clock, Error, ErrorKind, FixedClock, FixedNonce, NonceSource, RandomNonce,
            SignedRequest, SystemClock, Transport,
        };
        pub use ::paysmith_types::Secret;
        #confirmation

        use models::*;

        #environment
        #credentials
        #headers
        #envelope
        #client
        #error_kind
    }
}

fn environment(ctx: &Context) -> TokenStream {
    let variants: Vec<_> = ctx
        .api
        .servers
        .iter()
        .map(|s| ident(&upper_camel(&s.name)))
        .collect();
    let urls: Vec<&str> = ctx.api.servers.iter().map(|s| s.url.as_str()).collect();
    let docs: Vec<_> = ctx
        .api
        .servers
        .iter()
        .map(|s| doc(&format!("`{}` (section \"{}\").", s.url, s.source.section)))
        .collect();
    quote! {
        /// Where requests go.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Environment {
            #(#docs #variants,)*
            /// Any other base URL, such as a local sandbox (no trailing slash).
            Custom(String),
        }

        impl Environment {
            pub fn base_url(&self) -> &str {
                match self {
                    #(Self::#variants => #urls,)*
                    Self::Custom(url) => url,
                }
            }
        }
    }
}

fn credentials(ctx: &Context) -> TokenStream {
    let fields = ctx.api.credentials.iter().map(|c| {
        let name = ident(&c.name);
        let description = doc(&c.description);
        let ty = if c.secret {
            quote!(::paysmith_types::Secret)
        } else {
            quote!(String)
        };
        quote!(#description pub #name: #ty,)
    });
    let debug_fields = ctx.api.credentials.iter().map(|c| {
        let name = ident(&c.name);
        let text = c.name.as_str();
        if c.secret {
            quote!(.field(#text, &"<redacted>"))
        } else {
            quote!(.field(#text, &self.#name))
        }
    });
    quote! {
        /// What the merchant is given by the provider. `Debug` never shows secrets.
        #[derive(Clone)]
        pub struct Credentials {
            #(#fields)*
        }

        impl ::core::fmt::Debug for Credentials {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct("Credentials")#(#debug_fields)*.finish()
            }
        }
    }
}

fn headers(ctx: &Context) -> TokenStream {
    let uses = ctx.api.endpoints.iter().any(|e| {
        e.auth.as_deref().is_some_and(|auth| {
            matches!(
                ctx.scheme(auth).http,
                Some(HttpBinding::AcquiaAuthorization(_))
            )
        })
    });
    if ctx.api.headers.is_empty() && !uses && ctx.api.facades.is_empty() {
        return quote!();
    }
    let rows = ctx.api.headers.iter().map(|h| {
        let name = h.name.as_str();
        let value = h.value.as_str();
        quote!((#name, #value))
    });
    let docs = ctx
        .api
        .headers
        .iter()
        .map(|h| {
            format!(
                "- `{}: {}`: {} (section \"{}\")",
                h.name,
                h.value,
                h.description.trim_end_matches('.'),
                h.source.section
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = doc(&format!("Headers sent with every request.\n\n{docs}"));
    quote! {
        #text
        pub const HEADERS: &[(&str, &str)] = &[#(#rows),*];
    }
}

fn envelope(ctx: &Context) -> TokenStream {
    let Some(envelope) = &ctx.api.envelope else {
        return body_shape(ctx);
    };
    let code = envelope.code_field.as_str();
    let message = envelope.message_field.as_str();
    let data = envelope.data_field.as_str();
    let success = envelope.success_code;
    quote! {
        /// The response envelope every endpoint answers with.
        pub const ENVELOPE: ::paysmith_runtime::envelope::EnvelopeShape =
            ::paysmith_runtime::envelope::EnvelopeShape {
                code_field: #code,
                message_field: #message,
                data_field: #data,
                success_code: #success,
            };
    }
}

/// `RESPONSE`: where payloads sit and what error bodies look like, for APIs without an
/// envelope.
fn body_shape(ctx: &Context) -> TokenStream {
    let data_field = match &ctx.api.data_envelope {
        Some(data) => {
            let field = data.data_field.as_str();
            quote!(Some(#field))
        }
        None => quote!(None),
    };
    let error = match &ctx.api.error_body {
        Some(body) => {
            let fields = std::iter::once(&body.field)
                .chain(&body.other_message_fields)
                .map(String::as_str);
            let code = match &body.code_field {
                Some(field) => quote!(Some(#field)),
                None => quote!(None),
            };
            let status = match &body.error_status {
                Some(marker) => {
                    let (field, value) = (marker.field.as_str(), marker.value.as_str());
                    quote!(Some((#field, #value)))
                }
                None => quote!(None),
            };
            quote! {
                Some(::paysmith_runtime::plain::ErrorShape {
                    message_fields: &[#(#fields),*],
                    code_field: #code,
                    error_status: #status,
                })
            }
        }
        None => quote!(None),
    };
    let text = doc(&match (&ctx.api.data_envelope, &ctx.api.error_body) {
        (Some(data), _) => format!(
            "How responses are read: payloads in `{}` (section \"{}\"), and the error body.",
            data.data_field, data.source.section
        ),
        (None, Some(body)) => format!(
            "How responses are read: bare payloads, and the `{}` error body (section \"{}\").",
            body.field, body.source.section
        ),
        (None, None) => "How responses are read: bare payloads.".to_owned(),
    });
    quote! {
        #text
        pub const RESPONSE: ::paysmith_runtime::plain::BodyShape =
            ::paysmith_runtime::plain::BodyShape {
                data_field: #data_field,
                error: #error,
            };
    }
}

fn client(ctx: &Context) -> TokenStream {
    let api = ctx.api;
    let setting_fields = api.settings.iter().map(|s| {
        let name = ident(&s.name);
        let ty = ident(&s.ty);
        quote!(#name: #ty,)
    });
    let setting_defaults = api.settings.iter().map(|s| {
        let name = ident(&s.name);
        let ty = ident(&s.ty);
        let default = s.default.as_str();
        quote!(#name: #ty::from_wire(#default).expect("validated default"),)
    });
    let setting_setters = api.settings.iter().map(|s| {
        let name = ident(&s.name);
        let setter = format_ident!("with_{}", s.name);
        let ty = ident(&s.ty);
        let description = doc(&format!("{} Default: `{}`.", s.description, s.default));
        quote! {
            #description
            pub fn #setter(mut self, #name: #ty) -> Self {
                self.#name = #name;
                self
            }
        }
    });
    let credential_arms = api.credentials.iter().map(|c| {
        let name = ident(&c.name);
        let text = c.name.as_str();
        if c.secret {
            quote!(#text => Some(self.credentials.#name.expose()),)
        } else {
            quote!(#text => Some(self.credentials.#name.as_str()),)
        }
    });
    let setting_arms = api.settings.iter().map(|s| {
        let name = ident(&s.name);
        let text = s.name.as_str();
        quote!(#text => Some(self.#name.as_str()),)
    });
    let uses_shard = api.endpoints.iter().any(|e| e.body_signature.is_some());
    let shard_field = uses_shard
        .then(|| quote!(key_shard: Option<::std::sync::Arc<::paysmith_types::sign::ShardKey>>,));
    let shard_init = uses_shard.then(|| quote!(key_shard: None,));
    // One kept key per secret credential, in the field its endpoints read it from.
    let kept_keys: BTreeMap<String, (Ident, String, TokenStream)> = api
        .endpoints
        .iter()
        .filter_map(|e| match ctx.scheme(e.auth.as_deref()?).http.as_ref()? {
            HttpBinding::AcquiaAuthorization(binding) => {
                let secret = &*binding.secret_credential;
                Some((
                    acquia_key_cache(secret),
                    format!("`{secret}` decoded once, on the first request."),
                    quote!(::paysmith_runtime::acquia::KeyCache),
                ))
            }
            HttpBinding::ContentMd5Authorization(binding) => {
                let secret = &*binding.secret_credential;
                Some((
                    mac_key_cache(secret),
                    format!("The MAC keyed with `{secret}` once, on the first request."),
                    quote!(::paysmith_runtime::content_md5::MacKeyCache),
                ))
            }
            _ => None,
        })
        .map(|kept| (kept.0.to_string(), kept))
        .collect();
    let key_cache_fields = kept_keys.values().map(|(field, text, ty)| {
        let doc = doc(text);
        quote!(#doc #field: #ty,)
    });
    let key_cache_inits = kept_keys
        .values()
        .map(|(field, _, _)| quote!(#field: Default::default(),));
    let shard_methods = uses_shard.then(|| shard_methods(ctx));
    let endpoints = api.endpoints.iter().map(|e| endpoint(ctx, e));
    let confirms = api.callbacks.iter().filter_map(|c| {
        c.confirm
            .as_ref()
            .map(|confirm| super::confirm::method(ctx, c, confirm))
    });
    let uses_header_params = api.endpoints.iter().any(|e| {
        e.auth
            .as_deref()
            .is_some_and(|auth| matches!(ctx.scheme(auth).http, Some(HttpBinding::HeaderParams(_))))
    });
    let param_source = uses_header_params.then(|| {
        quote! {
        impl ::paysmith_types::sign::binding::ParamSource for Client {
            fn credential(&self, name: &str) -> Option<&str> {
                match name {
                    #(#credential_arms)*
                    _ => None,
                }
            }

            fn setting(&self, name: &str) -> Option<&str> {
                match name {
                    #(#setting_arms)*
                    _ => None,
                }
            }

            fn nonce(&self, length: usize) -> String {
                self.transport.nonce(length)
            }

            fn now_millis(&self) -> u64 {
                self.transport.now_millis()
            }
        }
        }
    });
    quote! {
        /// A client for one merchant account.
        #[derive(Clone)]
        pub struct Client {
            transport: Transport,
            credentials: Credentials,
            #(#setting_fields)*
            #shard_field
            #(#key_cache_fields)*
        }

        impl ::core::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct("Client")
                    .field("base_url", &self.transport.base_url())
                    .field("credentials", &self.credentials)
                    .finish_non_exhaustive()
            }
        }

        impl Client {
            /// A client on `environment` with the system clock and random nonces.
            pub fn new(environment: Environment, credentials: Credentials) -> Self {
                Self::with_transport(Transport::new(environment.base_url()), credentials)
            }

            /// A client on a configured transport (HTTP client, clock, nonce source).
            pub fn with_transport(transport: Transport, credentials: Credentials) -> Self {
                Client {
                    transport,
                    credentials,
                    #(#setting_defaults)*
                    #shard_init
                    #(#key_cache_inits)*
                }
            }

            #(#setting_setters)*
            #shard_methods

            pub fn transport(&self) -> &Transport {
                &self.transport
            }

            #(#endpoints)*
            #(#confirms)*
        }

        #param_source
    }
}

/// The client field keeping the HMAC key decoded from the `secret` credential.
fn acquia_key_cache(secret: &str) -> Ident {
    ident(&format!("decoded_{secret}"))
}

/// The client field keeping the MAC keyed with the `secret` credential.
fn mac_key_cache(secret: &str) -> Ident {
    ident(&format!("keyed_{secret}"))
}

fn shard_methods(ctx: &Context) -> TokenStream {
    let scheme_id = ctx
        .api
        .endpoints
        .iter()
        .find_map(|e| e.body_signature.as_ref())
        .map(|b| b.scheme.clone())
        .expect("some endpoint has a body signature");
    let scheme = const_name(&scheme_id);
    let vars = ctx.api.credentials.iter().filter(|c| !c.secret).map(|c| {
        let name = ident(&c.name);
        let text = c.name.as_str();
        quote!((#text, self.credentials.#name.as_str()))
    });
    let load_doc = doc(&format!(
        "Loads the PKCS#12 key shard (a `.pfx` file's bytes) with the password the \
         `{scheme_id}` scheme derives from the credentials."
    ));
    quote! {
        /// Uses an already loaded key shard for the co-signer endpoints.
        pub fn with_key_shard(mut self, shard: ::paysmith_types::sign::ShardKey) -> Self {
            self.key_shard = Some(::std::sync::Arc::new(shard));
            self
        }

        #load_doc
        pub fn load_key_shard(self, pfx: &[u8]) -> Result<Self, Error> {
            let fail = |message: String| Error::new("load_key_shard", ErrorKind::Build(message));
            let password = schemes::#scheme
                .password_for(&[#(#vars),*])
                .map_err(|e| fail(e.to_string()))?;
            let shard = ::paysmith_types::sign::load_shard(pfx, &password).map_err(|e| fail(e.to_string()))?;
            Ok(self.with_key_shard(shard))
        }
    }
}

fn endpoint(ctx: &Context, endpoint: &Endpoint) -> TokenStream {
    let id = endpoint.id.as_str();
    let method_name = ident(id);
    let build_name = format_ident!("build_{}", id);
    let method = endpoint.method.as_str();
    let path = endpoint.path.as_str();
    let money = if endpoint.money_moving {
        "\n\nMoves money: never retried automatically. On a transport error, check the state before calling again."
    } else {
        ""
    };
    let errors = if endpoint.errors.is_empty() {
        String::new()
    } else {
        format!(
            "\n\nDocumented errors: {}.",
            endpoint
                .errors
                .iter()
                .map(|e| format!("[`ProviderErrorKind::{e}`]"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let description = doc(&format!(
        "{}\n\n`{method} {path}` (section \"{}\").{money}{errors}",
        endpoint.summary, endpoint.source.section
    ));
    let build_doc = doc(&format!(
        "Builds and signs the `{id}` request without sending it: the exact bytes \
         [`Client::{id}`] sends."
    ));

    // Arguments: path parameters, then the request model.
    let path_args: Vec<_> = endpoint
        .path_params
        .iter()
        .map(|p| ident(&snake_case(&p.name)))
        .collect();
    let request_arg = endpoint.request.as_ref().map(|r| {
        let ty = ident(r);
        quote!(request: &#ty,)
    });
    let request_pass = endpoint.request.as_ref().map(|_| quote!(request,));
    let path_format = path_format(path);
    let path_expr = if path_args.is_empty() {
        quote!(#path.to_owned())
    } else {
        quote!(
            format!(#path_format, #(::paysmith_runtime::plain::encode_path_segment(#path_args)),*)
        )
    };

    let build_body = build_body(ctx, endpoint, method);
    let (output, decode) = decode(ctx, endpoint);
    let send = match endpoint
        .auth
        .as_deref()
        .and_then(|auth| ctx.scheme(auth).http.as_ref())
    {
        Some(HttpBinding::AcquiaAuthorization(binding)) => {
            let secret = ident(&binding.secret_credential);
            let cache = acquia_key_cache(&binding.secret_credential);
            quote!(::paysmith_runtime::acquia::send_checked(
                &self.transport,
                #id,
                self.#cache.get(#id, &self.credentials.#secret)?,
                signed,
            ).await?)
        }
        _ => quote!(self.transport.send(#id, signed).await?),
    };
    quote! {
        #description
        pub async fn #method_name(&self, #(#path_args: &str,)* #request_arg) -> Result<#output, Error> {
            let signed = self.#build_name(#(#path_args,)* #request_pass)?;
            let response = #send;
            #decode
        }

        #build_doc
        pub fn #build_name(&self, #(#path_args: &str,)* #request_arg) -> Result<SignedRequest, Error> {
            let path = #path_expr;
            #build_body
        }
    }
}

/// `/clients/{uid}/buy` → `/clients/{}/buy` (the arguments are encoded segments).
pub(super) fn path_format(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The statements that turn `path` (and `request`) into a signed request.
fn build_body(ctx: &Context, endpoint: &Endpoint, method: &str) -> TokenStream {
    let id = endpoint.id.as_str();
    let auth = endpoint.auth.as_deref().expect("every endpoint is signed");
    let scheme = ctx.scheme(auth);
    let scheme_const = const_name(&scheme.id);
    let http_const = format_ident!("{}_HTTP", scheme_const);
    match (&scheme.http, ctx.api.encoding) {
        (Some(HttpBinding::HeaderParams(binding)), RequestEncoding::Json) => {
            let secret = ident(&binding.secret_credential);
            let SchemeFamily::SortedParamsDigest(_) = &scheme.signing else {
                unreachable!("validated spec: header params use sorted params");
            };
            let body_signature = endpoint.body_signature.as_ref().map(|b| {
                let rsa = const_name(&b.scheme);
                let field = b.field.as_str();
                let covers = b.covers.iter().map(String::as_str);
                quote! {
                    let shard = self.key_shard.as_deref().ok_or_else(|| {
                        Error::new(#id, ErrorKind::Build("this call needs the key shard: use Client::load_key_shard".into()))
                    })?;
                    ::paysmith_types::sign::binding::apply_body_signature(&mut body, &schemes::#rsa, shard, #field, &[#(#covers),*])
                        .map_err(|e| Error::new(#id, ErrorKind::Signing(e.to_string())))?;
                }
            });
            let signer = quote! {
                let signer = ::paysmith_runtime::header_params::HeaderParamsSigner {
                    binding: &schemes::#http_const,
                    config: &schemes::#scheme_const,
                    secret: &self.credentials.#secret,
                    source: self,
                };
            };
            // The model as it is: serialised once, its fields signed from those bytes in
            // an order worked out once from the public parameters and the model's
            // `FIELD_NAMES` (generated, as `Context::signs_written_fields` holds here).
            if let (Some(model), None) = (&endpoint.request, &body_signature) {
                let model = ident(model);
                return quote! {
                    /// Every key this request can sign, in the order it writes them.
                    static KEYS: ::std::sync::LazyLock<::paysmith_types::sign::sorted_params::KeyPlan> =
                        ::std::sync::LazyLock::new(|| schemes::#http_const.key_plan(&schemes::#scheme_const, #model::FIELD_NAMES));
                    #signer
                    signer.build_model_request(#id, #method, self.transport.url(&path), request, &KEYS)
                };
            }
            let mutability = body_signature.as_ref().map(|_| quote!(mut));
            let body = if endpoint.request.is_some() {
                quote! {
                    let #mutability body = ::serde_json::to_value(request)
                        .map_err(|e| Error::new(#id, ErrorKind::Build(e.to_string())))?;
                }
            } else {
                quote!(let #mutability body = ::serde_json::Value::Object(::serde_json::Map::new());)
            };
            quote! {
                #body
                #body_signature
                #signer
                signer.build_json_request(#id, #method, self.transport.url(&path), &body)
            }
        }
        (Some(HttpBinding::ContentMd5Authorization(binding)), RequestEncoding::Form) => {
            let SchemeFamily::ContentMd5Hmac(_) = &scheme.signing else {
                unreachable!(
                    "validated spec: content-md5 bindings use the content-md5-hmac family"
                );
            };
            let api_key = ident(&binding.api_key_credential);
            let secret = ident(&binding.secret_credential);
            let params = if endpoint.request.is_some() {
                quote!(::paysmith_runtime::plain::form_pairs(#id, request)?)
            } else {
                quote!(Vec::new())
            };
            let cache = mac_key_cache(&binding.secret_credential);
            quote! {
                let params = #params;
                let signer = ::paysmith_runtime::content_md5::ContentMd5Signer {
                    config: &schemes::#scheme_const,
                    api_key: &self.credentials.#api_key,
                    key: self.#cache.get(&schemes::#scheme_const, &self.credentials.#secret),
                    transport: &self.transport,
                };
                Ok(signer.build_form_request(#method, &path, &params))
            }
        }
        (Some(HttpBinding::AcquiaAuthorization(binding)), RequestEncoding::Json) => {
            let id_credential = ident(&binding.id_credential);
            let secret = ident(&binding.secret_credential);
            let in_query = matches!(method, "GET" | "DELETE");
            let (query, body) = match (&endpoint.request, in_query) {
                (None, _) => (quote!(Vec::new()), quote!(Vec::new())),
                (Some(_), true) => (
                    quote!(::paysmith_runtime::plain::form_pairs(#id, request)?),
                    quote!(Vec::new()),
                ),
                (Some(_), false) => (
                    quote!(Vec::new()),
                    quote!(::serde_json::to_vec(request).map_err(|e| Error::new(#id, ErrorKind::Build(e.to_string())))?),
                ),
            };
            let cache = acquia_key_cache(&binding.secret_credential);
            quote! {
                let signer = ::paysmith_runtime::acquia::AcquiaSigner::new(
                    &schemes::#scheme_const,
                    &schemes::#http_const,
                    &self.credentials.#id_credential,
                    self.#cache.get(#id, &self.credentials.#secret)?,
                    &self.transport,
                    HEADERS,
                );
                signer.build_request(#id, #method, &path, &#query, #body)
            }
        }
        _ => unreachable!("validated spec: no generator for this binding and encoding"),
    }
}

/// The response type and the expression that decodes `response` into it.
pub(super) fn decode(ctx: &Context, endpoint: &Endpoint) -> (TokenStream, TokenStream) {
    let id = endpoint.id.as_str();
    let response_type = endpoint.response.as_deref().map(|r| {
        let ty = TypeRef::parse(r).expect("validated response type");
        (
            type_tokens(&ty),
            endpoint.response_model().unwrap_or_else(|| r.to_owned()),
        )
    });
    match (&ctx.api.envelope, response_type) {
        (Some(_), Some((ty, model))) => (
            ty,
            quote!(::paysmith_runtime::envelope::decode_required(#id, #model, &ENVELOPE, response)),
        ),
        (Some(_), None) => (
            quote!(()),
            quote!(::paysmith_runtime::envelope::decode::<::serde_json::Value>(#id, "()", &ENVELOPE, response).map(|_| ())),
        ),
        (None, response_type) => {
            let (ty, model) =
                response_type.unwrap_or_else(|| (quote!(::serde_json::Value), "()".into()));
            (
                ty.clone(),
                quote!(::paysmith_runtime::plain::decode::<#ty>(#id, #model, &RESPONSE, response)),
            )
        }
    }
}
