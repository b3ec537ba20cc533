//! What an invoice asks of each cryptocurrency: the price at the table's rates,
//! rounded up to the smallest unit, the network fee, the totals as displayed, the
//! exchange rates and the payment URIs.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::catalog;
use super::models::{MinerFee, SupportedTransactionCurrency};

/// `10^decimals`, the smallest units of a currency unit.
pub(crate) fn ten_to(decimals: u32) -> Decimal {
    Decimal::from_i128_with_scale(10i128.pow(decimals), 0)
}

/// What each cryptocurrency owes for an invoice.
pub(crate) struct Figures {
    pub subtotals: BTreeMap<String, Decimal>,
    pub totals: BTreeMap<String, Decimal>,
    pub display_subtotals: BTreeMap<String, String>,
    pub display_totals: BTreeMap<String, String>,
    pub exchange_rates: BTreeMap<String, BTreeMap<String, Decimal>>,
    pub supported: BTreeMap<String, SupportedTransactionCurrency>,
    pub miner_fees: BTreeMap<String, MinerFee>,
    pub payment_codes: BTreeMap<String, BTreeMap<String, String>>,
}

impl Figures {
    /// `price` in each of `cryptos` at the table's rates, rounded up to the smallest
    /// unit, plus the network fee (sandbox policy: 1000 satoshis on bitcoin, none
    /// elsewhere).
    pub fn of(
        price: Decimal,
        currency: &str,
        cryptos: &[String],
        base_url: &str,
        id: &str,
    ) -> Self {
        let mut figures = Figures {
            subtotals: BTreeMap::new(),
            totals: BTreeMap::new(),
            display_subtotals: BTreeMap::new(),
            display_totals: BTreeMap::new(),
            exchange_rates: BTreeMap::new(),
            supported: BTreeMap::new(),
            miner_fees: BTreeMap::new(),
            payment_codes: BTreeMap::new(),
        };
        let pay_url = format!("{base_url}/i/{id}");
        for crypto in cryptos {
            let decimals = catalog::crypto_decimals(crypto).unwrap_or(8);
            let units = ten_to(decimals);
            let rate = catalog::rate(crypto, currency).unwrap_or(Decimal::ONE);
            let subtotal = (price / rate * units).ceil();
            let fee = if crypto == "BTC" {
                Decimal::from(1000)
            } else {
                Decimal::ZERO
            };
            let total = subtotal + fee;
            let shown = |amount: Decimal| {
                (amount / units)
                    .round_dp(decimals.min(8))
                    .normalize()
                    .to_string()
            };
            figures.subtotals.insert(crypto.clone(), subtotal);
            figures.totals.insert(crypto.clone(), total);
            figures
                .display_subtotals
                .insert(crypto.clone(), shown(subtotal));
            figures.display_totals.insert(crypto.clone(), shown(total));
            let rates = catalog::rates(crypto)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.code != *crypto)
                .map(|r| (r.code, r.rate))
                .collect();
            figures.exchange_rates.insert(crypto.clone(), rates);
            figures.supported.insert(
                crypto.clone(),
                SupportedTransactionCurrency {
                    enabled: true,
                    reason: None,
                },
            );
            figures.miner_fees.insert(
                crypto.clone(),
                MinerFee {
                    satoshis_per_byte: Some(if fee.is_zero() {
                        Decimal::ZERO
                    } else {
                        Decimal::new(10, 0)
                    }),
                    total_fee: Some(fee),
                    fiat_amount: Some((fee / units * rate).round_dp(2)),
                },
            );
            let codes = match crypto.as_str() {
                "ETH" => BTreeMap::from([("EIP681".to_owned(), format!("ethereum:?r={pay_url}"))]),
                other => {
                    let scheme = if other == "BCH" {
                        "bitcoincash"
                    } else {
                        "bitcoin"
                    };
                    BTreeMap::from([
                        ("BIP72b".to_owned(), format!("{scheme}:?r={pay_url}")),
                        ("BIP73".to_owned(), pay_url.clone()),
                    ])
                }
            };
            figures.payment_codes.insert(crypto.clone(), codes);
        }
        figures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_rounded_up_to_the_smallest_unit() {
        let figures = Figures::of(
            Decimal::from(10),
            "USD",
            &["BTC".to_owned(), "ETH".to_owned()],
            "http://x",
            "id",
        );
        // 10 / 41248.11 BTC = 24 243.24… satoshis.
        assert_eq!(figures.subtotals["BTC"], Decimal::from(24_244));
        assert_eq!(figures.totals["BTC"], Decimal::from(25_244));
        assert_eq!(figures.display_totals["BTC"], "0.00025244");
        assert!(figures.subtotals["ETH"] > Decimal::from(10u64.pow(15)));
        assert_eq!(figures.payment_codes["BTC"]["BIP73"], "http://x/i/id");
    }
}
