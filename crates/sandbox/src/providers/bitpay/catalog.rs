//! The sandbox's fixed market: rates against bitcoin (the rates example of the
//! official SDKs' guide, docs/rate.md, with an ether rate added), the rates of every
//! other base currency derived from them, the currencies and the wallets.

use rust_decimal::Decimal;

use super::models::{Currency, Rate, Wallet, WalletCurrency, WalletCurrencyQr};

/// One currency of the table: code, name, units of it per bitcoin, and for
/// cryptocurrencies the decimals of their smallest unit.
struct Entry {
    code: &'static str,
    name: &'static str,
    per_btc: (i64, u32),
    crypto_decimals: Option<u32>,
}

const TABLE: &[Entry] = &[
    Entry {
        code: "BTC",
        name: "Bitcoin",
        per_btc: (1, 0),
        crypto_decimals: Some(8),
    },
    Entry {
        code: "BCH",
        name: "Bitcoin Cash",
        per_btc: (5077, 2),
        crypto_decimals: Some(8),
    },
    Entry {
        code: "ETH",
        name: "Ether",
        per_btc: (1395, 2),
        crypto_decimals: Some(18),
    },
    Entry {
        code: "USD",
        name: "US Dollar",
        per_btc: (4124811, 2),
        crypto_decimals: None,
    },
    Entry {
        code: "EUR",
        name: "Eurozone Euro",
        per_btc: (3382304, 2),
        crypto_decimals: None,
    },
    Entry {
        code: "GBP",
        name: "Pound Sterling",
        per_btc: (2901149, 2),
        crypto_decimals: None,
    },
    Entry {
        code: "JPY",
        name: "Japanese Yen",
        per_btc: (4482741, 0),
        crypto_decimals: None,
    },
    Entry {
        code: "CAD",
        name: "Canadian Dollar",
        per_btc: (4967085, 2),
        crypto_decimals: None,
    },
    Entry {
        code: "AUD",
        name: "Australian Dollar",
        per_btc: (5303199, 2),
        crypto_decimals: None,
    },
    Entry {
        code: "CNY",
        name: "Chinese Yuan",
        per_btc: (26526657, 2),
        crypto_decimals: None,
    },
];

fn entry(code: &str) -> Option<&'static Entry> {
    TABLE.iter().find(|e| e.code.eq_ignore_ascii_case(code))
}

fn per_btc(entry: &Entry) -> Decimal {
    Decimal::new(entry.per_btc.0, entry.per_btc.1)
}

/// Units of `currency` per unit of `base`: the table's for bitcoin, otherwise derived
/// through bitcoin and rounded to 8 decimals.
pub(crate) fn rate(base: &str, currency: &str) -> Option<Decimal> {
    let (base, currency) = (entry(base)?, entry(currency)?);
    entry_rate(base, currency)
}

fn entry_rate(base: &Entry, currency: &Entry) -> Option<Decimal> {
    if base.code == "BTC" {
        return Some(per_btc(currency));
    }
    per_btc(currency)
        .checked_div(per_btc(base))
        .map(|r| r.round_dp(8).normalize())
}

/// Whether `code` is a currency the sandbox prices in.
pub(crate) fn is_known(code: &str) -> bool {
    entry(code).is_some()
}

/// Whether `code` is a cryptocurrency an invoice can be paid with.
pub(crate) fn is_crypto(code: &str) -> bool {
    entry(code).is_some_and(|e| e.crypto_decimals.is_some())
}

/// Decimals of the smallest unit of cryptocurrency `code`.
pub(crate) fn crypto_decimals(code: &str) -> Option<u32> {
    entry(code)?.crypto_decimals
}

/// The cryptocurrencies, in table order.
pub(crate) fn cryptos() -> impl Iterator<Item = &'static str> {
    TABLE
        .iter()
        .filter(|e| e.crypto_decimals.is_some())
        .map(|e| e.code)
}

