//! The models crate: enums, models, scheme parameters and verified callbacks.

use paysmith_sign::evaluate::SchemeFamily;
use paysmith_spec::model::{ApiFile, Callback, DecimalWire, EnumDef, EnumRepr, ModelDef};
use paysmith_spec::names::upper_camel;
use paysmith_spec::types::TypeRef;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::consts;
use super::rust::{Context, const_name, doc, field_ident, ident};

pub fn lib(ctx: &Context) -> TokenStream {
    let api = ctx.api;
    let crate_doc = format!(
        "{}\n\n{}\n\nWritten from `{}`. Models only: no HTTP stack. Amounts are \
         [`Decimal`], read exactly from JSON strings or numbers.",
        api.title,
        api.description.trim(),
        api.document
    );
    let crate_doc = crate_doc
        .lines()
        .map(|line| format!(" {line}"))
        .collect::<Vec<_>>();
    let schemes = schemes(ctx);
    let enums = api.enums.iter().map(|e| enumeration(ctx, e));
    let models = api.models.iter().map(|m| model(ctx, m));
    let callbacks = api.callbacks.iter().map(|c| callback(api, c));
    let integrations = api
        .integrations
        .iter()
        .map(|i| super::integrations::integration(ctx, i));
    let error_kinds = api.error_body.as_ref().map(error_kinds);
    quote! {
        #(#![doc = #crate_doc])*

        pub use ::paysmith_types::{Decimal, Secret};
        pub use ::paysmith_types::callback::CallbackError;

        #schemes
        #(#enums)*
        #(#models)*
        #(#callbacks)*
        #(#integrations)*
        #error_kinds
    }
}

