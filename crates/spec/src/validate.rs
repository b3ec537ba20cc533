//! Checks across files: references resolve, names are unique and usable in Rust,
//! inbound enums are open, and each element has what its kind requires.

use std::collections::{BTreeSet, HashMap, HashSet};

use paysmith_sign::binding::{HttpBinding, ParamValue};
use paysmith_sign::evaluate::SchemeFamily;

use crate::diag::Diagnostic;
use crate::load::{Loaded, Spec};
use crate::model::{
    ApiFile, EnumRepr, RequestEncoding, SchemeFile, Vector, VectorMode, VectorStatus,
};
use crate::names::{is_keyword, is_snake_case, is_upper_camel, snake_case};
use crate::path::FieldPath;
use crate::types::TypeRef;

pub fn validate(spec: &Spec) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut scheme_ids = HashSet::new();
    for scheme in &spec.schemes {
        if !scheme_ids.insert(scheme.value.id.as_str()) {
            out.push(scheme.diagnostic(&FieldPath::root().key("id"), "duplicate scheme id"));
        }
        check_scheme(scheme, &mut out);
    }
    for file in &spec.vector_files {
        if spec.scheme(&file.value.scheme).is_none() {
            out.push(file.diagnostic(
                &FieldPath::root().key("scheme"),
                format!("unknown scheme `{}`", file.value.scheme),
            ));
        }
        let errata = HashSet::new();
        for (index, vector) in file.value.vectors.iter().enumerate() {
            check_vector(
                file,
                &FieldPath::root().key("vectors").index(index),
                vector,
                &errata,
                &mut out,
            );
        }
    }
    for api in &spec.apis {
        ApiCheck::new(spec, api, &mut out).run();
    }
    out
}

fn file_stem_matches<T>(loaded: &Loaded<T>, id: &str) -> bool {
    loaded.path.file_stem().and_then(|s| s.to_str()) == Some(id)
}

fn check_errata<T>(
    loaded: &Loaded<T>,
    errata: &[crate::model::Erratum],
    out: &mut Vec<Diagnostic>,
) -> HashSet<String> {
    let mut ids = HashSet::new();
    for (index, erratum) in errata.iter().enumerate() {
        if !ids.insert(erratum.id.clone()) {
            out.push(loaded.diagnostic(
                &FieldPath::root().key("errata").index(index).key("id"),
                format!("duplicate erratum id `{}`", erratum.id),
            ));
        }
    }
    ids
}

fn check_scheme(scheme: &Loaded<SchemeFile>, out: &mut Vec<Diagnostic>) {
    let file = &scheme.value;
    if !file_stem_matches(scheme, &file.id) {
        out.push(scheme.diagnostic(
            &FieldPath::root().key("id"),
            format!("id `{}` must equal the file name without `.yaml`", file.id),
        ));
    }
    let errata = check_errata(scheme, &file.errata, out);
    let mut ids = HashSet::new();
    for (index, vector) in file.vectors.iter().enumerate() {
        let at = FieldPath::root().key("vectors").index(index);
        if !ids.insert(vector.id.as_str()) {
            out.push(scheme.diagnostic(
                &at.key("id"),
                format!("duplicate vector id `{}`", vector.id),
            ));
        }
        check_vector(scheme, &at, vector, &errata, out);
    }
    check_signing_examples(scheme, &errata, out);
    if let (Some(HttpBinding::HeaderParams(_)), SchemeFamily::RsaPkcs1v15PrivateEncrypt(_)) =
        (&file.http, &file.signing)
    {
        out.push(scheme.diagnostic(
            &FieldPath::root().key("http"),
            "a header_params binding needs the sorted-params-digest family",
        ));
    }
}

/// Each printed signing input names a vector of the scheme and is a JSON object.
fn check_signing_examples(
    scheme: &Loaded<SchemeFile>,
    errata: &HashSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    let mut ids = HashSet::new();
    for (index, example) in scheme.value.examples.iter().enumerate() {
        let at = FieldPath::root().key("examples").index(index);
        if !ids.insert(example.id.as_str()) {
            out.push(scheme.diagnostic(
                &at.key("id"),
                format!("duplicate example id `{}`", example.id),
            ));
        }
        if !scheme.value.vectors.iter().any(|v| v.id == example.vector)
            && !scheme.pruned.names.contains(&example.vector)
        {
            out.push(scheme.diagnostic(
                &at.key("vector"),
                format!("unknown vector `{}`", example.vector),
            ));
        }
        if !matches!(
            serde_json::from_str::<serde_json::Value>(&example.json),
            Ok(serde_json::Value::Object(_))
        ) {
            out.push(scheme.diagnostic(&at.key("json"), "a signing input must be a JSON object"));
        }
        if let Some(erratum) = &example.erratum
            && !errata.contains(erratum)
            && !scheme.pruned.names.contains(erratum)
        {
            out.push(scheme.diagnostic(&at.key("erratum"), format!("unknown erratum `{erratum}`")));
        }
    }
}

