//! The merchant's ledgers and settlements: a confirmed invoice credits its price (in
//! the ledger currency, at the table's rates) less BitPay's 1% fee; a successful refund
//! and a completed payout debit theirs; a settlement (made by a test control, as
//! BitPay makes them on its schedule) sends the entries booked since the last one.
//!
//! Entry codes are the documented ones for invoices (1000), their fees (1023) and
//! refunds (1020); payouts are booked as 1041 (sandbox policy: the documents give none).

use std::time::SystemTime;

use rust_decimal::Decimal;

use super::access::ResourceKind;
use super::catalog;
use super::errors::Family;
use super::ids;
use super::invoices::day_window;
use super::models::{
    BuyerFields, Invoice, Ledger, LedgerEntriesQuery, LedgerEntry, Payout, PayoutInfo, Refund,
    Settlement, SettlementInvoiceData, SettlementLedgerEntry, SettlementStatus, SettlementsQuery,
};
use super::{Ctx, State};
use crate::capability::Caller;
use crate::clock::{iso8601_millis, unix_millis};
use crate::error::ControlError;
use crate::respond::{ProviderError, Rejection};

/// Ledger amounts are integers of this many units per currency unit.
const SCALE: i64 = 100_000_000;

/// One booked amount.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    id: String,
    code: i64,
    kind: &'static str,
    /// In `currency`'s units.
    amount: Decimal,
    currency: String,
    at: SystemTime,
    description: String,
    invoice: Option<Invoice>,
    support_request: Option<String>,
    /// The settlement that sent it.
    settlement: Option<String>,
}

impl Entry {
    pub fn model(&self) -> LedgerEntry {
        let invoice = self.invoice.as_ref();
        LedgerEntry {
            id: Some(self.id.clone()),
            kind: Some(self.kind.to_owned()),
            amount: (self.amount * Decimal::from(SCALE)).round(),
            code: self.code,
            description: Some(self.description.clone()),
            timestamp: Some(iso8601_millis(self.at)),
            tx_type: Some(
                if self.amount.is_sign_negative() {
                    "debit"
                } else {
                    "sale"
                }
                .to_owned(),
            ),
            scale: Some(Decimal::from(SCALE)),
            invoice_id: invoice.map(|i| i.id.clone()),
            buyer_fields: invoice.and_then(|i| i.buyer.as_ref()).map(|b| BuyerFields {
                buyer_name: b.name.clone(),
                buyer_address1: b.address1.clone(),
                buyer_address2: b.address2.clone(),
                buyer_city: b.locality.clone(),
                buyer_state: b.region.clone(),
                buyer_zip: b.postal_code.clone(),
                buyer_country: b.country.clone(),
                buyer_phone: b.phone.clone(),
                buyer_notify: b.notify,
                buyer_email: b.email.clone(),
            }),
            invoice_amount: invoice.map(|i| i.price),
            invoice_currency: invoice.map(|i| i.currency.clone()),
            transaction_currency: invoice.and_then(|i| i.transaction_currency.clone()),
            support_request: self.support_request.clone(),
        }
    }

    fn in_report(&self) -> SettlementLedgerEntry {
        let invoice = self.invoice.as_ref();
        SettlementLedgerEntry {
            code: Some(self.code),
            invoice_id: invoice.map(|i| i.id.clone()),
            amount: self.amount,
            timestamp: Some(iso8601_millis(self.at)),
            description: Some(self.description.clone()),
            invoice_data: invoice.map(|i| SettlementInvoiceData {
                order_id: i.order_id.clone(),
                date: i
                    .invoice_time
                    .and_then(|ms| u64::try_from(ms).ok())
                    .map(|ms| {
                        iso8601_millis(
                            SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(ms),
                        )
                    }),
                price: Some(i.price),
                currency: Some(i.currency.clone()),
                transaction_currency: i.transaction_currency.clone(),
                over_paid_amount: i.overpaid_amount,
                payout_percentage: Some([(self.currency.clone(), Decimal::ONE_HUNDRED)].into()),
                refund_info: None,
            }),
        }
    }
}

