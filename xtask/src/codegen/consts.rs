//! Scheme parameters as `const` Rust expressions, so generated crates carry them as
//! data checked by the compiler.

use paysmith_sign::acquia_hmac::{AcquiaHmacConfig, AuthorizationFormat};
use paysmith_sign::binding::{AcquiaBinding, ContentMd5Binding, HeaderParamsBinding, ParamValue};
use paysmith_sign::bitpay_ecdsa::{BitpayEcdsaConfig, EcdsaDigest, EcdsaOutput};
use paysmith_sign::content_md5_hmac::{ContentMd5HmacConfig, MacAlgorithm};
use paysmith_sign::rsa_private::RsaPrivateEncryptConfig;
use paysmith_sign::sorted_params::{KeyOrder, SecretPlacement, SortedParamsConfig};
use paysmith_sign::{DigestAlgorithm, OutputEncoding};
use proc_macro2::TokenStream;
use quote::quote;

const SIGN: fn() -> TokenStream = || quote!(::paysmith_types::sign);

fn cow(text: &str) -> TokenStream {
    quote!(::std::borrow::Cow::Borrowed(#text))
}

fn output(encoding: OutputEncoding) -> TokenStream {
    let sign = SIGN();
    match encoding {
        OutputEncoding::HexLower => quote!(#sign::OutputEncoding::HexLower),
        OutputEncoding::HexUpper => quote!(#sign::OutputEncoding::HexUpper),
        OutputEncoding::Base64 => quote!(#sign::OutputEncoding::Base64),
    }
}

pub fn sorted_params(config: &SortedParamsConfig) -> TokenStream {
    let sign = SIGN();
    let key_order = match config.key_order {
        KeyOrder::Ascii => quote!(#sign::sorted_params::KeyOrder::Ascii),
        KeyOrder::CaseInsensitive => quote!(#sign::sorted_params::KeyOrder::CaseInsensitive),
    };
    let pair = cow(&config.pair_separator);
    let kv = cow(&config.kv_separator);
    let excluded = config.exclude_keys.iter().map(|k| cow(k));
    let skip_empty = config.skip_empty;
    let placement = match &config.secret_placement {
        SecretPlacement::Append => quote!(#sign::sorted_params::SecretPlacement::Append),
        SecretPlacement::Prepend => quote!(#sign::sorted_params::SecretPlacement::Prepend),
        SecretPlacement::AppendParam { key } => {
            let key = cow(key);
            quote!(#sign::sorted_params::SecretPlacement::AppendParam { key: #key })
        }
    };
    let digest = digest(config.digest);
    let out = output(config.output);
    quote! {
        #sign::sorted_params::SortedParamsConfig {
            key_order: #key_order,
            pair_separator: #pair,
            kv_separator: #kv,
            exclude_keys: ::std::borrow::Cow::Borrowed(&[#(#excluded),*]),
            skip_empty: #skip_empty,
            secret_placement: #placement,
            digest: #digest,
            output: #out,
        }
    }
}

pub fn rsa_private(config: &RsaPrivateEncryptConfig) -> TokenStream {
    let sign = SIGN();
    let out = output(config.output);
    let template = cow(&config.password_template);
    quote! {
        #sign::rsa_private::RsaPrivateEncryptConfig {
            output: #out,
            password_template: #template,
        }
    }
}

pub fn header_params(binding: &HeaderParamsBinding) -> TokenStream {
    let sign = SIGN();
    let params = binding.public_params.iter().map(|param| {
        let name = cow(&param.name);
        let value = match &param.value {
            ParamValue::Nonce { length } => {
                quote!(#sign::binding::ParamValue::Nonce { length: #length })
            }
            ParamValue::TimestampMillis => quote!(#sign::binding::ParamValue::TimestampMillis),
            ParamValue::Credential { name } => {
                let name = cow(name);
                quote!(#sign::binding::ParamValue::Credential { name: #name })
            }
            ParamValue::Setting { name } => {
                let name = cow(name);
                quote!(#sign::binding::ParamValue::Setting { name: #name })
            }
            ParamValue::Constant { value } => {
                let value = cow(value);
                quote!(#sign::binding::ParamValue::Constant { value: #value })
            }
        };
        quote!(#sign::binding::PublicParam { name: #name, value: #value })
    });
    let header = cow(&binding.signature_header);
    let secret = cow(&binding.secret_credential);
    quote! {
        #sign::binding::HeaderParamsBinding {
            public_params: ::std::borrow::Cow::Borrowed(&[#(#params),*]),
            signature_header: #header,
            secret_credential: #secret,
        }
    }
}

fn digest(algorithm: DigestAlgorithm) -> TokenStream {
    let sign = SIGN();
    match algorithm {
        DigestAlgorithm::Md5 => quote!(#sign::DigestAlgorithm::Md5),
        DigestAlgorithm::Sha1 => quote!(#sign::DigestAlgorithm::Sha1),
        DigestAlgorithm::Sha256 => quote!(#sign::DigestAlgorithm::Sha256),
    }
}

pub fn content_md5_hmac(config: &ContentMd5HmacConfig) -> TokenStream {
    let sign = SIGN();
    let separator = cow(&config.separator);
    let content_digest = digest(config.content_digest);
    let mac = match config.mac {
        MacAlgorithm::HmacSha1 => quote!(#sign::content_md5_hmac::MacAlgorithm::HmacSha1),
        MacAlgorithm::HmacSha256 => quote!(#sign::content_md5_hmac::MacAlgorithm::HmacSha256),
    };
    let out = output(config.output);
    let prefix = cow(&config.authorization_prefix);
    let skew = config.max_skew_seconds;
    quote! {
        #sign::content_md5_hmac::ContentMd5HmacConfig {
            separator: #separator,
            content_digest: #content_digest,
            mac: #mac,
            output: #out,
            authorization_prefix: #prefix,
            max_skew_seconds: #skew,
        }
    }
}

pub fn content_md5_binding(binding: &ContentMd5Binding) -> TokenStream {
    let sign = SIGN();
    let key = cow(&binding.api_key_credential);
    let secret = cow(&binding.secret_credential);
    quote! {
        #sign::binding::ContentMd5Binding {
            api_key_credential: #key,
            secret_credential: #secret,
        }
    }
}

pub fn acquia_hmac(config: &AcquiaHmacConfig) -> TokenStream {
    let sign = SIGN();
    let version = cow(&config.version);
    let skew = config.max_skew_seconds;
    let format = match config.authorization_format {
        AuthorizationFormat::SpecOrder => quote!(SpecOrder),
        AuthorizationFormat::SortedOmitEmptyHeaders => quote!(SortedOmitEmptyHeaders),
        AuthorizationFormat::JsLibrary => quote!(JsLibrary),
    };
    quote! {
        #sign::acquia_hmac::AcquiaHmacConfig {
            version: #version,
            max_skew_seconds: #skew,
            authorization_format: #sign::acquia_hmac::AuthorizationFormat::#format,
        }
    }
}

pub fn acquia_binding(binding: &AcquiaBinding) -> TokenStream {
    let sign = SIGN();
    let id = cow(&binding.id_credential);
    let secret = cow(&binding.secret_credential);
    let realm = cow(&binding.realm);
    let headers = binding.signed_headers.iter().map(|h| cow(h));
    quote! {
        #sign::binding::AcquiaBinding {
            id_credential: #id,
            secret_credential: #secret,
            realm: #realm,
            signed_headers: ::std::borrow::Cow::Borrowed(&[#(#headers),*]),
        }
    }
}

pub fn ecdsa(config: &BitpayEcdsaConfig) -> TokenStream {
    let sign = SIGN();
    let identity = cow(&config.identity_header);
    let signature = cow(&config.signature_header);
    let digest = match config.digest {
        EcdsaDigest::Sha256 => quote!(Sha256),
    };
    let output = match config.output {
        EcdsaOutput::HexLower => quote!(HexLower),
    };
    quote! {
        #sign::bitpay_ecdsa::BitpayEcdsaConfig {
            identity_header: #identity,
            signature_header: #signature,
            digest: #sign::bitpay_ecdsa::EcdsaDigest::#digest,
            output: #sign::bitpay_ecdsa::EcdsaOutput::#output,
        }
    }
}