fn error_kinds(body: &paysmith_spec::model::ErrorBody) -> TokenStream {
    let names: Vec<_> = body.kinds.iter().map(|k| ident(&k.name)).collect();
    let docs: Vec<_> = body
        .kinds
        .iter()
        .map(|k| {
            let code = match (&k.code, &k.code_suffix) {
                (Some(code), _) => Some(format!("code `{code}`")),
                (None, Some(suffix)) => Some(format!("code `…{suffix}`")),
                (None, None) => None,
            };
            let said = match (code, &k.message) {
                (Some(code), Some(message)) => format!("{code}, `{message}`"),
                (Some(code), None) => code,
                (None, Some(message)) => format!("`{message}`"),
                (None, None) => String::new(),
            };
            doc(&format!("{said}: {}", k.description))
        })
        .collect();
    let by_code = body.kinds.iter().filter_map(|k| {
        let code = k.code.as_deref()?;
        let name = ident(&k.name);
        Some(quote!(Some(#code) => return Self::#name,))
    });
    let suffixes: Vec<&str> = body
        .kinds
        .iter()
        .filter_map(|k| k.code_suffix.as_deref())
        .collect();
    let suffix_names: Vec<_> = body
        .kinds
        .iter()
        .filter(|k| k.code_suffix.is_some())
        .map(|k| ident(&k.name))
        .collect();
    let by_suffix = (!suffixes.is_empty()).then(|| {
        quote! {
            if let Some(code) = code {
                #(if code.ends_with(#suffixes) {
                    return Self::#suffix_names;
                })*
            }
        }
    });
    let by_message = body.kinds.iter().filter_map(|k| {
        let message = k.message.as_deref()?;
        let name = ident(&k.name);
        Some(quote!(#message => Self::#name,))
    });
    let field = body.field.as_str();
    let ways: Vec<&str> = [
        (body.kinds.iter().any(|k| k.code.is_some()), "by code"),
        (!suffixes.is_empty(), "by the end of the code"),
        (body.kinds.iter().any(|k| k.message.is_some()), "by message"),
    ]
    .into_iter()
    .filter_map(|(used, way)| used.then_some(way))
    .collect();
    let description = doc(&format!(
        "The documented errors of the `{field}` error body (section \"{}\"), {}; any \
         other is kept in `Other`.",
        body.source.section,
        ways.join(", then ")
    ));
    quote! {
        #description
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum ProviderErrorKind {
            #(#docs #names,)*
            /// An error this version does not know: its code (if any) and message as received.
            Other { code: Option<String>, message: String },
        }

        impl ProviderErrorKind {
            /// The kind of an error: its code compared exactly, then its message.
            pub fn of(code: Option<&str>, message: &str) -> Self {
                #[allow(clippy::match_single_binding)]
                match code {
                    #(#by_code)*
                    _ => {}
                }
                #by_suffix
                match message {
                    #(#by_message)*
                    other => Self::Other {
                        code: code.map(str::to_owned),
                        message: other.to_owned(),
                    },
                }
            }
        }
    }
}

fn schemes(ctx: &Context) -> TokenStream {
    let mut used: Vec<&str> = ctx
        .inputs
        .iter()
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()))
        .filter(|stem| ctx.spec.scheme(stem).is_some())
        .collect();
    used.sort_unstable();
    let items = used.into_iter().map(|id| {
        let scheme = ctx.scheme(id);
        let name = const_name(id);
        let description = doc(&format!(
            "`{id}`: {}\n\n{}",
            scheme.title,
            scheme.description.trim()
        ));
        let signing = match &scheme.signing {
            SchemeFamily::SortedParamsDigest(config) => {
                let value = consts::sorted_params(config);
                quote! {
                    #description
                    pub const #name: ::paysmith_types::sign::sorted_params::SortedParamsConfig = #value;
                }
            }
            SchemeFamily::RsaPkcs1v15PrivateEncrypt(config) => {
                let value = consts::rsa_private(config);
                quote! {
                    #description
                    pub const #name: ::paysmith_types::sign::rsa_private::RsaPrivateEncryptConfig = #value;
                }
            }
            SchemeFamily::ContentMd5Hmac(config) => {
                let value = consts::content_md5_hmac(config);
                quote! {
                    #description
                    pub const #name: ::paysmith_types::sign::content_md5_hmac::ContentMd5HmacConfig = #value;
                }
            }
            SchemeFamily::EcdsaSecp256k1(config) => {
                let value = consts::ecdsa(config);
                quote! {
                    #description
                    pub const #name: ::paysmith_types::sign::bitpay_ecdsa::BitpayEcdsaConfig = #value;
                }
            }
            SchemeFamily::AcquiaHttpHmac(config) => {
                let value = consts::acquia_hmac(config);
                quote! {
                    #description
                    pub const #name: ::paysmith_types::sign::acquia_hmac::AcquiaHmacConfig = #value;
                }
            }
        };
        let http = scheme.http.as_ref().map(|binding| {
            let http_name = format_ident!("{}_HTTP", name);
            let (ty, value) = match binding {
                paysmith_sign::binding::HttpBinding::HeaderParams(binding) => (
                    quote!(::paysmith_types::sign::binding::HeaderParamsBinding),
                    consts::header_params(binding),
                ),
                paysmith_sign::binding::HttpBinding::ContentMd5Authorization(binding) => (
                    quote!(::paysmith_types::sign::binding::ContentMd5Binding),
                    consts::content_md5_binding(binding),
                ),
                paysmith_sign::binding::HttpBinding::IdentityHeaders(_) => (
                    quote!(::paysmith_types::sign::binding::IdentityHeadersBinding),
                    quote!(::paysmith_types::sign::binding::IdentityHeadersBinding {}),
                ),
                paysmith_sign::binding::HttpBinding::AcquiaAuthorization(binding) => (
                    quote!(::paysmith_types::sign::binding::AcquiaBinding),
                    consts::acquia_binding(binding),
                ),
            };
            let text = format!(" How `{id}` attaches to an HTTP request.");
            quote! {
                #[doc = #text]
                pub const #http_name: #ty = #value;
            }
        });
        quote! { #signing #http }
    });
    quote! {
        /// Signing schemes of this API, as the spec defines them.
        pub mod schemes {
            #(#items)*
        }
    }
}

fn source_line(section: &str, document: &str) -> String {
    format!("\n\nSource: `{document}`, section \"{section}\".")
}

fn enumeration(ctx: &Context, def: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let description = doc(&format!(
        "{}{}",
        def.description,
        source_line(&def.source.section, &ctx.api.document)
    ));
    let variants: Vec<_> = def.values.iter().map(|v| ident(&v.name)).collect();
    let variant_docs: Vec<_> = def.values.iter().map(|v| doc(&v.description)).collect();
    let open = def.open;
    let type_name = def.name.as_str();
    let expected = def
        .values
        .iter()
        .map(|v| match &v.value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    match def.repr {
        EnumRepr::Integer => {
            let codes: Vec<Literal> = def
                .values
                .iter()
                .map(|v| Literal::i64_unsuffixed(v.value.as_i64().expect("validated integer")))
                .collect();
            let codes_pat: Vec<TokenStream> = codes
                .iter()
                .map(|c| {
                    let text = c.to_string();
                    if let Some(positive) = text.strip_prefix('-') {
                        let positive = Literal::i64_unsuffixed(positive.parse().expect("integer"));
                        quote!(-#positive)
                    } else {
                        quote!(#c)
                    }
                })
                .collect();
            let (unknown_variant, to_code_unknown, from_code, deserialize) = if open {
                (
                    quote! {
                        /// A code this version does not know, kept as received.
                        Unknown(i64),
                    },
                    quote!(Self::Unknown(code) => code,),
                    quote! {
                        /// The variant for a wire code; unknown codes are kept in `Unknown`.
                        pub const fn from_code(code: i64) -> Self {
                            match code {
                                #(#codes_pat => Self::#variants,)*
                                other => Self::Unknown(other),
                            }
                        }
                    },
                    quote!(Ok(Self::from_code(code))),
                )
            } else {
                (
                    quote!(),
                    quote!(),
                    quote! {
                        /// The variant for a wire code, or `None` for a code this enum does not have.
                        pub const fn from_code(code: i64) -> Option<Self> {
                            match code {
                                #(#codes_pat => Some(Self::#variants),)*
                                _ => None,
                            }
                        }
                    },
                    quote! {
                        Self::from_code(code).ok_or_else(|| {
                            ::paysmith_types::code::unknown_code(#type_name, code, #expected)
                        })
                    },
                )
            };
            quote! {
                #description
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
                pub enum #name {
                    #(#variant_docs #variants,)*
                    #unknown_variant
                }

                impl #name {
                    /// Every variant this version knows, in the document's order.
                    pub const KNOWN: &'static [Self] = &[#(Self::#variants),*];

                    /// The wire code.
                    pub const fn code(self) -> i64 {
                        match self {
                            #(Self::#variants => #codes_pat,)*
                            #to_code_unknown
                        }
                    }

                    #from_code
                }

                impl ::core::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        ::core::fmt::Display::fmt(&self.code(), f)
                    }
                }

                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                        serializer.serialize_i64(self.code())
                    }
                }

                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        let code = ::paysmith_types::code::deserialize_integer_code(deserializer)?;
                        #deserialize
                    }
                }
            }
        }
        EnumRepr::String => {
            // A string enum may have one JSON `false` value ("none yet").
            let false_variant = def
                .values
                .iter()
                .find(|v| v.value == serde_json::Value::Bool(false))
                .map(|v| ident(&v.name));
            let strings: Vec<_> = def.values.iter().filter(|v| v.value.is_string()).collect();
            let wires: Vec<&str> = strings
                .iter()
                .map(|v| v.value.as_str().expect("validated string"))
                .collect();
            let string_variants: Vec<_> = strings.iter().map(|v| ident(&v.name)).collect();
            let variants = &string_variants;
            let (unknown_variant, unknown_str, from_wire, deserialize, derive_copy) = if open {
                (
                    quote! {
                        /// A value this version does not know, kept as received.
                        Unknown(String),
                    },
                    quote!(Self::Unknown(value) => value,),
                    quote! {
                        /// The variant for a wire value; unknown values are kept in `Unknown`.
                        pub fn from_wire(value: &str) -> Self {
                            match value {
                                #(#wires => Self::#variants,)*
                                other => Self::Unknown(other.to_owned()),
                            }
                        }
                    },
                    quote!(Ok(Self::from_wire(&value))),
                    quote!(),
                )
            } else {
                (
                    quote!(),
                    quote!(),
                    quote! {
                        /// The variant for a wire value, or `None` for a value this enum does not have.
                        pub fn from_wire(value: &str) -> Option<Self> {
                            match value {
                                #(#wires => Some(Self::#variants),)*
                                _ => None,
                            }
                        }
                    },
                    quote! {
                        Self::from_wire(&value).ok_or_else(|| {
                            ::paysmith_types::code::unknown_code(#type_name, &value, #expected)
                        })
                    },
                    quote!(Copy,),
                )
            };
            let all_variants: Vec<_> = def.values.iter().map(|v| ident(&v.name)).collect();
            let (false_as_str, serialize, read_value) = match &false_variant {
                Some(variant) => (
                    quote!(Self::#variant => "false",),
                    quote! {
                        match self {
                            Self::#variant => serializer.serialize_bool(false),
                            other => serializer.serialize_str(other.as_str()),
                        }
                    },
                    quote! {
                        let Some(value) = ::paysmith_types::code::deserialize_string_or_false(deserializer)? else {
                            return Ok(Self::#variant);
                        };
                    },
                ),
                None => (
                    quote!(),
                    quote!(serializer.serialize_str(self.as_str())),
                    quote!(let value = <String as ::serde::Deserialize>::deserialize(deserializer)?;),
                ),
            };
            quote! {
                #description
                #[derive(Clone, #derive_copy Debug, PartialEq, Eq, Hash)]
                pub enum #name {
                    #(#variant_docs #all_variants,)*
                    #unknown_variant
                }

                impl #name {
                    /// Every variant this version knows, in the document's order.
                    pub const KNOWN: &'static [Self] = &[#(Self::#all_variants),*];

                    /// The wire value (`false` for the variant sent as the JSON boolean).
                    pub fn as_str(&self) -> &str {
                        match self {
                            #false_as_str
                            #(Self::#variants => #wires,)*
                            #unknown_str
                        }
                    }

                    #from_wire
                }

                impl ::core::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }

                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                        #serialize
                    }
                }

                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        #read_value
                        #deserialize
                    }
                }
            }
        }
    }
}

