//! The serde model of the two spec file kinds: scheme files and API files.
//!
//! Every struct denies unknown keys, so a typo in a spec file is an error, not a
//! silently ignored field.

use std::collections::BTreeMap;

use paysmith_sign::binding::HttpBinding;
use paysmith_sign::evaluate::SchemeFamily;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where an element comes from in the provider document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Section heading of the document (as printed, without the leading `#`).
    pub section: String,
    /// Document file name, when it differs from the file's `document`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// Set when the element is not stated by the document: why it was inferred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inferred: Option<String>,
}

/// A contradiction or mistake in the provider document, and what the spec does about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Erratum {
    /// Stable identifier, referenced from examples and vectors.
    pub id: String,
    pub source: Source,
    /// What the document's text says.
    pub says: String,
    /// What the document shows (example, table, sample) that disagrees.
    pub shows: String,
    /// What paysmith does.
    pub decision: String,
    /// Why that decision.
    pub why: String,
}

/// How a vector's expected values were obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VectorStatus {
    /// The value is printed in the provider document.
    Documented,
    /// Computed here from documented inputs; `derivation` says how.
    Derived,
    /// From a published test suite or an independent implementation; `source` says which.
    External,
}

/// A golden vector: input as the `paysmith sign` CLI takes it, and expected stage values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    pub id: String,
    pub status: VectorStatus,
    /// Document section, or the external suite, the vector comes from.
    pub source: String,
    /// Required for `derived` vectors: the independent computation that produced `expect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derivation: Option<String>,
    /// Erratum this vector documents, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erratum: Option<String>,
    /// Whether the vector is signed (expected stages compared) or only verified.
    #[serde(default, skip_serializing_if = "VectorMode::is_sign")]
    pub mode: VectorMode,
    /// Input object, exactly as `paysmith sign <scheme> --input` reads it (or
    /// `paysmith verify`, for a `verify` vector).
    pub input: serde_json::Value,
    /// Expected value of each named stage of the signing trace; for a `verify` vector,
    /// `valid` is `true` or `false`.
    pub expect: BTreeMap<String, String>,
}

/// What a vector checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VectorMode {
    /// Sign the input; every expected stage must match.
    #[default]
    Sign,
    /// Verify the input (which carries the signature); `expect.valid` says the outcome.
    Verify,
}

impl VectorMode {
    pub fn is_sign(&self) -> bool {
        *self == VectorMode::Sign
    }
}

/// A published test suite kept verbatim in the repository and read through an adapter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalSuite {
    /// JSON file, relative to the repository root.
    pub path: String,
    /// Layout of the file, which decides how its entries become vectors.
    pub format: SuiteFormat,
    /// What the suite is and where it comes from.
    pub description: String,
}

/// Layouts of published suites that paysmith reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SuiteFormat {
    /// Acquia HTTP HMAC 2.0 fixtures (`fixtures[]` with `input` and `expect`).
    AcquiaHttpHmacFixtures,
    /// BitPay's published key, SIN and signature vectors (`vectors[]` by `kind`); the
    /// kinds that are signatures or key derivations become vectors, the others are
    /// checked by the signing crate's and the conformance suite's own tests.
    BitpayPublished,
}

/// A file of vectors kept next to the tool that produced them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// Scheme id the vectors belong to.
    pub scheme: String,
    /// The program that produced the file.
    pub generated_by: String,
    pub vectors: Vec<Vector>,
}

/// A signing scheme: a family from `paysmith-sign`, its parameters, vectors and errata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeFile {
    /// Scheme id, equal to the file name without `.yaml`.
    pub id: String,
    pub title: String,
    pub description: String,
    /// Provider document the scheme is written from.
    pub document: String,
    pub source: Source,
    /// Signing family and its parameters.
    pub signing: SchemeFamily,
    /// How the signature is attached to an HTTP request, when the scheme signs requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpBinding>,
    #[serde(default)]
    pub vectors: Vec<Vector>,
    /// Further vector files (JSON, `VectorFile`), relative to the repository root.
    #[serde(default)]
    pub vector_files: Vec<String>,
    /// Published suites, kept verbatim, whose entries are vectors of this scheme.
    #[serde(default)]
    pub external_suites: Vec<ExternalSuite>,
    /// JSON objects the document prints as the input of a signing example.
    #[serde(default)]
    pub examples: Vec<SigningExample>,
    #[serde(default)]
    pub errata: Vec<Erratum>,
}

/// A JSON object the document prints as (part of) the input of a signing example,
/// verbatim. Its top-level values, as the text the scheme signs, are parameters of the
/// vector it names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SigningExample {
    pub id: String,
    pub source: Source,
    /// Id of the vector of this scheme whose `input.params` the example belongs to.
    pub vector: String,
    /// Whether the example holds every parameter of the vector (else only some).
    #[serde(default)]
    pub complete: bool,
    /// The object exactly as printed.
    pub json: String,
    /// Erratum about a difference between the printed values and the signed text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erratum: Option<String>,
}

