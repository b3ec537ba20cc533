//! Clients, their balances and transactions, and the documented rules of `buy` and
//! `withdrawal`. Error messages are the spec's `error_body` kinds, exactly.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::SystemTime;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use super::models::{
    ClientAccount, Trade, Transaction, TransactionType, Withdrawal, WithdrawalState,
};
use crate::bitcoin::{is_testnet_address, new_testnet_address, new_txid};
use crate::clock::iso8601_seconds;
use crate::error::ControlError;
use crate::providers::DocumentedErrors;
use crate::respond::{ProviderError, Rejection};

/// The document's example uid and tid; the sandbox numbers from them.
const FIRST_UID: u64 = 798_980;
const FIRST_TID: u64 = 22_000_700;
/// Transactions per page (section "Get transactions").
const PAGE_SIZE: usize = 25;
/// Bitcoin has 8 decimals.
const BTC_DECIMALS: u32 = 8;

/// The documented error kinds (spec `error_body.kinds`) the rules refuse with.
pub(crate) const ERROR_KINDS: &[&str] = &[
    NOT_FOUND,
    TRADED_FIAT_NOT_POSITIVE,
    ADDRESS_BLANK,
    ADDRESS_INVALID,
    AMOUNT_TOO_SMALL,
    BALANCE_TOO_LOW,
];
const NOT_FOUND: &str = "NotFound";
const TRADED_FIAT_NOT_POSITIVE: &str = "TradedFiatNotPositive";
const ADDRESS_BLANK: &str = "AddressBlank";
const ADDRESS_INVALID: &str = "AddressInvalid";
const AMOUNT_TOO_SMALL: &str = "AmountTooSmall";
const BALANCE_TOO_LOW: &str = "BalanceTooLow";

/// The minimum withdrawal (section "Withdrawal"): 0.05 BTC.
const MIN_WITHDRAWAL: Decimal = Decimal::from_parts(5, 0, 0, false, 2);

struct Client {
    uid: String,
    address: String,
    balance: Decimal,
    unconfirmed: Decimal,
    /// Oldest first.
    transactions: Vec<Transaction>,
}

impl Client {
    fn account(&self) -> ClientAccount {
        ClientAccount {
            uid: self.uid.clone(),
            bitcoin_address: self.address.clone(),
            balance: btc(self.balance),
            unconfirmed_balance: btc(self.unconfirmed),
        }
    }
}

/// Amounts written like the documents (`"0.0"`, `"1.22779733"`): no trailing zeros,
/// at least one decimal.
fn btc(amount: Decimal) -> Decimal {
    let mut amount = amount.normalize();
    if amount.scale() == 0 {
        amount.rescale(1);
    }
    amount
}

/// A documented refusal: "Not found" is a 404, the rules' refusals are 422.
fn refuse(errors: &DocumentedErrors, kind: &str) -> ProviderError {
    let rejection = if kind == NOT_FOUND {
        Rejection::NotFound
    } else {
        Rejection::Unprocessable
    };
    errors.error(rejection, kind)
}

pub(crate) struct Clients {
    by_uid: BTreeMap<String, Client>,
    tids: u64,
    confirmations_required: i64,
    errors: DocumentedErrors,
}

impl Clients {
    pub fn new(confirmations_required: i64, errors: DocumentedErrors) -> Self {
        Clients {
            by_uid: BTreeMap::new(),
            tids: 0,
            confirmations_required,
            errors,
        }
    }

    fn next_tid(&mut self) -> String {
        let tid = FIRST_TID + self.tids;
        self.tids += 1;
        tid.to_string()
    }

    pub fn create(&mut self) -> ClientAccount {
        let uid = format!("BT-C{}", FIRST_UID + self.by_uid.len() as u64);
        let client = Client {
            uid: uid.clone(),
            address: new_testnet_address(),
            balance: Decimal::ZERO,
            unconfirmed: Decimal::ZERO,
            transactions: Vec::new(),
        };
        let account = client.account();
        self.by_uid.insert(uid, client);
        account
    }

    fn client_mut(&mut self, uid: &str) -> Result<&mut Client, ProviderError> {
        self.by_uid
            .get_mut(uid)
            .ok_or_else(|| refuse(&self.errors, NOT_FOUND))
    }

    pub fn get(&self, uid: &str) -> Result<ClientAccount, ProviderError> {
        self.by_uid
            .get(uid)
            .map(Client::account)
            .ok_or_else(|| refuse(&self.errors, NOT_FOUND))
    }