fn check_vector<T>(
    loaded: &Loaded<T>,
    at: &FieldPath,
    vector: &Vector,
    errata: &HashSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    if vector.status == VectorStatus::Derived && vector.derivation.is_none() {
        out.push(loaded.diagnostic(
            &at.key("status"),
            "a derived vector must say in `derivation` how its values were obtained",
        ));
    }
    if vector.mode == VectorMode::Verify
        && (vector.expect.len() != 1
            || !matches!(
                vector.expect.get("valid").map(String::as_str),
                Some("true" | "false")
            ))
    {
        out.push(loaded.diagnostic(
            &at.key("expect"),
            "a verify vector expects exactly `valid: \"true\"` or `valid: \"false\"`",
        ));
    }
    if vector.expect.is_empty() {
        out.push(loaded.diagnostic(&at.key("expect"), "a vector must expect at least one stage"));
    }
    if !vector.input.is_object() {
        out.push(loaded.diagnostic(&at.key("input"), "input must be an object"));
    }
    if let Some(erratum) = &vector.erratum
        && !errata.contains(erratum)
        && !loaded.pruned.names.contains(erratum)
    {
        out.push(loaded.diagnostic(&at.key("erratum"), format!("unknown erratum `{erratum}`")));
    }
}

/// Names the generated crates use themselves, or take from the prelude.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Decimal",
    "Secret",
    "CallbackError",
    "Client",
    "Credentials",
    "Environment",
    "Error",
    "ErrorKind",
    "Transport",
    "SignedRequest",
    "Clock",
    "NonceSource",
    "ProviderErrorKind",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enum,
    Model,
}

struct ApiCheck<'a> {
    spec: &'a Spec,
    loaded: &'a Loaded<ApiFile>,
    api: &'a ApiFile,
    out: &'a mut Vec<Diagnostic>,
    types: HashMap<&'a str, (Kind, usize)>,
    errata: HashSet<String>,
}

impl<'a> ApiCheck<'a> {
    fn new(spec: &'a Spec, loaded: &'a Loaded<ApiFile>, out: &'a mut Vec<Diagnostic>) -> Self {
        ApiCheck {
            spec,
            loaded,
            api: &loaded.value,
            out,
            types: HashMap::new(),
            errata: HashSet::new(),
        }
    }

    /// An unknown scheme, unless its file exists and already failed to load.
    fn unknown_scheme(&mut self, at: &FieldPath, id: &str) {
        if !self.spec.broken_schemes.iter().any(|broken| broken == id) {
            self.problem(at, format!("unknown scheme `{id}`"));
        }
    }

    /// An unknown reference, unless what it names was cut from the file for a
    /// structural problem, which is already reported.
    fn unknown(&mut self, at: &FieldPath, what: &str, name: &str) {
        if !self.loaded.pruned.names.contains(name) {
            self.problem(at, format!("unknown {what} `{name}`"));
        }
    }

    fn problem(&mut self, at: &FieldPath, message: impl Into<String>) {
        let diagnostic = self.loaded.diagnostic(at, message);
        self.out.push(diagnostic);
    }

    fn run(mut self) {
        let root = FieldPath::root();
        if !file_stem_matches(self.loaded, &self.api.id) || !is_snake_case(&self.api.id) {
            self.problem(
                &root.key("id"),
                format!(
                    "id `{}` must be snake_case and equal the file name",
                    self.api.id
                ),
            );
        }
        self.errata = check_errata(self.loaded, &self.api.errata, self.out);
        self.check_servers();
        self.check_named_lists();
        self.check_enums();
        self.check_models();
        self.check_settings();
        self.check_endpoints();
        self.check_facades();
        self.check_error_kinds();
        self.check_callbacks();
        self.check_headers();
        self.check_integrations();
        self.check_inbound_enums_open();
        self.check_examples();
    }

    fn check_servers(&mut self) {
        let api = self.api;
        let mut names = HashSet::new();
        for (index, server) in api.servers.iter().enumerate() {
            let at = FieldPath::root().key("servers").index(index);
            if !names.insert(server.name.as_str()) || !is_snake_case(&server.name) {
                self.problem(&at.key("name"), "server names must be unique snake_case");
            }
            if !server.url.starts_with("https://") || server.url.ends_with('/') {
                self.problem(
                    &at.key("url"),
                    "a server URL is https:// with no trailing slash",
                );
            }
        }
        if !names.contains("production") {
            self.problem(
                &FieldPath::root().key("servers"),
                "a `production` server is required",
            );
        }
    }