impl State {
    /// Books `amount` of the ledger currency.
    fn book(
        &mut self,
        ctx: &Ctx<'_>,
        code: i64,
        kind: &'static str,
        amount: Decimal,
        description: String,
    ) -> &mut Entry {
        self.ledger.push(Entry {
            id: ids::resource_id(),
            code,
            kind,
            amount,
            currency: ctx.config.ledger_currency.clone(),
            at: ctx.now,
            description,
            invoice: None,
            support_request: None,
            settlement: None,
        });
        let last = self.ledger.len() - 1;
        &mut self.ledger[last]
    }

    fn in_ledger_currency(ctx: &Ctx<'_>, amount: Decimal, currency: &str) -> Decimal {
        catalog::convert(amount, currency, &ctx.config.ledger_currency, 2).unwrap_or_default()
    }

    /// A confirmed invoice: its price, less the fee.
    pub(crate) fn credit_invoice(&mut self, ctx: &Ctx<'_>, invoice: &Invoice) {
        let credit = Self::in_ledger_currency(ctx, invoice.price, &invoice.currency);
        let fee = (credit / Decimal::ONE_HUNDRED).round_dp(2);
        let description = format!("Invoice {}", invoice.id);
        self.book(ctx, 1000, "Invoice", credit, description).invoice = Some(invoice.clone());
        let description = format!("Invoice fee {}", invoice.id);
        self.book(ctx, 1023, "Invoice Fee", -fee, description)
            .invoice = Some(invoice.clone());
    }

    pub(crate) fn debit_refund(&mut self, ctx: &Ctx<'_>, refund: &Refund) {
        let debit = Self::in_ledger_currency(ctx, refund.amount, &refund.currency);
        let invoice = self
            .invoices
            .iter()
            .find(|r| r.invoice.id == refund.invoice)
            .map(|r| r.invoice.clone());
        let entry = self.book(
            ctx,
            1020,
            "Invoice Refund",
            -debit,
            format!("Refund {} of invoice {}", refund.id, refund.invoice),
        );
        entry.invoice = invoice;
        entry.support_request = refund.support_request.clone();
    }

    pub(crate) fn debit_payout(&mut self, ctx: &Ctx<'_>, payout: &Payout) {
        let debit = Self::in_ledger_currency(ctx, payout.amount, &payout.currency);
        self.book(ctx, 1041, "Payout", -debit, format!("Payout {}", payout.id));
    }

    /// The balance of every ledger, the ledger currency first.
    pub(crate) fn list_ledgers(&self, ctx: &Ctx<'_>) -> Vec<Ledger> {
        let mut ledgers = vec![Ledger {
            currency: ctx.config.ledger_currency.clone(),
            balance: Decimal::ZERO,
        }];
        for entry in &self.ledger {
            match ledgers.iter_mut().find(|l| l.currency == entry.currency) {
                Some(ledger) => ledger.balance += entry.amount,
                None => ledgers.push(Ledger {
                    currency: entry.currency.clone(),
                    balance: entry.amount,
                }),
            }
        }
        ledgers
    }

    pub(crate) fn list_ledger_entries(
        &self,
        ctx: &Ctx<'_>,
        currency: &str,
        query: LedgerEntriesQuery,
    ) -> Result<Vec<LedgerEntry>, ProviderError> {
        if !catalog::is_known(currency) {
            return Err(ctx.errors.detailed(
                ctx.method,
                "ResourceNotFound",
                Rejection::NotFound,
                format!("no `{currency}` ledger"),
            ));
        }
        let (start, end) = day_window(&query.start_date, &query.end_date).ok_or_else(|| {
            ctx.errors.invalid(
                ctx.method,
                Family::Generic,
                "startDate and endDate must be YYYY-MM-DD dates, the start not after the end",
            )
        })?;
        Ok(self
            .ledger
            .iter()
            .filter(|e| e.currency.eq_ignore_ascii_case(currency))
            .filter(|e| (start..=end).contains(&unix_millis(e.at)))
            .map(Entry::model)
            .collect())
    }

