//! `paysmith bitpay …`: the client key and its SIN, and pairing with BitPay.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use paysmith_bitpay_client::models::{
    ApiToken, ClaimPairingCodeRequest, PairingApprovalLink, RequestTokenRequest, TokenFacade,
};
use paysmith_bitpay_client::{Environment, MerchantClient, PublicClient, Secret};
use paysmith_runtime::key_file::{KeySource, save_key_file};
use paysmith_runtime::token_store::{PairingState, StoredToken, TokenStore};
use paysmith_sign::bitpay_ecdsa::{
    BitpayKey, SignerPublicKey as _, sin_from_public_key, validate_sin,
};

use crate::Failure;

#[derive(Subcommand)]
pub enum Command {
    /// Pair the key with BitPay: ask for a facade's token (prints the pairing code and
    /// the URL where the merchant approves it within 24 hours) or claim a pairing code
    /// made in the dashboard; the token goes into the token store.
    Pair(PairArgs),
    /// The tokens of a store and where each pairing stands; `--refresh` asks BitPay
    /// (a signed `GET /tokens`) which are approved and records them.
    Tokens {
        #[arg(long, value_name = "FILE")]
        store: PathBuf,
        #[arg(long)]
        refresh: bool,
    },
    /// Create a new client key (secp256k1), saved as SEC1 PEM readable by you only;
    /// prints its public key and SIN, never the key.
    Keygen {
        /// Where to save the key; an existing file is never replaced.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print the SIN (client id) of a key, or check that a SIN is well formed.
    Sin {
        #[command(flatten)]
        key: KeyArgs,
        /// A compressed or uncompressed public key in hex, instead of a private key.
        #[arg(long, value_name = "HEX", conflicts_with_all = ["key", "key_env"])]
        public_key: Option<String>,
        /// Check this SIN instead (exit status 1 when it is not valid).
        #[arg(long, value_name = "SIN", conflicts_with_all = ["key", "key_env", "public_key"])]
        validate: Option<String>,
    },
}

/// Pairing, as the `pair` command takes it.
#[derive(Args)]
pub struct PairArgs {
    /// The token store (created on first use, owner-only); one token per facade.
    #[arg(long, value_name = "FILE")]
    pub store: PathBuf,
    /// The server: `test`, `production` or a base URL (a local sandbox). Needed when the
    /// store is created; afterwards the store's server is used.
    #[arg(long, value_name = "SERVER")]
    pub server: Option<String>,
    #[command(flatten)]
    pub key: KeyArgs,
    /// The facade asked for (client-initiated pairing): pos, merchant or payout.
    #[arg(long, default_value = "merchant", conflicts_with = "pairing_code")]
    pub facade: String,
    /// Claim this pairing code made in the dashboard instead (server-initiated pairing).
    #[arg(long, value_name = "CODE")]
    pub pairing_code: Option<String>,
    /// The token's label (letters, digits, spaces, `_` and `-`); `paysmith` when asking
    /// for a token; a claimed code keeps the dashboard's label unless this is given.
    #[arg(long)]
    pub label: Option<String>,
}

/// The label of a requested token when `--label` is not given.
const DEFAULT_LABEL: &str = "paysmith";

/// Where the client key is read from.
#[derive(Args)]
pub struct KeyArgs {
    /// A key file (SEC1 PEM or 64 hex digits).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// An environment variable holding the key (SEC1 PEM or 64 hex digits).
    #[arg(long, value_name = "VAR", conflicts_with = "key")]
    pub key_env: Option<String>,
}

impl KeyArgs {
    pub fn source(&self) -> Option<KeySource> {
        match (&self.key, &self.key_env) {
            (Some(path), _) => Some(KeySource::File(path.clone())),
            (None, Some(variable)) => Some(KeySource::Env(variable.clone())),
            (None, None) => None,
        }
    }

    pub fn load(&self) -> Result<BitpayKey, Failure> {
        let source = self.source().ok_or_else(|| {
            crate::bad_input("give the client key with --key FILE or --key-env VAR")
        })?;
        source.load().map_err(|e| crate::bad_input(e.to_string()))
    }
}

pub fn run(command: Command) -> Result<u8, Failure> {
    match command {
        Command::Pair(args) => pair(args),
        Command::Tokens { store, refresh } => tokens(&store, refresh),
        Command::Keygen { out } => {
            let key = BitpayKey::generate();
            save_key_file(&out, &key).map_err(|e| crate::bad_input(e.to_string()))?;
            print_identity(key.public_key_hex(), key.sin());
            eprintln!("saved the private key to {} (mode 600)", out.display());
            Ok(0)
        }
        Command::Sin {
            validate: Some(sin),
            ..
        } => match validate_sin(&sin) {
            Ok(()) => {
                println!("{sin} is a valid SIN");
                Ok(0)
            }
            Err(problem) => {
                println!("{sin} is not a valid SIN: {problem}");
                Ok(1)
            }
        },
        Command::Sin {
            public_key: Some(hex),
            ..
        } => {
            let public = hex
                .signer_public_key()
                .map_err(|e| crate::bad_input(format!("--public-key: {e}")))?;
            print_identity(
                &hex::encode(public.serialize()),
                &sin_from_public_key(&public),
            );
            Ok(0)
        }
        Command::Sin { key, .. } => {
            let key = key.load()?;
            print_identity(key.public_key_hex(), key.sin());
            Ok(0)
        }
    }
}

fn print_identity(public_key: &str, sin: &str) {
    let out = serde_json::json!({ "public_key": public_key, "sin": sin });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("JSON object")
    );
}