/// One provider API: servers, credentials, models, endpoints, callbacks, examples, errata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiFile {
    /// API id, equal to the file name without `.yaml`; crates are named after it.
    pub id: String,
    pub title: String,
    pub description: String,
    /// Provider document the API is written from.
    pub document: String,
    pub source: Source,
    pub servers: Vec<Server>,
    pub credentials: Vec<Credential>,
    /// Settings with defaults the client sends on every call (for example a language).
    #[serde(default)]
    pub settings: Vec<Setting>,
    /// The response envelope every endpoint answers with; absent when responses are bare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope: Option<Envelope>,
    /// Successful responses wrap their payload in this field (`{"data": …}`, other keys
    /// ignored); a body without it is the payload itself. Exclusive with `envelope`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_envelope: Option<DataEnvelope>,
    /// Capability facades: each token grants one facade, and each endpoint names the
    /// facades that may call it. The client gets one type per facade, so a call the
    /// token does not grant does not compile.
    #[serde(default)]
    pub facades: Vec<FacadeDef>,
    /// How request fields travel.
    #[serde(default)]
    pub encoding: RequestEncoding,
    /// Headers sent with every request (for example a versioned `Accept`).
    #[serde(default)]
    pub headers: Vec<FixedHeader>,
    /// The error body of non-success responses, when it is not the envelope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_body: Option<ErrorBody>,
    #[serde(default)]
    pub enums: Vec<EnumDef>,
    #[serde(default)]
    pub models: Vec<ModelDef>,
    pub endpoints: Vec<Endpoint>,
    #[serde(default)]
    pub callbacks: Vec<Callback>,
    /// Client-side integrations that need no API call: payment links, HTML widgets.
    #[serde(default)]
    pub integrations: Vec<Integration>,
    #[serde(default)]
    pub examples: Vec<Example>,
    #[serde(default)]
    pub errata: Vec<Erratum>,
}

/// A header with a fixed value, sent on every request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixedHeader {
    pub name: String,
    pub value: String,
    pub description: String,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// `production`, `sandbox`, or another environment name.
    pub name: String,
    pub url: String,
    pub source: Source,
}

/// A credential the user supplies to the client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// snake_case name, referenced by scheme bindings.
    pub name: String,
    pub description: String,
    /// Secret credentials are redacted in `Debug` and zeroized.
    pub secret: bool,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    /// snake_case name, referenced by scheme bindings.
    pub name: String,
    pub description: String,
    /// Enum whose values the setting takes.
    #[serde(rename = "type")]
    pub ty: String,
    /// Wire value used when the user sets nothing.
    pub default: String,
    pub source: Source,
}

/// The `{code, message, data}` style response envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub code_field: String,
    pub message_field: String,
    pub data_field: String,
    /// The code that means success; any other code is a provider error.
    pub success_code: i64,
    pub source: Source,
}

/// `{"data": …}`-style wrapping of successful responses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataEnvelope {
    pub data_field: String,
    pub source: Source,
}

/// A capability facade (a token's level of access).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FacadeDef {
    /// snake_case name as the provider writes it (`pos`, `merchant`); `public` is the
    /// facade of calls made without a token.
    pub name: String,
    pub description: String,
    /// The facade's calls that `signed_for` leaves unsigned are signed anyway when the
    /// client holds a key: a token bound to a key must be used with signatures, one
    /// made without a key need not be.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional_signing: bool,
    pub source: Source,
}