    fn check_named_lists(&mut self) {
        let api = self.api;
        for (index, e) in api.enums.iter().enumerate() {
            let at = FieldPath::root().key("enums").index(index).key("name");
            if !is_upper_camel(&e.name) {
                self.problem(&at, "enum names are UpperCamelCase");
            }
            if RESERVED_TYPE_NAMES.contains(&e.name.as_str()) {
                self.problem(
                    &at,
                    format!("`{}` is a name generated code already uses", e.name),
                );
            }
            if self.types.insert(&e.name, (Kind::Enum, index)).is_some() {
                self.problem(&at, format!("`{}` is defined twice", e.name));
            }
        }
        for (index, m) in api.models.iter().enumerate() {
            let at = FieldPath::root().key("models").index(index).key("name");
            if !is_upper_camel(&m.name) {
                self.problem(&at, "model names are UpperCamelCase");
            }
            if RESERVED_TYPE_NAMES.contains(&m.name.as_str()) {
                self.problem(
                    &at,
                    format!("`{}` is a name generated code already uses", m.name),
                );
            }
            if self.types.insert(&m.name, (Kind::Model, index)).is_some() {
                self.problem(&at, format!("`{}` is defined twice", m.name));
            }
        }
        let mut credentials = HashSet::new();
        for (index, c) in api.credentials.iter().enumerate() {
            if !is_snake_case(&c.name) || !credentials.insert(c.name.as_str()) {
                self.problem(
                    &FieldPath::root()
                        .key("credentials")
                        .index(index)
                        .key("name"),
                    "credential names must be unique snake_case",
                );
            }
        }
    }

    fn check_enums(&mut self) {
        let api = self.api;
        for (index, e) in api.enums.iter().enumerate() {
            let at = FieldPath::root().key("enums").index(index);
            let mut values = HashSet::new();
            let mut names = HashSet::new();
            for (vi, value) in e.values.iter().enumerate() {
                let vat = at.key("values").index(vi);
                let fits = match e.repr {
                    EnumRepr::Integer => value.value.as_i64().is_some(),
                    EnumRepr::String => {
                        value.value.is_string() || value.value == serde_json::Value::Bool(false)
                    }
                };
                if !fits {
                    self.problem(&vat.key("value"), "value does not match the enum's repr");
                }
                if !values.insert(value.value.to_string()) {
                    self.problem(&vat.key("value"), "duplicate value");
                }
                if !is_upper_camel(&value.name)
                    || value.name == "Unknown"
                    || !names.insert(&value.name)
                {
                    self.problem(
                        &vat.key("name"),
                        "variant names are unique UpperCamelCase (`Unknown` is reserved)",
                    );
                }
            }
            if e.values.is_empty() {
                self.problem(&at.key("values"), "an enum needs at least one value");
            }
        }
    }

    fn check_models(&mut self) {
        let api = self.api;
        for (index, model) in api.models.iter().enumerate() {
            let at = FieldPath::root().key("models").index(index);
            let mut wire = HashSet::new();
            let mut rust = HashSet::new();
            for (fi, field) in model.fields.iter().enumerate() {
                let fat = at.key("fields").index(fi);
                if !wire.insert(field.name.as_str()) {
                    self.problem(
                        &fat.key("name"),
                        format!("duplicate field `{}`", field.name),
                    );
                }
                let rust_name = field
                    .rust_name
                    .clone()
                    .unwrap_or_else(|| snake_case(&field.name));
                if !is_snake_case(&rust_name) || is_keyword(&rust_name) {
                    self.problem(
                        &fat.key("name"),
                        format!("`{rust_name}` is not a usable Rust field name; set rust_name"),
                    );
                }
                if !rust.insert(rust_name.clone()) {
                    self.problem(&fat.key("name"), format!("two fields map to `{rust_name}`"));
                }
                match TypeRef::parse(&field.ty) {
                    Err(message) => self.problem(&fat.key("type"), message),
                    Ok(ty) => {
                        if let Some(name) = ty.named()
                            && !self.types.contains_key(name)
                        {
                            self.unknown(&fat.key("type"), "type", name);
                        }
                        if field.wire.is_some() && !ty.is_decimal() {
                            self.problem(&fat.key("wire"), "`wire` applies to decimal fields only");
                        }
                        if field.parse_only && field.required {
                            self.problem(
                                &fat.key("parse_only"),
                                "a field that is never sent cannot be required",
                            );
                        }
                    }
                }
            }
        }
    }

    fn check_settings(&mut self) {
        let api = self.api;
        for (index, setting) in api.settings.iter().enumerate() {
            let at = FieldPath::root().key("settings").index(index);
            let known = api.enums.iter().find(|e| e.name == setting.ty);
            match known {
                None => self.unknown(&at.key("type"), "enum", &setting.ty),
                Some(e) => {
                    if !e
                        .values
                        .iter()
                        .any(|v| v.value.as_str() == Some(setting.default.as_str()))
                    {
                        self.problem(&at.key("default"), "the default is not a value of the enum");
                    }
                }
            }
        }
    }