    pub fn account(&self, uid: &str) -> Option<ClientAccount> {
        self.by_uid.get(uid).map(Client::account)
    }

    pub fn transactions(&self, uid: &str) -> Option<Vec<Transaction>> {
        self.by_uid
            .get(uid)
            .map(|c| c.transactions.iter().rev().cloned().collect())
    }

    /// Buys `traded_fiat` USD of bitcoin at `price`, rounded down to 8 decimals.
    pub fn buy(
        &mut self,
        uid: &str,
        body: &Value,
        price: Decimal,
        now: SystemTime,
    ) -> Result<Trade, ProviderError> {
        // "Not found" comes first: the uid is checked before the parameters.
        self.client_mut(uid)?;
        let fiat = decimal_field(body, "traded_fiat")
            .filter(|fiat| *fiat > Decimal::ZERO)
            .ok_or_else(|| refuse(&self.errors, TRADED_FIAT_NOT_POSITIVE))?;
        let amount =
            btc((fiat / price).round_dp_with_strategy(BTC_DECIMALS, RoundingStrategy::ToZero));
        let tid = self.next_tid();
        let created_at = iso8601_seconds(now);
        let client = self.client_mut(uid)?;
        client.balance += amount;
        client.transactions.push(Transaction {
            tid: tid.clone(),
            kind: TransactionType::BitcoinBuy,
            amount,
            created_at: created_at.clone(),
            tx_id: None,
            tx_confirmations: None,
            address: None,
            state: None,
        });
        Ok(Trade {
            tid,
            amount,
            created_at,
        })
    }

    /// Withdraws to an external TestNet address. Checks, in order: the client, the
    /// address (blank, then valid), the amount (at least 0.05 BTC, then at most the
    /// confirmed balance).
    pub fn withdraw(
        &mut self,
        uid: &str,
        body: &Value,
        now: SystemTime,
    ) -> Result<Withdrawal, ProviderError> {
        let balance = self.client_mut(uid)?.balance;
        let address = body
            .get("address")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| refuse(&self.errors, ADDRESS_BLANK))?
            .to_owned();
        if !is_testnet_address(&address) {
            return Err(refuse(&self.errors, ADDRESS_INVALID));
        }
        // A missing or unreadable amount is no amount at all: below the minimum.
        let amount = decimal_field(body, "amount").unwrap_or(Decimal::ZERO);
        if amount < MIN_WITHDRAWAL {
            return Err(refuse(&self.errors, AMOUNT_TOO_SMALL));
        }
        if amount > balance {
            return Err(refuse(&self.errors, BALANCE_TOO_LOW));
        }
        let amount = btc(amount);
        let tid = self.next_tid();
        let withdrawal = Withdrawal {
            tid: tid.clone(),
            amount,
            created_at: iso8601_seconds(now),
            tx_id: new_txid(),
            address,
            state: WithdrawalState::Processed,
        };
        let client = self.client_mut(uid)?;
        client.balance -= amount;
        // Every example shows withdrawals with a positive amount.
        client.transactions.push(Transaction {
            tid,
            kind: TransactionType::BitcoinWithdrawal,
            amount,
            created_at: withdrawal.created_at.clone(),
            tx_id: Some(withdrawal.tx_id.clone()),
            tx_confirmations: None,
            address: Some(withdrawal.address.clone()),
            state: Some(withdrawal.state.clone()),
        });
        Ok(withdrawal)
    }

    /// Page `page` (from 1; anything else reads as 1) of 25, newest first.
    pub fn page(&self, uid: &str, body: &Value) -> Result<Vec<Transaction>, ProviderError> {
        let client = self
            .by_uid
            .get(uid)
            .ok_or_else(|| refuse(&self.errors, NOT_FOUND))?;
        let page = body
            .get("page")
            .and_then(Value::as_i64)
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let skip = usize::try_from(page - 1)
            .ok()
            .and_then(|p| p.checked_mul(PAGE_SIZE))
            .unwrap_or(usize::MAX);
        Ok(client
            .transactions
            .iter()
            .rev()
            .skip(skip)
            .take(PAGE_SIZE)
            .cloned()
            .collect())
    }

    pub fn transaction(&self, uid: &str, tid: &str) -> Result<Transaction, ProviderError> {
        self.by_uid
            .get(uid)
            .and_then(|c| c.transactions.iter().find(|t| t.tid == tid))
            .cloned()
            .ok_or_else(|| refuse(&self.errors, NOT_FOUND))
    }

    pub fn deposit(
        &mut self,
        uid: &str,
        amount: Decimal,
        confirmations: i64,
        now: SystemTime,
    ) -> Result<Transaction, ControlError> {
        if amount <= Decimal::ZERO {
            return Err(ControlError::Invalid("a deposit must be positive".into()));
        }
        if confirmations < 0 {
            return Err(ControlError::Invalid(
                "confirmations cannot be negative".into(),
            ));
        }
        if !self.by_uid.contains_key(uid) {
            return Err(ControlError::NotFound(format!("no client `{uid}`")));
        }
        let tid = self.next_tid();
        let required = self.confirmations_required;
        let Some(client) = self.by_uid.get_mut(uid) else {
            return Err(ControlError::NotFound(format!("no client `{uid}`")));
        };
        let amount = btc(amount);
        if confirmations >= required {
            client.balance += amount;
        } else {
            client.unconfirmed += amount;
        }
        let transaction = Transaction {
            tid,
            kind: TransactionType::BitcoinDeposit,
            amount,
            created_at: iso8601_seconds(now),
            tx_id: Some(new_txid()),
            tx_confirmations: Some(confirmations),
            address: None,
            state: None,
        };
        client.transactions.push(transaction.clone());
        Ok(transaction)
    }

    pub fn confirm(
        &mut self,
        uid: &str,
        tid: &str,
        confirmations: i64,
    ) -> Result<Transaction, ControlError> {
        let required = self.confirmations_required;
        let client = self
            .by_uid
            .get_mut(uid)
            .ok_or_else(|| ControlError::NotFound(format!("no client `{uid}`")))?;
        let transaction = client
            .transactions
            .iter_mut()
            .find(|t| t.tid == tid && t.kind == TransactionType::BitcoinDeposit)
            .ok_or_else(|| ControlError::NotFound(format!("no deposit `{tid}` for `{uid}`")))?;
        let before = transaction.tx_confirmations.unwrap_or(0);
        if confirmations < before {
            return Err(ControlError::Conflict(format!(
                "deposit `{tid}` already has {before} confirmations"
            )));
        }
        transaction.tx_confirmations = Some(confirmations);
        let amount = transaction.amount;
        let updated = transaction.clone();
        if before < required && confirmations >= required {
            client.unconfirmed -= amount;
            client.balance += amount;
        }
        Ok(updated)
    }
}