/// How request fields are sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestEncoding {
    /// A JSON object body.
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`: the body of POST/PUT/PATCH, the query of GET/DELETE.
    Form,
}

/// An error body such as `{"errors": "Not found"}`, and its documented messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// Field holding the message.
    pub field: String,
    /// Other fields that may hold the message instead, in order of preference.
    #[serde(default)]
    pub other_message_fields: Vec<String>,
    /// Field holding the provider's error code (kept as its JSON text), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_field: Option<String>,
    /// A `status` field whose value marks an error body even with a 2xx status, as
    /// `(field, value)`; error bodies with a message field are errors with any status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_status: Option<ErrorStatusMarker>,
    pub source: Source,
    /// Documented messages; each becomes a variant of the API's error-kind enum, with an
    /// open fallback for any other message.
    pub kinds: Vec<ErrorKindDef>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorStatusMarker {
    pub field: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorKindDef {
    /// Variant name (UpperCamelCase).
    pub name: String,
    /// The message exactly as the provider sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The code exactly as the provider sends it (its JSON text); matched before the
    /// message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The end of the code (its JSON text), for providers whose codes begin with a part
    /// that varies by call (BitPay's first two digits name the HTTP method); matched
    /// after `code` and before the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_suffix: Option<String>,
    pub description: String,
}

/// How an enum is written on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnumRepr {
    /// A JSON integer; a string holding an integer is accepted on input.
    Integer,
    /// A JSON string.
    String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumDef {
    /// Rust type name (UpperCamelCase).
    pub name: String,
    pub description: String,
    pub source: Source,
    pub repr: EnumRepr,
    /// Open enums keep unknown values in an `Unknown` variant; required for any enum
    /// that appears in a response or callback.
    pub open: bool,
    pub values: Vec<EnumValue>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// Wire value: an integer or a string, as the enum's `repr` says; a string enum may
    /// also have one `false` value, for providers that send `false` for "none" and a
    /// string otherwise.
    pub value: serde_json::Value,
    /// Variant name (UpperCamelCase).
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelDef {
    /// Rust type name (UpperCamelCase).
    pub name: String,
    pub description: String,
    pub source: Source,
    pub fields: Vec<Field>,
}

/// How a decimal is written when paysmith sends it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecimalWire {
    /// A JSON string such as `"10.5"` (exact everywhere).
    #[default]
    String,
    /// A JSON number written with its exact digits.
    Number,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Wire name, exactly as the document spells it.
    pub name: String,
    /// Type: `string`, `integer`, `decimal`, `boolean`, an enum or model name, or `list<T>`.
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub description: String,
    /// Decimal fields only: the form paysmith writes (input accepts string or number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<DecimalWire>,
    /// Rust field name, when the snake_case of `name` is not right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
    /// Set when the field is not in the document's table (seen only in an example, or inferred).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Optional fields only: read when parsing (a document example has it) but never
    /// written, so the client never sends it; `source.inferred` or an erratum says why.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub parse_only: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Method name in the generated client (snake_case).
    pub id: String,
    pub summary: String,
    pub source: Source,
    pub method: Method,
    /// Path; `{name}` segments are path parameters.
    pub path: String,
    /// Path parameters, in path order.
    #[serde(default)]
    pub path_params: Vec<PathParam>,
    /// Scheme id that signs the request; absent for public endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// Request model, sent in the API's encoding; absent when the request has no fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Response type (a model or `list<Model>`): the envelope's data, or the whole body
    /// when the API has no envelope; absent when the endpoint answers no data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Error kinds the document lists for this endpoint.
    #[serde(default)]
    pub errors: Vec<String>,
    /// Moves money: never retried automatically.
    pub money_moving: bool,
    /// Facades whose tokens may call this endpoint (APIs with `facades` only).
    #[serde(default)]
    pub facades: Vec<String>,
    /// Facades whose calls are signed with `auth`; absent means every facade's call
    /// is (`public` calls are never signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_for: Option<Vec<String>>,
    /// Where the facade's token goes (APIs with `facades` only; `public` calls carry none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenPlacement>,
    /// A signature carried inside the body, computed before the request is signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_signature: Option<BodySignature>,
}

impl Endpoint {
    /// The model the response is made of (through `list<..>`).
    pub fn response_model(&self) -> Option<String> {
        let response = self.response.as_deref()?;
        crate::types::TypeRef::parse(response)
            .ok()
            .and_then(|ty| ty.named().map(str::to_owned))
    }
}

/// Where a capability token travels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TokenPlacement {
    /// A field of the JSON body.
    Body { field: String },
    /// A query parameter.
    Query { param: String },
    /// Not the facade's token but one returned inside an earlier object: the method
    /// takes that object, reads the token from `field` (a query parameter `param`) and
    /// its path parameters from the object's fields.
    Resource {
        model: String,
        field: String,
        param: String,
        /// Path parameter → the model field that supplies it.
        #[serde(default)]
        path_params: BTreeMap<String, String>,
        /// Where `param` goes: the query (the default) or the JSON body.
        #[serde(default, skip_serializing_if = "TokenLocation::is_query")]
        location: TokenLocation,
    },
    /// The call carries no token (the facade is proven by the signature alone).
    None,
}

/// Where a resource token travels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenLocation {
    /// A query parameter.
    #[default]
    Query,
    /// A field of the JSON body (POST, PUT and PATCH only).
    Body,
}

impl TokenLocation {
    pub fn is_query(&self) -> bool {
        *self == TokenLocation::Query
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathParam {
    /// Name as written in the path braces; the Rust argument is its snake_case.
    pub name: String,
    pub description: String,
}

/// A request field holding a signature over a JSON object of other fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BodySignature {
    /// Scheme id (an `rsa-pkcs1v15-private-encrypt` family).
    pub scheme: String,
    /// Request field that receives the signature.
    pub field: String,
    /// Request fields, in this order, forming the signed JSON object.
    pub covers: Vec<String>,
    pub source: Source,
}

/// An inbound notification the provider sends to the merchant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Callback {
    /// snake_case id; the payload type gets verify-then-parse functions.
    pub id: String,
    pub summary: String,
    pub source: Source,
    pub method: Method,
    /// Payload model.
    pub payload: String,
    /// How the payload is signed; absent when the provider does not sign it, in which
    /// case `unsigned` says so and `confirm` names how to check it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<CallbackSignature>,
    /// Why a payload without a signature cannot be verified (the document's words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsigned: Option<Unsigned>,
    /// How to confirm a payload by fetching the resource through the signed API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    /// The exact body the merchant must answer with to stop retries, when documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<String>,
    /// The provider's retry schedule, when documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetrySchedule>,
    /// The event kinds this notification carries, when it has several: the payload
    /// field holding the kind and its enum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<CallbackEvents>,
}

/// A notification the provider does not sign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unsigned {
    /// What the document says (or does not say) about authenticating it.
    pub why: String,
    pub source: Source,
}

/// Confirms an unsigned notification by reading the resource it talks about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// Endpoint that reads the resource.
    pub endpoint: String,
    /// How the resource is found.
    pub by: ConfirmBy,
    /// JSON pointer of the resource inside the payload, whose fields are compared
    /// with the fetched resource (e.g. `/event/data`; `""` is the whole payload).
    pub payload_resource: String,
    /// Fields that differ between a notification and a later read by nature, not by
    /// tampering (the time of the read, a transaction's confirmations): JSON pointers
    /// into the resource, `*` standing for every element; left out of the comparison.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volatile: Vec<String>,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ConfirmBy {
    /// The endpoint's path parameters, each taken from a JSON pointer into the payload.
    PathParams(BTreeMap<String, String>),
    /// The endpoint returns pages (`page_field` of its request, from 1) of resources;
    /// the resource is the first whose value at `resource_key` equals the payload's at
    /// `payload_key` (JSON pointers; an array matches when the arrays share an element).
    SearchPages {
        page_field: String,
        payload_key: String,
        resource_key: String,
        /// Pages read at most before giving up.
        max_pages: u32,
    },
}

/// The event kinds of a notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackEvents {
    /// JSON pointer of the kind inside the payload.
    pub pointer: String,
    /// Enum of the kinds.
    #[serde(rename = "type")]
    pub ty: String,
}

/// A client-side integration: a payment link or an HTML widget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// Rust type name of the builder (UpperCamelCase).
    pub name: String,
    pub description: String,
    pub source: Source,
    pub kind: IntegrationKind,
    /// The documented attributes, in the document's order.
    pub attributes: Vec<IntegrationAttribute>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum IntegrationKind {
    /// A URL: `path` (with `{attribute}` segments) on a base URL per environment, the
    /// other attributes url-encoded in the query.
    Link {
        path: String,
        /// Base URL per server name.
        base_urls: BTreeMap<String, String>,
    },
    /// An HTML snippet: a trigger element with `data-*` attributes inside a wrapper,
    /// then a script tag.
    Widget {
        wrapper: String,
        element: String,
        element_id: String,
        label: String,
        /// Script URL per server name.
        script_urls: BTreeMap<String, String>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationAttribute {
    /// Name as the document's table spells it (`merchant-id`); the Rust field is its
    /// snake_case.
    pub name: String,
    /// Name on the wire: the query parameter of a link, the `data-` attribute of a
    /// widget (without `data-`), when it differs from `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<String>,
    /// `string`, `integer` (non-negative) or an enum name.
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Set when the attribute's wire name or rule is not stated by the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackSignature {
    /// Scheme id whose family computes the signature.
    pub scheme: String,
    /// Payload field that carries the signature.
    pub field: String,
    /// Credential the signature is keyed with.
    pub secret: String,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySchedule {
    /// Delays after the first failed delivery, in seconds, in order.
    pub offsets_seconds: Vec<u64>,
    /// No delivery is attempted after this many seconds.
    pub window_seconds: u64,
    pub source: Source,
}

/// A JSON example printed in the document, verbatim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub id: String,
    pub source: Source,
    /// Model the example must parse into.
    pub model: String,
    /// Whether the model sits in the response envelope's data (or, for APIs with a
    /// `data_envelope`, in its data field).
    #[serde(default)]
    pub enveloped: bool,
    /// The example exactly as printed.
    pub json: String,
    /// Erratum explaining why the printed example does not parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erratum: Option<String>,
    /// The corrected example, required with `erratum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected: Option<String>,
}