    /// Control: a settlement of the entries of `currency` booked since the last one.
    pub(crate) fn settle(
        &mut self,
        ctx: &Ctx<'_>,
        currency: Option<String>,
        status: Option<SettlementStatus>,
    ) -> Result<Settlement, ControlError> {
        let currency = currency.unwrap_or_else(|| ctx.config.ledger_currency.clone());
        let open: Vec<usize> = (0..self.ledger.len())
            .filter(|i| {
                self.ledger[*i].settlement.is_none() && self.ledger[*i].currency == currency
            })
            .collect();
        let Some(first) = open.first() else {
            return Err(ControlError::Conflict(format!(
                "no {currency} ledger entry awaits settlement"
            )));
        };
        let opening = self
            .settlements
            .iter()
            .rev()
            .find(|s| s.currency == currency)
            .and_then(|s| s.closing_date.clone())
            .unwrap_or_else(|| iso8601_millis(self.ledger[*first].at));
        let id = ids::resource_id();
        let sum: Decimal = open.iter().map(|i| self.ledger[*i].amount).sum();
        for i in &open {
            self.ledger[*i].settlement = Some(id.clone());
        }
        let status = status.unwrap_or(SettlementStatus::New);
        let executed = matches!(
            status,
            SettlementStatus::Processing | SettlementStatus::Completed
        );
        let payout_info: PayoutInfo = serde_json::from_value(serde_json::json!({
            "label": "Sandbox bank account",
            "bankCountry": "United States",
            "name": ctx.config.merchant_name,
            "bank": "Sandbox Bank",
            "routing": "012345678",
            "account": "000123456789",
            "wire": false
        }))
        .map_err(|e| ControlError::Invalid(e.to_string()))?;
        let settlement = Settlement {
            id,
            account_id: Some("sandbox".into()),
            status: status.clone(),
            currency,
            payout_info: Some(payout_info),
            date_created: Some(ctx.iso()),
            date_executed: executed.then(|| ctx.iso()),
            date_completed: (status == SettlementStatus::Completed).then(|| ctx.iso()),
            opening_date: Some(opening),
            closing_date: Some(ctx.iso()),
            opening_balance: Some(Decimal::ZERO),
            ledger_entries_sum: Some(sum),
            withholdings: Some(Vec::new()),
            withholdings_sum: Some(Decimal::ZERO),
            total_amount: Some(sum),
            ledger_entries: None,
            token: None,
        };
        self.settlements.push(settlement.clone());
        Ok(settlement)
    }

    pub(crate) fn list_settlements(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        query: SettlementsQuery,
    ) -> Result<Vec<Settlement>, ProviderError> {
        let window = match (&query.start_date, &query.end_date) {
            (None, None) => None,
            (start, end) => Some(
                day_window(
                    start.as_deref().unwrap_or("1970-01-01"),
                    end.as_deref().unwrap_or("9999-12-31"),
                )
                .ok_or_else(|| {
                    ctx.errors.invalid(
                        ctx.method,
                        Family::Generic,
                        "startDate and endDate must be YYYY-MM-DD dates, the start not after the end",
                    )
                })?,
            ),
        };
        let created_ms = |s: &Settlement| {
            s.date_created
                .as_deref()
                .and_then(|d| humantime::parse_rfc3339(d).ok())
                .map_or(0, unix_millis)
        };
        let matching: Vec<usize> = (0..self.settlements.len())
            .rev()
            .filter(|i| {
                let s = &self.settlements[*i];
                window.is_none_or(|(start, end)| (start..=end).contains(&created_ms(s)))
                    && query.status.as_ref().is_none_or(|st| *st == s.status)
                    && query
                        .currency
                        .as_ref()
                        .is_none_or(|c| c.eq_ignore_ascii_case(&s.currency))
            })
            .collect();
        Ok(super::invoices::page(matching, query.limit, query.offset)
            .into_iter()
            .map(|i| self.settlement_for(caller, i, false))
            .collect())
    }

    fn settlement_for(&mut self, caller: &Caller, index: usize, report: bool) -> Settlement {
        let mut settlement = self.settlements[index].clone();
        settlement.token = Some(self.resources.issue(
            ResourceKind::Settlement,
            &settlement.id,
            caller,
        ));
        if report {
            settlement.ledger_entries = Some(
                self.ledger
                    .iter()
                    .filter(|e| e.settlement.as_deref() == Some(settlement.id.as_str()))
                    .map(Entry::in_report)
                    .collect(),
            );
        }
        settlement
    }

    /// A settlement; with its ledger entries for the reconciliation report.
    pub(crate) fn get_settlement(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        id: &str,
        report: bool,
    ) -> Result<Settlement, ProviderError> {
        let index = self
            .settlements
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| ctx.errors.not_found(ctx.method, Family::Generic))?;
        Ok(self.settlement_for(caller, index, report))
    }
}