fn model(ctx: &Context, def: &ModelDef) -> TokenStream {
    let name = ident(&def.name);
    let inbound = ctx.is_inbound(&def.name);
    let direction = if inbound {
        "\n\nReceived from the provider: unknown fields are ignored."
    } else {
        "\n\nSent to the provider: exactly these fields, unknown fields are refused when parsing."
    };
    let description = doc(&format!(
        "{}{}{direction}",
        def.description,
        source_line(&def.source.section, &ctx.api.document)
    ));
    let container = if inbound {
        quote!()
    } else {
        quote!(#[serde(deny_unknown_fields)])
    };
    let fields = def.fields.iter().map(|field| {
        let rust = field_ident(field);
        let ty = ctx.field_type(field);
        let wire = field.name.as_str();
        let mut text = field.description.clone();
        if let Some(source) = &field.source
            && let Some(inferred) = &source.inferred
        {
            text.push_str(&format!("\n\nInferred: {inferred}"));
        }
        if field.parse_only {
            text.push_str("\n\nRead when parsing, never sent: a value set here is not serialised.");
        }
        let field_doc = doc(&text);
        let parsed = TypeRef::parse(&field.ty).expect("validated type");
        let mut attrs = Vec::new();
        if rust != wire {
            attrs.push(quote!(rename = #wire));
        }
        if parsed.is_decimal() && field.wire == Some(DecimalWire::Number) {
            let with = if field.required {
                "::rust_decimal::serde::arbitrary_precision"
            } else {
                "::rust_decimal::serde::arbitrary_precision_option"
            };
            attrs.push(quote!(with = #with));
        }
        if field.parse_only {
            attrs.push(quote!(default, skip_serializing));
        } else if !field.required && parsed == TypeRef::Json {
            attrs.push(quote!(
                default,
                skip_serializing_if = "::serde_json::Value::is_null"
            ));
        } else if !field.required {
            attrs.push(quote!(default, skip_serializing_if = "Option::is_none"));
        }
        let serde_attr = (!attrs.is_empty()).then(|| quote!(#[serde(#(#attrs),*)]));
        quote! {
            #field_doc
            #serde_attr
            pub #rust: #ty,
        }
    });
    let (derive_default, constructor) = if inbound {
        (None, None)
    } else {
        outbound_constructor(ctx, def)
    };
    let field_names = ctx
        .signs_written_fields(&def.name)
        .then(|| field_names(def));
    let methods = (constructor.is_some() || field_names.is_some()).then(|| {
        quote! {
            impl #name {
                #constructor
                #field_names
            }
        }
    });
    quote! {
        #description
        #[derive(Clone, Debug, #derive_default PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
        #container
        pub struct #name {
            #(#fields)*
        }

        #methods
    }
}

/// The wire names a model writes, for the signer to know its keys before a request.
fn field_names(def: &ModelDef) -> TokenStream {
    let written = def
        .fields
        .iter()
        .filter(|f| !f.parse_only)
        .map(|f| f.name.as_str());
    let text = doc(
        "Wire names of the fields this model writes, in the order it writes them: the \
         keys its signed request body can have.",
    );
    quote! {
        #text
        pub const FIELD_NAMES: &'static [&'static str] = &[#(#written),*];
    }
}

const MAX_CONSTRUCTOR_ARGUMENTS: usize = 6;

/// What builds a model the client sends: the method `new(required fields)` with every
/// optional field unset (so `Model { field: Some(..), ..Model::new(..) }` reads well), or
/// `Default` when no field is required; models with many required fields are
/// written as struct literals.
fn outbound_constructor(
    ctx: &Context,
    def: &ModelDef,
) -> (Option<TokenStream>, Option<TokenStream>) {
    let required: Vec<_> = def.fields.iter().filter(|f| f.required).collect();
    if required.is_empty() {
        return (Some(quote!(Default,)), None);
    }
    // Past a handful of arguments a struct literal names each value better.
    if required.len() > MAX_CONSTRUCTOR_ARGUMENTS {
        return (None, None);
    }
    let name = ident(&def.name);
    let params = required.iter().map(|field| {
        let rust = field_ident(field);
        match TypeRef::parse(&field.ty).expect("validated type") {
            TypeRef::String => quote!(#rust: impl Into<String>),
            _ => {
                let ty = ctx.field_type(field);
                quote!(#rust: #ty)
            }
        }
    });
    let inits = def.fields.iter().map(|field| {
        let rust = field_ident(field);
        let ty = TypeRef::parse(&field.ty).expect("validated type");
        match (field.required, ty) {
            (true, TypeRef::String) => quote!(#rust: #rust.into()),
            (true, _) => quote!(#rust),
            (false, TypeRef::Json) => quote!(#rust: ::serde_json::Value::Null),
            (false, _) => quote!(#rust: None),
        }
    });
    let text = doc("The required fields; the optional ones are unset.");
    (
        None,
        Some(quote! {
            #text
            pub fn new(#(#params),*) -> Self {
                #name { #(#inits),* }
            }
        }),
    )
}

fn callback(api: &ApiFile, def: &Callback) -> TokenStream {
    let payload = ident(&def.payload);
    let prefix = def.id.to_ascii_uppercase();
    let title = upper_camel(&def.id);
    let parsing = match (&def.signature, &def.unsigned) {
        (Some(signature), _) => {
            let scheme = const_name(&signature.scheme);
            let field = signature.field.as_str();
            let secret_name = signature.secret.as_str();
            let inferred = signature
                .source
                .inferred
                .as_deref()
                .map(|why| format!("\n\nInferred: {why}"))
                .unwrap_or_default();
            let verify_doc = doc(&format!(
                "Verifies the `{field}` signature over the raw body with the `{secret_name}` \
                 credential, then parses it.{inferred}\n\nA bad signature is \
                 [`CallbackError::BadSignature`]; a body that verifies but does not fit the model \
                 is [`CallbackError::Parse`]."
            ));
            // The payload's wire names, in the order the spec lists them (the
            // provider's documented order), are the keys its body is read by.
            let payload_def = api
                .models
                .iter()
                .find(|m| m.name == def.payload)
                .expect("validated payload");
            let keys = payload_def.fields.iter().map(|f| f.name.as_str());
            let check_doc = doc(&format!(
                "Verifies the `{field}` signature over the raw body with the `{secret_name}` \
                 credential, without parsing it.{inferred}\n\nA bad signature is \
                 [`CallbackError::BadSignature`], carrying the string signed here."
            ));
            quote! {
                #check_doc
                pub fn verify(body: &[u8], secret: &::paysmith_types::Secret) -> Result<(), CallbackError> {
                    static PLAN: ::std::sync::LazyLock<::paysmith_types::sign::sorted_params::CallbackPlan> =
                        ::std::sync::LazyLock::new(|| {
                            ::paysmith_types::sign::sorted_params::CallbackPlan::new(&schemes::#scheme, &[#(#keys),*], #field)
                        });
                    ::paysmith_types::callback::verify_planned_json(&PLAN, secret, body)
                }

                #verify_doc
                pub fn verify_and_parse(body: &[u8], secret: &::paysmith_types::Secret) -> Result<Self, CallbackError> {
                    Self::verify(body, secret)?;
                    Self::parse_unverified(body)
                }

                /// Parses the body WITHOUT checking its signature; only for bodies verified elsewhere.
                pub fn parse_unverified(body: &[u8]) -> Result<Self, CallbackError> {
                    ::paysmith_types::callback::parse_unverified(body)
                }

                /// The JSON body the provider would send for this payload, signed with
                /// `secret` (for tests of your own callback handler).
                pub fn to_signed_json(&self, secret: &::paysmith_types::Secret) -> Result<String, CallbackError> {
                    let mut value = ::serde_json::to_value(self).map_err(|e| CallbackError::NotJson(e.to_string()))?;
                    ::paysmith_types::callback::sign_sorted_params_json(&schemes::#scheme, secret, &mut value, #field)?;
                    Ok(value.to_string())
                }
            }
        }
        (None, unsigned) => {
            let why = unsigned
                .as_ref()
                .map(|u| u.why.as_str())
                .unwrap_or_default();
            let confirm = def
                .confirm
                .as_ref()
                .map(|c| {
                    format!(
                        " Before acting on it, confirm it through the signed API: \
                         `Client::confirm_{}` in the client crate reads the resource with \
                         `{}` and compares it with the payload.",
                        def.id, c.endpoint
                    )
                })
                .unwrap_or_default();
            let parse_doc = doc(&format!(
                "Parses the body. The provider does not sign this notification, so nothing \
                 here proves it came from the provider: {why}{confirm}"
            ));
            quote! {
                #parse_doc
                pub fn parse_unverified(body: &[u8]) -> Result<Self, CallbackError> {
                    ::paysmith_types::callback::parse_unverified(body)
                }
            }
        }
    };
    let ack = def.acknowledgement.as_deref().map(|text| {
        let name = format_ident!("{prefix}_ACKNOWLEDGEMENT");
        let ack_doc = doc(&format!(
            "The exact body to answer a `{}` with; anything else makes the provider retry.",
            def.id
        ));
        quote! {
            #ack_doc
            pub const #name: &str = #text;
        }
    });
    let retry = def.retry.as_ref().map(|retry| {
        let offsets_name = format_ident!("{prefix}_RETRY_OFFSETS");
        let window_name = format_ident!("{prefix}_RETRY_WINDOW");
        let offsets = retry
            .offsets_seconds
            .iter()
            .map(|s| quote!(::core::time::Duration::from_secs(#s)));
        let count = retry.offsets_seconds.len();
        let window = retry.window_seconds;
        let offsets_doc = doc(&format!(
            "When the provider retries an unacknowledged {title} callback, as offsets from the first failed delivery."
        ));
        quote! {
            #offsets_doc
            pub const #offsets_name: [::core::time::Duration; #count] = [#(#offsets),*];

            /// No delivery is attempted after this long.
            pub const #window_name: ::core::time::Duration = ::core::time::Duration::from_secs(#window);
        }
    });
    let events = def.events.as_ref().map(|events| {
        let name = format_ident!("{prefix}_EVENT_POINTER");
        let ty = events.ty.as_str();
        let text = doc(&format!(
            "Where a `{}` payload carries its event kind (a [`{ty}`]), as a JSON pointer.",
            def.id
        ));
        let pointer = events.pointer.as_str();
        quote! {
            #text
            pub const #name: &str = #pointer;
        }
    });
    quote! {
        impl #payload {
            #parsing
        }

        #ack
        #retry
        #events
    }
}
