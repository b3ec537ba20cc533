//! Bitpro API v1: the merchant's clients with TestNet deposit addresses and balances,
//! purchases at the current rate, withdrawals under the documented rules, and each
//! client's transaction history.

mod clients;
mod control;

use std::any::Any;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use paysmith_sign::Secret;
use rust_decimal::Decimal;

pub use paysmith_bitpro_models as models;

use self::models::{ClientAccount, Ping, Rate, Transaction};
use super::{ApiRequest, DocumentedErrors, Handled, Provider, ProviderCtx, ProviderInfo};
use crate::api_spec::ApiSpec;
use crate::clock::unix_millis;
use crate::config::SandboxConfig;
use crate::error::{ControlError, SandboxError};
use crate::verify::CredentialSource;

pub const INFO: ProviderInfo = ProviderInfo {
    name: "bitpro",
    api: "bitpro",
    base_path: "/bitpro",
    build,
};

/// The merchant account and the sandbox's market.
#[derive(Clone, Debug)]
pub struct BitproConfig {
    pub api_key: String,
    pub secret_key: Secret,
    /// Price of 1 BTC in USD (the document's example: 1225.10).
    pub buy_price: Decimal,
    /// Asset name `rates` reports (`XBT`).
    pub asset: String,
    /// How long a quoted price is valid (`time_expires` = now + this).
    pub rate_ttl: Duration,
    /// Confirmations after which a deposit counts in `balance` rather than in
    /// `unconfirmed_balance`.
    pub confirmations_required: i64,
}

impl Default for BitproConfig {
    /// The conformance suite's credentials (the document's Authentication example).
    fn default() -> Self {
        BitproConfig {
            api_key: "M3175465".into(),
            secret_key: Secret::new(
                "TkLPjz2dzzyoMZdkJqM1qLusyTizYPl0IeX7vHi+17+mlYEjyfnLIgqopAQ8Bnk2QnwcSYa4VuXY384EnGi3tA==",
            ),
            buy_price: Decimal::new(122_510, 2),
            asset: "XBT".into(),
            rate_ttl: Duration::from_secs(60),
            confirmations_required: 6,
        }
    }
}

impl CredentialSource for BitproConfig {
    fn credential(&self, name: &str) -> Option<String> {
        match name {
            "api_key" => Some(self.api_key.clone()),
            "secret_key" => Some(self.secret_key.expose().to_owned()),
            _ => None,
        }
    }
}

/// The running Bitpro v1 sandbox: its handlers and its test controls. Clones share
/// state.
#[derive(Clone)]
pub struct Bitpro(Arc<Inner>);

struct Inner {
    ctx: ProviderCtx,
    config: BitproConfig,
    state: Mutex<State>,
}

struct State {
    buy_price: Decimal,
    clients: clients::Clients,
}

fn build(
    api: &ApiSpec,
    ctx: ProviderCtx,
    config: &SandboxConfig,
) -> Result<Arc<dyn Provider>, SandboxError> {
    let account = config.bitpro.clone();
    let errors = DocumentedErrors::from_spec(api, clients::ERROR_KINDS)?;
    Ok(Arc::new(Bitpro(Arc::new(Inner {
        ctx,
        state: Mutex::new(State {
            buy_price: account.buy_price,
            clients: clients::Clients::new(account.confirmations_required, errors),
        }),
        config: account,
    }))))
}

impl Bitpro {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Base URL of the API: use it as the client's `Environment::Custom`.
    pub fn url(&self) -> &str {
        &self.0.ctx.url
    }

    /// Sets the price of 1 BTC in USD that `rates` and `buy` use.
    pub fn set_buy_price(&self, price: Decimal) -> Result<(), ControlError> {
        if price <= Decimal::ZERO {
            return Err(ControlError::Invalid("the price must be positive".into()));
        }
        self.state().buy_price = price;
        Ok(())
    }

    /// Creates a client, as `create_client` does.
    pub fn create_client(&self) -> ClientAccount {
        self.state().clients.create()
    }

    pub fn client(&self, uid: &str) -> Option<ClientAccount> {
        self.state().clients.account(uid)
    }

    /// A client's transactions, newest first.
    pub fn transactions(&self, uid: &str) -> Option<Vec<Transaction>> {
        self.state().clients.transactions(uid)
    }

    /// A deposit to the client's address with `confirmations` confirmations: confirmed
    /// (in `balance`) from the configured count, else in `unconfirmed_balance`.
    pub fn credit_deposit(
        &self,
        uid: &str,
        amount: Decimal,
        confirmations: i64,
    ) -> Result<Transaction, ControlError> {
        let now = self.0.ctx.shared.clock.now();
        self.state()
            .clients
            .deposit(uid, amount, confirmations, now)
    }

    /// Updates the confirmations of a deposit; it moves to `balance` once confirmed.
    pub fn set_confirmations(
        &self,
        uid: &str,
        tid: &str,
        confirmations: i64,
    ) -> Result<Transaction, ControlError> {
        self.state().clients.confirm(uid, tid, confirmations)
    }

    fn rates(&self) -> Handled {
        let expires = self.0.ctx.shared.clock.now() + self.0.config.rate_ttl;
        let millis = i64::try_from(unix_millis(expires)).unwrap_or(i64::MAX);
        super::data(&Rate {
            time_expires: Decimal::new(millis, 3),
            buy_price: self.state().buy_price,
            asset: self.0.config.asset.clone(),
        })
    }
}

impl Provider for Bitpro {
    fn credentials(&self) -> &dyn CredentialSource {
        &self.0.config
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &[
            "ping",
            "rates",
            "create_client",
            "get_client",
            "buy",
            "withdrawal",
            "list_transactions",
            "get_transaction",
        ]
    }

    fn handle(&self, request: ApiRequest<'_>) -> Handled {
        let now = self.0.ctx.shared.clock.now();
        match request.endpoint {
            "ping" => super::data(&Ping {
                status: "ok".into(),
                environment: "sandbox".into(),
            }),
            "rates" => self.rates(),
            "create_client" => super::data(&self.create_client()),
            "get_client" => super::data(&self.state().clients.get(request.path_param("uid")?)?),
            "buy" => {
                let uid = request.path_param("uid")?;
                let mut state = self.state();
                let price = state.buy_price;
                super::data(&state.clients.buy(uid, &request.body, price, now)?)
            }
            "withdrawal" => {
                let uid = request.path_param("uid")?;
                super::data(&self.state().clients.withdraw(uid, &request.body, now)?)
            }
            "list_transactions" => {
                let uid = request.path_param("uid")?;
                super::data(&self.state().clients.page(uid, &request.body)?)
            }
            "get_transaction" => {
                let uid = request.path_param("uid")?;
                let tid = request.path_param("tid")?;
                super::data(&self.state().clients.transaction(uid, tid)?)
            }
            other => Err(super::unhandled(other)),
        }
    }

    fn controls(&self) -> Router {
        control::router(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