/// `amount` of `from` in `to`, rounded to `dp` decimals.
pub(crate) fn convert(amount: Decimal, from: &str, to: &str, dp: u32) -> Option<Decimal> {
    let (from, to) = (entry(from)?, entry(to)?);
    let in_btc = amount.checked_div(per_btc(from))?;
    Some((in_btc * per_btc(to)).round_dp(dp).normalize())
}

/// Every rate against `base`, in table order.
pub(crate) fn rates(base: &str) -> Option<Vec<Rate>> {
    let base = entry(base)?;
    TABLE
        .iter()
        .map(|currency| {
            Some(Rate {
                code: currency.code.to_owned(),
                name: currency.name.to_owned(),
                rate: entry_rate(base, currency)?,
            })
        })
        .collect()
}

/// The currency with `code`'s name, canonical case.
pub(crate) fn canonical(code: &str) -> Option<&'static str> {
    entry(code).map(|e| e.code)
}

pub(crate) fn currencies() -> Vec<Currency> {
    TABLE
        .iter()
        .map(|e| Currency {
            code: e.code.to_owned(),
            symbol: Some(symbol(e.code).to_owned()),
            precision: Some(if e.crypto_decimals.is_some() { 6 } else { 2 }),
            currently_settled: Some(true),
            name: Some(e.name.to_owned()),
            plural: Some(format!("{}s", e.name)),
            alts: Some(e.code.to_lowercase()),
            minimum: Some(if e.crypto_decimals.is_some() {
                Decimal::new(1, 6)
            } else {
                Decimal::new(1, 2)
            }),
            sanctioned: Some(false),
            decimals: Some(i64::from(e.crypto_decimals.unwrap_or(2))),
            display_code: Some(e.code.to_owned()),
            chain: e.crypto_decimals.map(|_| e.code.to_owned()),
            max_supply: None,
        })
        .collect()
}

fn symbol(code: &str) -> &'static str {
    match code {
        "BTC" => "₿",
        "ETH" => "Ξ",
        "USD" | "CAD" | "AUD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" | "CNY" => "¥",
        _ => "",
    }
}

pub(crate) fn wallets() -> Vec<Wallet> {
    let currency = |code: &str, qr: &str| WalletCurrency {
        code: code.to_owned(),
        p2p: Some(true),
        dapp_browser: Some(code == "ETH"),
        pay_pro: Some(true),
        qr: Some(WalletCurrencyQr {
            kind: qr.to_owned(),
            collapsed: serde_json::Value::Bool(false),
        }),
        image: None,
        withdrawal_fee: None,
        wallet_connect: Some(code == "ETH"),
    };
    vec![
        Wallet {
            key: "bitpay".into(),
            display_name: Some("BitPay".into()),
            avatar: Some("bitpay-wallet.png".into()),
            pay_pro: Some(true),
            currencies: Some(vec![
                currency("BTC", "BIP72b"),
                currency("BCH", "BIP72b"),
                currency("ETH", "EIP681"),
            ]),
            image: None,
            invoice_default: Some("BTC".into()),
            uni_code: None,
            verification_link: None,
            off_chain_mode: Some(false),
        },
        Wallet {
            key: "electrum".into(),
            display_name: Some("Electrum".into()),
            avatar: Some("electrum.png".into()),
            pay_pro: Some(true),
            currencies: Some(vec![currency("BTC", "BIP72b")]),
            image: None,
            invoice_default: Some("BTC".into()),
            uni_code: None,
            verification_link: None,
            off_chain_mode: Some(false),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_against_other_bases_go_through_bitcoin() {
        assert_eq!(rate("BTC", "USD"), Some(Decimal::new(4124811, 2)));
        assert_eq!(rate("btc", "btc"), Some(Decimal::ONE));
        // 41248.11 / 50.77
        assert_eq!(rate("BCH", "USD").unwrap().to_string(), "812.45046287");
        assert_eq!(rate("BTC", "XYZ"), None);
        assert_eq!(rates("BTC").unwrap().len(), TABLE.len());
        assert_eq!(
            convert(Decimal::new(4_124_811, 2), "USD", "BTC", 8),
            Some(Decimal::ONE)
        );
    }
}