    fn model_fields(&self, name: &str) -> Option<BTreeSet<&'a str>> {
        let api = self.api;
        api.models
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.fields.iter().map(|f| f.name.as_str()).collect())
    }

    fn check_endpoints(&mut self) {
        let api = self.api;
        let mut ids = HashSet::new();
        for (index, endpoint) in api.endpoints.iter().enumerate() {
            let at = FieldPath::root().key("endpoints").index(index);
            if !is_snake_case(&endpoint.id) || !ids.insert(endpoint.id.as_str()) {
                self.problem(&at.key("id"), "endpoint ids must be unique snake_case");
            }
            if !endpoint.path.starts_with('/') {
                self.problem(&at.key("path"), "a path starts with `/`");
            }
            if let Some(auth) = &endpoint.auth {
                match self.spec.scheme(auth) {
                    None => self.unknown_scheme(&at.key("auth"), auth),
                    Some(scheme) => self.check_binding(&at.key("auth"), scheme),
                }
            }
            self.check_path_params(&at, endpoint);
            if let Some(request) = &endpoint.request
                && self.model_fields(request).is_none()
            {
                self.unknown(&at.key("request"), "model", request);
            }
            if let Some(response) = &endpoint.response {
                match TypeRef::parse(response) {
                    Ok(TypeRef::Named(name)) => {
                        if self.model_fields(&name).is_none() {
                            self.unknown(&at.key("response"), "model", &name);
                        }
                    }
                    Ok(TypeRef::List(inner)) if matches!(*inner, TypeRef::Named(_)) => {
                        let name = inner.named().unwrap_or_default().to_owned();
                        if self.model_fields(&name).is_none() {
                            self.unknown(&at.key("response"), "model", &name);
                        }
                    }
                    Ok(ty)
                        if matches!(&ty, TypeRef::Map(_))
                            || matches!(&ty, TypeRef::List(inner) if matches!(**inner, TypeRef::Map(_))) =>
                    {
                        if let Some(name) = ty.named()
                            && self.model_fields(name).is_none()
                        {
                            self.unknown(&at.key("response"), "model", name);
                        }
                    }
                    _ => self.problem(
                        &at.key("response"),
                        "a response is a model, list<Model>, map<T> or list<map<T>>",
                    ),
                }
            }
            for (ei, kind) in endpoint.errors.iter().enumerate() {
                let known = api
                    .error_body
                    .as_ref()
                    .is_some_and(|body| body.kinds.iter().any(|k| &k.name == kind));
                if !known {
                    self.unknown(&at.key("errors").index(ei), "error kind", kind);
                }
            }
            if let Some(body) = &endpoint.body_signature {
                let bat = at.key("body_signature");
                match self.spec.scheme(&body.scheme).map(|s| &s.signing) {
                    Some(SchemeFamily::RsaPkcs1v15PrivateEncrypt(_)) => {}
                    Some(_) => self.problem(
                        &bat.key("scheme"),
                        "a body signature needs an RSA family scheme",
                    ),
                    None => self.unknown_scheme(&bat.key("scheme"), &body.scheme),
                }
                let request_fields = endpoint
                    .request
                    .as_deref()
                    .and_then(|r| self.model_fields(r));
                if let Some(fields) = request_fields {
                    if !fields.contains(body.field.as_str()) {
                        self.problem(
                            &bat.key("field"),
                            format!("`{}` is not a request field", body.field),
                        );
                    }
                    for (ci, covered) in body.covers.iter().enumerate() {
                        if !fields.contains(covered.as_str()) || covered == &body.field {
                            self.problem(
                                &bat.key("covers").index(ci),
                                format!("`{covered}` is not a signable request field"),
                            );
                        }
                    }
                }
            }
        }
    }

    /// `{name}` segments of the path and `path_params` name the same parameters, in order.
    fn check_path_params(&mut self, at: &FieldPath, endpoint: &crate::model::Endpoint) {
        let in_path: Vec<&str> = endpoint
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let declared: Vec<&str> = endpoint
            .path_params
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        if in_path != declared {
            self.problem(
                &at.key("path_params"),
                format!("the path names {in_path:?} but path_params declares {declared:?}"),
            );
        }
        for (pi, param) in endpoint.path_params.iter().enumerate() {
            let rust = snake_case(&param.name);
            if !is_snake_case(&rust) || is_keyword(&rust) {
                self.problem(
                    &at.key("path_params").index(pi).key("name"),
                    format!("`{}` is not usable as a Rust argument", param.name),
                );
            }
        }
    }

    fn check_binding(&mut self, at: &FieldPath, scheme: &SchemeFile) {
        let api = self.api;
        let has_credential = |name: &str, secret: bool| {
            api.credentials
                .iter()
                .any(|c| c.name == name && (c.secret || !secret))
        };
        let mut needs: Vec<(String, bool)> = Vec::new();
        match (&scheme.http, &scheme.signing, api.encoding) {
            (
                Some(HttpBinding::HeaderParams(binding)),
                SchemeFamily::SortedParamsDigest(_),
                RequestEncoding::Json,
            ) => {
                needs.push((binding.secret_credential.to_string(), true));
                for param in binding.public_params.iter() {
                    match &param.value {
                        ParamValue::Credential { name } => needs.push((name.to_string(), false)),
                        ParamValue::Setting { name }
                            if !api.settings.iter().any(|s| s.name == *name) =>
                        {
                            self.problem(at, format!("scheme `{}` needs setting `{name}`, which this API does not declare", scheme.id));
                        }
                        _ => {}
                    }
                }
            }
            (
                Some(HttpBinding::ContentMd5Authorization(binding)),
                SchemeFamily::ContentMd5Hmac(_),
                RequestEncoding::Form,
            ) => {
                needs.push((binding.api_key_credential.to_string(), false));
                needs.push((binding.secret_credential.to_string(), true));
            }
            (
                Some(HttpBinding::AcquiaAuthorization(binding)),
                SchemeFamily::AcquiaHttpHmac(_),
                RequestEncoding::Json,
            ) => {
                needs.push((binding.id_credential.to_string(), false));
                needs.push((binding.secret_credential.to_string(), true));
                for name in binding.signed_headers.iter() {
                    if !api
                        .headers
                        .iter()
                        .any(|h| h.name.eq_ignore_ascii_case(name))
                    {
                        self.problem(
                            at,
                            format!(
                                "scheme `{}` signs header `{name}`, which this API does not send",
                                scheme.id
                            ),
                        );
                    }
                }
            }
            (
                Some(HttpBinding::IdentityHeaders(_)),
                SchemeFamily::EcdsaSecp256k1(_),
                RequestEncoding::Json,
            ) => {}
            (None, _, _) => {
                self.problem(
                    at,
                    format!(
                        "scheme `{}` has no `http` binding to sign requests",
                        scheme.id
                    ),
                );
                return;
            }
            _ => {
                self.problem(
                    at,
                    format!(
                        "scheme `{}` ({}) cannot sign this API's {:?} requests with its binding",
                        scheme.id,
                        scheme.signing.name(),
                        api.encoding
                    ),
                );
                return;
            }
        }
        for (name, secret) in needs {
            if !has_credential(&name, secret) {
                let kind = if secret {
                    "secret credential"
                } else {
                    "credential"
                };
                self.problem(
                    at,
                    format!(
                        "scheme `{}` needs {kind} `{name}`, which this API does not declare",
                        scheme.id
                    ),
                );
            }
        }
    }

    fn check_callbacks(&mut self) {
        let api = self.api;
        for (index, callback) in api.callbacks.iter().enumerate() {
            let at = FieldPath::root().key("callbacks").index(index);
            let fields = self.model_fields(&callback.payload);
            if fields.is_none() {
                self.unknown(&at.key("payload"), "model", &callback.payload);
            }
            match (&callback.signature, &callback.unsigned) {
                (Some(signature), None) => {
                    let sat = at.key("signature");
                    if let Some(fields) = &fields
                        && !fields.contains(signature.field.as_str())
                    {
                        self.problem(
                            &sat.key("field"),
                            format!("`{}` is not a payload field", signature.field),
                        );
                    }
                    match self.spec.scheme(&signature.scheme).map(|s| &s.signing) {
                        Some(SchemeFamily::SortedParamsDigest(_)) => {}
                        Some(_) => self.problem(
                            &sat.key("scheme"),
                            "callback signatures need a sorted-params-digest scheme",
                        ),
                        None => self.unknown_scheme(&sat.key("scheme"), &signature.scheme),
                    }
                    if !api
                        .credentials
                        .iter()
                        .any(|c| c.name == signature.secret && c.secret)
                    {
                        self.problem(
                            &sat.key("secret"),
                            format!("`{}` is not a secret credential", signature.secret),
                        );
                    }
                }
                (None, Some(_)) => {
                    if callback.confirm.is_none() {
                        self.problem(
                            &at.key("confirm"),
                            "an unsigned callback needs `confirm`: how to check it through the signed API",
                        );
                    }
                }
                _ => self.problem(
                    &at,
                    "a callback has either `signature` or `unsigned` (saying why there is none)",
                ),
            }
            if let Some(confirm) = &callback.confirm {
                self.check_confirm(&at.key("confirm"), confirm);
            }
            if let Some(events) = &callback.events {
                let known = api.enums.iter().any(|e| e.name == events.ty);
                if !known {
                    self.unknown(&at.key("events").key("type"), "enum", &events.ty);
                }
                if !events.pointer.starts_with('/') {
                    self.problem(
                        &at.key("events").key("pointer"),
                        "a JSON pointer starts with `/`",
                    );
                }
            }
            if let Some(ack) = &callback.acknowledgement
                && serde_json::from_str::<serde_json::Value>(ack).is_err()
            {
                self.problem(
                    &at.key("acknowledgement"),
                    "the acknowledgement must be JSON",
                );
            }
            if let Some(retry) = &callback.retry {
                let offsets = &retry.offsets_seconds;
                if offsets.windows(2).any(|w| w[0] >= w[1])
                    || offsets
                        .last()
                        .is_some_and(|last| *last > retry.window_seconds)
                {
                    self.problem(
                        &at.key("retry").key("offsets_seconds"),
                        "retry offsets must increase and stay inside the window",
                    );
                }
            }
        }
    }

    fn check_confirm(&mut self, at: &FieldPath, confirm: &crate::model::Confirm) {
        let Some(endpoint) = self.api.endpoints.iter().find(|e| e.id == confirm.endpoint) else {
            self.unknown(&at.key("endpoint"), "endpoint", &confirm.endpoint);
            return;
        };
        if endpoint.response.is_none() {
            self.problem(&at.key("endpoint"), "the endpoint must answer the resource");
        }
        let mut pointers = vec![(
            at.key("payload_resource"),
            confirm.payload_resource.as_str(),
        )];
        match &confirm.by {
            crate::model::ConfirmBy::PathParams(params) => {
                let declared: BTreeSet<&str> = endpoint
                    .path_params
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect();
                let given: BTreeSet<&str> = params.keys().map(String::as_str).collect();
                if declared != given {
                    self.problem(
                        &at.key("by"),
                        format!("the endpoint's path parameters are {declared:?}"),
                    );
                }
                pointers.extend(params.values().map(|p| (at.key("by"), p.as_str())));
            }
            crate::model::ConfirmBy::SearchPages {
                page_field,
                payload_key,
                resource_key,
                max_pages,
            } => {
                let fields = endpoint
                    .request
                    .as_deref()
                    .and_then(|r| self.model_fields(r));
                if !fields.is_some_and(|f| f.contains(page_field.as_str())) {
                    self.problem(
                        &at.key("by"),
                        format!("`{page_field}` is not a field of the endpoint's request"),
                    );
                }
                if !endpoint.path_params.is_empty() {
                    self.problem(
                        &at.key("by"),
                        "a searched endpoint takes no path parameters",
                    );
                }
                if *max_pages == 0 {
                    self.problem(&at.key("by"), "max_pages must be at least 1");
                }
                let listed = endpoint
                    .response
                    .as_deref()
                    .and_then(|r| TypeRef::parse(r).ok())
                    .is_some_and(|t| matches!(t, TypeRef::List(_)));
                if !listed {
                    self.problem(&at.key("endpoint"), "a searched endpoint answers a list");
                }
                pointers.push((at.key("by"), payload_key.as_str()));
                pointers.push((at.key("by"), resource_key.as_str()));
            }
        }
        if confirm.payload_resource.is_empty() {
            // `""` is the JSON pointer of the whole payload.
            pointers.remove(0);
        }
        self.check_volatile(at, endpoint, &confirm.volatile);
        for (pat, pointer) in pointers {
            if !pointer.starts_with('/') {
                self.problem(
                    &pat,
                    format!("`{pointer}` is not a JSON pointer (starts with `/`)"),
                );
            }
        }
    }

    /// Each volatile pointer starts at a field of the resource the endpoint answers.
    fn check_volatile(
        &mut self,
        at: &FieldPath,
        endpoint: &crate::model::Endpoint,
        volatile: &[String],
    ) {
        let resource = endpoint
            .response
            .as_deref()
            .and_then(|r| TypeRef::parse(r).ok())
            .map(|t| match t {
                TypeRef::List(inner) => *inner,
                other => other,
            });
        let fields = match &resource {
            Some(TypeRef::Named(name)) => self.model_fields(name),
            _ => None,
        };
        for (index, pointer) in volatile.iter().enumerate() {
            let pat = at.key("volatile").index(index);
            let Some(first) = pointer
                .strip_prefix('/')
                .map(|p| p.split('/').next().unwrap_or(""))
            else {
                self.problem(
                    &pat,
                    format!("`{pointer}` is not a JSON pointer (starts with `/`)"),
                );
                continue;
            };
            if fields.as_ref().is_some_and(|f| !f.contains(first)) {
                self.problem(
                    &pat,
                    format!(
                        "`{first}` is not a field of the resource `{}` answers",
                        endpoint.id
                    ),
                );
            }
        }
    }

    fn check_error_kinds(&mut self) {
        let Some(body) = &self.api.error_body else {
            return;
        };
        for (index, kind) in body.kinds.iter().enumerate() {
            let at = FieldPath::root()
                .key("error_body")
                .key("kinds")
                .index(index);
            if kind.code.is_none() && kind.code_suffix.is_none() && kind.message.is_none() {
                self.problem(
                    &at,
                    "an error kind needs a `code`, a `code_suffix` or a `message`",
                );
            }
            if kind.code.is_some() && kind.code_suffix.is_some() {
                self.problem(&at, "`code` and `code_suffix` exclude each other");
            }
            if kind.code_suffix.as_deref() == Some("") {
                self.problem(&at.key("code_suffix"), "a code suffix is not empty");
            }
            if !is_upper_camel(&kind.name) || kind.name == "Other" {
                self.problem(
                    &at.key("name"),
                    "kind names are UpperCamelCase (`Other` is reserved)",
                );
            }
        }
    }

    fn check_facades(&mut self) {
        let api = self.api;
        let mut names = HashSet::new();
        for (index, facade) in api.facades.iter().enumerate() {
            if !is_snake_case(&facade.name) || !names.insert(facade.name.as_str()) {
                self.problem(
                    &FieldPath::root().key("facades").index(index).key("name"),
                    "facade names are unique snake_case",
                );
            }
            if facade.optional_signing && facade.name == "public" {
                self.problem(
                    &FieldPath::root()
                        .key("facades")
                        .index(index)
                        .key("optional_signing"),
                    "public calls carry no token and are never signed",
                );
            }
        }
        if api.envelope.is_some() && api.data_envelope.is_some() {
            self.problem(
                &FieldPath::root().key("data_envelope"),
                "an API has `envelope` or `data_envelope`, not both",
            );
        }
        for (index, endpoint) in api.endpoints.iter().enumerate() {
            let at = FieldPath::root().key("endpoints").index(index);
            if api.facades.is_empty() {
                if !endpoint.facades.is_empty()
                    || endpoint.signed_for.is_some()
                    || endpoint.token.is_some()
                {
                    self.problem(
                        &at,
                        "`facades`, `signed_for` and `token` need facades declared by the API",
                    );
                }
                continue;
            }
            if let Some(auth) = &endpoint.auth
                && let Some(scheme) = self.spec.scheme(auth)
                && !matches!(scheme.http, Some(HttpBinding::IdentityHeaders(_)))
            {
                self.problem(
                    &at.key("auth"),
                    format!("`{auth}` is not an identity-headers scheme: facade calls are signed by the client key"),
                );
            }
            if endpoint.facades.is_empty() {
                self.problem(
                    &at.key("facades"),
                    "name the facades that may call this endpoint",
                );
            }
            for (fi, facade) in endpoint.facades.iter().enumerate() {
                if !names.contains(facade.as_str()) {
                    self.unknown(&at.key("facades").index(fi), "facade", facade);
                }
            }
            if let Some(signed) = &endpoint.signed_for {
                for (si, facade) in signed.iter().enumerate() {
                    if !endpoint.facades.contains(facade) || facade == "public" {
                        self.problem(
                            &at.key("signed_for").index(si),
                            format!("`{facade}` is not a non-public facade of this endpoint"),
                        );
                    }
                }
            }
            let signs = endpoint.facades.iter().any(|f| {
                f != "public" && endpoint.signed_for.as_ref().is_none_or(|s| s.contains(f))
            });
            if signs && endpoint.auth.is_none() {
                self.problem(&at.key("auth"), "a signed facade call needs `auth`");
            }
            let tokened = endpoint.facades.iter().any(|f| f != "public");
            match (&endpoint.token, tokened) {
                (None, true) => self.problem(
                    &at.key("token"),
                    "say where the token goes (`body`, `query`, `resource` or `none`)",
                ),
                (Some(_), false) => {
                    self.problem(&at.key("token"), "a public endpoint carries no token")
                }
                (
                    Some(crate::model::TokenPlacement::Resource {
                        model,
                        field,
                        path_params,
                        location,
                        ..
                    }),
                    true,
                ) => {
                    let tat = at.key("token");
                    if *location == crate::model::TokenLocation::Body
                        && !matches!(
                            endpoint.method,
                            crate::model::Method::Post
                                | crate::model::Method::Put
                                | crate::model::Method::Patch
                        )
                    {
                        self.problem(
                            &tat,
                            "a token in the body needs a POST, PUT or PATCH endpoint",
                        );
                    }
                    match self.model_fields(model) {
                        None => self.unknown(&tat, "model", model),
                        Some(fields) => {
                            if !fields.contains(field.as_str()) {
                                self.problem(
                                    &tat,
                                    format!("`{field}` is not a field of `{model}`"),
                                );
                            }
                            for value in path_params.values() {
                                if !fields.contains(value.as_str()) {
                                    self.problem(
                                        &tat,
                                        format!("`{value}` is not a field of `{model}`"),
                                    );
                                }
                            }
                        }
                    }
                    for key in path_params.keys() {
                        if !endpoint.path_params.iter().any(|p| &p.name == key) {
                            self.problem(&tat, format!("`{key}` is not a path parameter"));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn check_headers(&mut self) {
        let api = self.api;
        let mut names = HashSet::new();
        for (index, header) in api.headers.iter().enumerate() {
            let at = FieldPath::root().key("headers").index(index);
            let valid = !header.name.is_empty()
                && header
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !valid || !names.insert(header.name.to_ascii_lowercase()) {
                self.problem(
                    &at.key("name"),
                    "header names are unique tokens of letters, digits and `-`",
                );
            }
            if header.value.bytes().any(|b| b.is_ascii_control()) {
                self.problem(&at.key("value"), "a header value has no control characters");
            }
        }
    }

    fn check_integrations(&mut self) {
        let api = self.api;
        let servers: BTreeSet<&str> = api.servers.iter().map(|s| s.name.as_str()).collect();
        for (index, integration) in api.integrations.iter().enumerate() {
            let at = FieldPath::root().key("integrations").index(index);
            if !is_upper_camel(&integration.name)
                || self.types.contains_key(integration.name.as_str())
            {
                self.problem(
                    &at.key("name"),
                    "an integration name is an unused UpperCamelCase type name",
                );
            }
            let urls = match &integration.kind {
                crate::model::IntegrationKind::Link { path, base_urls } => {
                    let in_path: Vec<&str> = path
                        .split('/')
                        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                        .collect();
                    for name in in_path {
                        match integration.attributes.iter().find(|a| a.name == name) {
                            Some(attribute) if attribute.required => {}
                            _ => self.problem(
                                &at.key("kind"),
                                format!("path segment `{{{name}}}` must be a required attribute"),
                            ),
                        }
                    }
                    base_urls
                }
                crate::model::IntegrationKind::Widget { script_urls, .. } => script_urls,
            };
            let named: BTreeSet<&str> = urls.keys().map(String::as_str).collect();
            if named != servers {
                self.problem(
                    &at.key("kind"),
                    format!("give a URL for every server: {servers:?}"),
                );
            }
            let mut names = HashSet::new();
            for (ai, attribute) in integration.attributes.iter().enumerate() {
                let aat = at.key("attributes").index(ai);
                let rust = snake_case(&attribute.name);
                if !is_snake_case(&rust) || is_keyword(&rust) || !names.insert(rust) {
                    self.problem(
                        &aat.key("name"),
                        "attribute names map to unique Rust fields",
                    );
                }
                let is_enum = api.enums.iter().any(|e| e.name == attribute.ty);
                if !matches!(attribute.ty.as_str(), "string" | "integer") && !is_enum {
                    self.problem(
                        &aat.key("type"),
                        format!("`{}` is not `string`, `integer` or an enum", attribute.ty),
                    );
                }
                if (attribute.exact_length.is_some() || attribute.max_length.is_some())
                    && attribute.ty != "string"
                {
                    self.problem(&aat, "length rules apply to strings only");
                }
            }
        }
    }

    /// Enums reachable from responses and callback payloads must keep unknown values.
    fn check_inbound_enums_open(&mut self) {
        let api = self.api;
        let responses: Vec<String> = api
            .endpoints
            .iter()
            .filter_map(|e| e.response_model())
            .collect();
        let mut pending: Vec<&str> = responses
            .iter()
            .filter_map(|name| self.types.get_key_value(name.as_str()).map(|(k, _)| *k))
            .chain(api.callbacks.iter().map(|c| c.payload.as_str()))
            .collect();
        let mut seen = HashSet::new();
        while let Some(name) = pending.pop() {
            if !seen.insert(name) {
                continue;
            }
            match self.types.get(name) {
                Some((Kind::Model, index)) => {
                    for field in &api.models[*index].fields {
                        if let Ok(ty) = TypeRef::parse(&field.ty)
                            && let Some(inner) = ty.named()
                            && let Some((name, _)) = self.types.get_key_value(inner)
                        {
                            pending.push(name);
                        }
                    }
                }
                Some((Kind::Enum, index)) if !api.enums[*index].open => {
                    let at = FieldPath::root().key("enums").index(*index).key("open");
                    self.problem(
                        &at,
                        format!("`{name}` appears in a response or callback, so it must be open"),
                    );
                }
                Some((Kind::Enum, _)) => {}
                None => {}
            }
        }
    }

    fn check_examples(&mut self) {
        let api = self.api;
        let mut ids = HashSet::new();
        for (index, example) in api.examples.iter().enumerate() {
            let at = FieldPath::root().key("examples").index(index);
            if !ids.insert(example.id.as_str()) {
                self.problem(
                    &at.key("id"),
                    format!("duplicate example id `{}`", example.id),
                );
            }
            let model = TypeRef::parse(&example.model)
                .ok()
                .and_then(|ty| ty.named().map(str::to_owned))
                .unwrap_or_default();
            if !self.types.contains_key(model.as_str()) {
                self.unknown(&at.key("model"), "model", &example.model);
            }
            if example.enveloped && api.envelope.is_none() && api.data_envelope.is_none() {
                self.problem(&at.key("enveloped"), "this API declares no envelope");
            }
            match (&example.erratum, &example.corrected) {
                (Some(erratum), Some(corrected)) => {
                    if !self.errata.contains(erratum) {
                        self.unknown(&at.key("erratum"), "erratum", erratum);
                    }
                    if serde_json::from_str::<serde_json::Value>(corrected).is_err() {
                        self.problem(&at.key("corrected"), "the corrected example must be JSON");
                    }
                }
                (None, None) => {
                    if serde_json::from_str::<serde_json::Value>(&example.json).is_err() {
                        self.problem(
                            &at.key("json"),
                            "the example is not JSON: record an erratum and a corrected form",
                        );
                    }
                }
                _ => self.problem(&at, "`erratum` and `corrected` go together"),
            }
        }
    }
}