fn environment(server: &str) -> Environment {
    match server {
        "test" => Environment::Test,
        "production" => Environment::Production,
        url => Environment::Custom(url.trim_end_matches('/').to_owned()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::bad_input(format!("cannot start the async runtime: {e}")))
}

/// The call failed at BitPay or on the way: status 1, the error as BitPay gave it.
fn call_failed(error: paysmith_bitpay_client::Error) -> Failure {
    Failure {
        status: 1,
        message: error.to_string(),
    }
}

/// The store a pairing goes into: one already on disk, or one to create for
/// `--server` and the key given once the server has answered, so a failed call leaves
/// nothing behind (a second attempt may name another server).
enum Target {
    Existing(TokenStore),
    New { base_url: String, key: KeySource },
}

impl Target {
    fn base_url(&self) -> &str {
        match self {
            Target::Existing(store) => store.base_url(),
            Target::New { base_url, .. } => base_url,
        }
    }

    fn load_key(&self) -> Result<BitpayKey, Failure> {
        match self {
            Target::Existing(store) => store.load_key().map_err(|e| e.to_string()),
            Target::New { key, .. } => key.load().map_err(|e| e.to_string()),
        }
        .map_err(crate::bad_input)
    }

    fn into_store(self, path: &Path) -> Result<TokenStore, Failure> {
        match self {
            Target::Existing(store) => Ok(store),
            Target::New { base_url, key } => TokenStore::create(path, &base_url, key)
                .map_err(|e| crate::bad_input(e.to_string())),
        }
    }
}

/// Opens the store, or prepares a new one for `--server` and the key given.
fn open_or_prepare(args: &PairArgs) -> Result<Target, Failure> {
    if args.store.exists() {
        let store = TokenStore::open(&args.store).map_err(|e| crate::bad_input(e.to_string()))?;
        if let Some(server) = &args.server {
            store
                .check_server(environment(server).base_url())
                .map_err(|e| crate::bad_input(e.to_string()))?;
        }
        if let Some(source) = args.key.source()
            && !same_key(&source, &store.key_source())
        {
            return Err(crate::bad_input(format!(
                "{} names another key: leave --key and --key-env out to use it",
                args.store.display()
            )));
        }
        return Ok(Target::Existing(store));
    }
    let server = args
        .server
        .as_deref()
        .ok_or_else(|| crate::bad_input("a new token store needs --server test|production|URL"))?;
    let source = args.key.source().ok_or_else(|| {
        crate::bad_input("a new token store needs the key: --key FILE or --key-env VAR")
    })?;
    // The store may be read from another directory later.
    let key = match source {
        KeySource::File(path) => KeySource::File(std::path::absolute(&path).unwrap_or(path)),
        other => other,
    };
    Ok(Target::New {
        base_url: environment(server)
            .base_url()
            .trim_end_matches('/')
            .to_owned(),
        key,
    })
}

/// Whether two key sources name the same key (files compared as absolute paths).
fn same_key(given: &KeySource, stored: &KeySource) -> bool {
    match (given, stored) {
        (KeySource::File(given), KeySource::File(stored)) => {
            std::path::absolute(given).ok() == std::path::absolute(stored).ok()
        }
        (given, stored) => given == stored,
    }
}

fn pair(args: PairArgs) -> Result<u8, Failure> {
    let facade = TokenFacade::from_wire(&args.facade);
    if matches!(facade, TokenFacade::Unknown(_)) {
        return Err(crate::bad_input(format!(
            "--facade: `{}` is not pos, merchant or payout",
            args.facade
        )));
    }
    let target = open_or_prepare(&args)?;
    let key = target.load_key()?;
    let base_url = target.base_url().to_owned();
    let client = PublicClient::new(Environment::Custom(base_url.clone()));
    let answer = match &args.pairing_code {
        // Without --label the token keeps the label the code was made with.
        Some(code) => runtime()?.block_on(client.claim_pairing_code(&ClaimPairingCodeRequest {
            id: key.sin().to_owned(),
            pairing_code: code.clone(),
            label: args.label.clone(),
        })),
        None => runtime()?.block_on(
            client.request_token(&RequestTokenRequest {
                id: key.sin().to_owned(),
                facade,
                label: Some(
                    args.label
                        .clone()
                        .unwrap_or_else(|| DEFAULT_LABEL.to_owned()),
                ),
            }),
        ),
    }
    .map_err(call_failed)?;
    let token: ApiToken = answer.into_iter().next().ok_or_else(|| Failure {
        status: 1,
        message: "BitPay answered without a token".into(),
    })?;
    let expires = token
        .pairing_expiration
        .and_then(|ms| rust_decimal::prelude::ToPrimitive::to_u64(&ms));
    let facade = token.facade.as_str().to_owned();
    let stored = StoredToken {
        token: Secret::new(token.token),
        label: token.label,
        // A claimed code is approved already; a requested token waits for the merchant.
        pairing_code: args
            .pairing_code
            .is_none()
            .then_some(token.pairing_code)
            .flatten(),
        pairing_expires_at_ms: args.pairing_code.is_none().then_some(expires).flatten(),
        sin: Some(key.sin().to_owned()),
    };
    let mut out = serde_json::json!({
        "facade": facade,
        "sin": key.sin(),
        "store": args.store.display().to_string(),
    });
    if let Some(code) = &stored.pairing_code {
        let url = PairingApprovalLink::new(code.clone())
            .url(&base_url)
            .map_err(|e| crate::bad_input(e.to_string()))?;
        out["pairing_code"] = code.clone().into();
        out["approval_url"] = url.into();
        if let Some(ms) = stored.pairing_expires_at_ms {
            out["pairing_expires_at_ms"] = ms.into();
        }
    }
    target
        .into_store(&args.store)?
        .save_token(&facade, stored)
        .map_err(|e| crate::bad_input(e.to_string()))?;
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("JSON object")
    );
    if out.get("approval_url").is_some() {
        eprintln!(
            "open the approval URL while logged in to the merchant account, then run \
             `paysmith bitpay tokens --store {} --refresh`",
            args.store.display()
        );
    }
    Ok(0)
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// BitPay's answer to `GET /tokens` signed by a key without an approved merchant token.
fn is_unauthorized_sin(error: &paysmith_bitpay_client::Error) -> bool {
    matches!(
        &error.kind,
        paysmith_bitpay_client::ErrorKind::Provider { status: 401, message, .. }
            if message.eq_ignore_ascii_case("Unauthorized sin")
    )
}

fn tokens(path: &Path, refresh: bool) -> Result<u8, Failure> {
    let mut store = TokenStore::open(path).map_err(|e| crate::bad_input(e.to_string()))?;
    if refresh {
        let key = store
            .load_key()
            .map_err(|e| crate::bad_input(e.to_string()))?;
        // `GET /tokens` carries no token: the signature alone says who asks.
        let client = MerchantClient::new(
            Environment::Custom(store.base_url().to_owned()),
            key,
            Secret::new(String::new()),
        );
        let approved = match runtime()?.block_on(client.list_tokens()) {
            Ok(approved) => approved,
            Err(error) if is_unauthorized_sin(&error) => {
                eprintln!(
                    "BitPay lists a key's tokens only once it holds an approved merchant \
                     token, and this key holds none yet: the pairings are shown as last recorded"
                );
                Vec::new()
            }
            Err(error) => return Err(call_failed(error)),
        };
        let facades: Vec<String> = store.facades().map(str::to_owned).collect();
        for facade in facades {
            let stored = store.token(&facade).expect("listed facade");
            let granted = approved.iter().any(|entry| {
                let token = match facade.as_str() {
                    "pos" => &entry.pos,
                    "merchant" => &entry.merchant,
                    "payout" => &entry.payout,
                    _ => return false,
                };
                token.as_deref() == Some(stored.token.expose())
            });
            if granted && stored.pairing_code.is_some() {
                store
                    .save_token(&facade, stored.approved())
                    .map_err(|e| crate::bad_input(e.to_string()))?;
            }
        }
    }
    let now = now_millis();
    let rows: Vec<serde_json::Value> = store
        .facades()
        .map(|facade| {
            let stored = store.token(facade).expect("listed facade");
            let state = match stored.pairing_state(now) {
                PairingState::Ready => serde_json::json!({"state": "ready"}),
                PairingState::AwaitingApproval { expires_at_ms } => serde_json::json!({
                    "state": "awaiting_approval",
                    "pairing_code": stored.pairing_code,
                    "pairing_expires_at_ms": expires_at_ms,
                }),
                PairingState::Expired { expired_at_ms } => serde_json::json!({
                    "state": "expired",
                    "pairing_expired_at_ms": expired_at_ms,
                }),
            };
            let mut row = serde_json::json!({
                "facade": facade,
                "label": stored.label,
                "sin": stored.sin,
            });
            row.as_object_mut()
                .expect("object")
                .extend(state.as_object().expect("object").clone());
            row
        })
        .collect();
    let out = serde_json::json!({
        "store": store.path().display().to_string(),
        "server": store.base_url(),
        "tokens": rows,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("JSON object")
    );
    Ok(0)
}