/// A decimal form field (text on the wire); `None` when absent or not a number.
fn decimal_field(body: &Value, field: &str) -> Option<Decimal> {
    match body.get(field)? {
        Value::String(text) => Decimal::from_str(text.trim()).ok(),
        Value::Number(number) => Decimal::from_str(&number.to_string()).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_like_the_documents() {
        assert_eq!(btc(Decimal::ZERO).to_string(), "0.0");
        assert_eq!(btc(Decimal::new(122_779_733, 8)).to_string(), "1.22779733");
        assert_eq!(btc(Decimal::new(1_200, 4)).to_string(), "0.12");
    }

    #[test]
    fn a_buy_rounds_down_to_satoshis() {
        let mut clients = Clients::new(6, DocumentedErrors::default());
        let uid = clients.create().uid;
        let trade = clients
            .buy(
                &uid,
                &serde_json::json!({"traded_fiat": "1000"}),
                Decimal::new(122_510, 2),
                SystemTime::UNIX_EPOCH,
            )
            .unwrap();
        // 1000 / 1225.10 = 0.816259897...
        assert_eq!(trade.amount.to_string(), "0.81625989");
        assert_eq!(trade.created_at, "1970-01-01T00:00:00Z");
    }

    #[test]
    fn deposits_wait_for_confirmations() {
        let mut clients = Clients::new(6, DocumentedErrors::default());
        let uid = clients.create().uid;
        let deposit = clients
            .deposit(&uid, Decimal::ONE, 1, SystemTime::UNIX_EPOCH)
            .unwrap();
        let account = clients.account(&uid).unwrap();
        assert_eq!(
            (account.balance, account.unconfirmed_balance),
            (btc(Decimal::ZERO), btc(Decimal::ONE))
        );
        clients.confirm(&uid, &deposit.tid, 6).unwrap();
        let account = clients.account(&uid).unwrap();
        assert_eq!(
            (account.balance, account.unconfirmed_balance),
            (btc(Decimal::ONE), btc(Decimal::ZERO))
        );
        assert!(clients.confirm(&uid, &deposit.tid, 3).is_err());
    }
}
