//! `paysmith bitpay …`: the client key and its SIN, and pairing with BitPay.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use paysmith_runtime::key_file::{KeySource, save_key_file};
use paysmith_sign::bitpay_ecdsa::{
    BitpayKey, SignerPublicKey as _, sin_from_public_key, validate_sin,
};

use crate::Failure;

#[derive(Subcommand)]
pub enum Command {
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
