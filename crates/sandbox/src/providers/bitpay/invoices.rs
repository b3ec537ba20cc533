//! Invoices and their status life cycle: `new` (15 minutes to pay) → `paid` (the full
//! amount arrived) → `confirmed` (the transaction speed's confirmations: high 0,
//! medium 1, low 6) → `complete` (6 confirmations); `expired` when unpaid in time
//! or cancelled, `invalid` when a payment is not confirmed within the deadline,
//! `declined` when refunded before it completed. Every change is notified to the
//! invoice's `notificationURL`: the standard IPN, or the extended webhook with
//! `extendedNotifications`; with `fullNotifications: false`, only `confirmed` and
//! `complete` are.

use std::time::{Duration, SystemTime};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::access::ResourceKind;
use super::catalog;
use super::errors::Family;
use super::figures::{Figures, ten_to};
use super::ids;
use super::models::{
    BuyerFields, CancelInvoiceQuery, CreateInvoiceRequest, Invoice, InvoiceBuyerProvidedInfo,
    InvoiceEvent, InvoiceEventName, InvoiceEventToken, InvoiceExceptionStatus, InvoiceIpn,
    InvoiceStatus, InvoiceTransaction, InvoiceUniversalCodes, InvoiceWebhook, InvoicesQuery,
    TransactionSpeed, UpdateInvoiceRequest,
};
use super::notify::{Callback, Outgoing};
use super::{AccountState, BitPayConfig, Ctx, State};
use crate::bitcoin::new_txid;
use crate::capability::Caller;
use crate::clock::unix_millis;
use crate::error::ControlError;
use crate::respond::{ProviderError, Rejection};

/// Confirmations BitPay waits for before `complete` (bitcoin's target).
const TARGET_CONFIRMATIONS: i64 = 6;

/// An invoice and what the sandbox knows about it besides.
#[derive(Clone, Debug)]
pub(crate) struct InvoiceRecord {
    /// Without a resource token: each caller gets its own.
    pub invoice: Invoice,
    pub paid_at: Option<SystemTime>,
    /// The last event notified, for a resend.
    pub last_event: Option<InvoiceEventName>,
}

/// An invoice as the test controls show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvoiceView {
    pub invoice: Invoice,
    /// When the full amount arrived (ms since the epoch).
    pub paid_at_ms: Option<u64>,
}

/// A payment a buyer makes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    /// The cryptocurrency paid with; the invoice's first payment currency when absent.
    #[serde(default)]
    pub currency: Option<String>,
    /// How much, in units of the cryptocurrency (`0.000298`); what is still due when
    /// absent.
    #[serde(default)]
    pub amount: Option<Decimal>,
    /// A fresh transaction id when absent.
    #[serde(default)]
    pub txid: Option<String>,
}

/// How a call names an invoice.
#[derive(Clone, Copy, Debug)]
pub(crate) enum By<'a> {
    Id(&'a str),
    Guid(&'a str),
}

/// The event of a status change, and its notification code.
fn event_code(event: &InvoiceEventName) -> i64 {
    match event {
        InvoiceEventName::PaidInFull => 1003,
        InvoiceEventName::Expired => 1004,
        InvoiceEventName::Confirmed => 1005,
        InvoiceEventName::Completed => 1006,
        InvoiceEventName::ManuallyNotified => 1012,
        InvoiceEventName::FailedToConfirm => 1013,
        InvoiceEventName::RefundComplete => 1016,
        InvoiceEventName::Declined => 1019,
        InvoiceEventName::Unknown(_) => 0,
    }
}

/// Confirmations before `confirmed`.
fn required_confirmations(speed: Option<&TransactionSpeed>) -> i64 {
    match speed {
        Some(TransactionSpeed::High) => 0,
        Some(TransactionSpeed::Low) => 6,
        _ => 1,
    }
}

fn is_http_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// `YYYY-MM-DD` as the start of that day (UTC).
pub(crate) fn parse_date(text: &str) -> Option<SystemTime> {
    if text.len() != 10 {
        return None;
    }
    humantime::parse_rfc3339(&format!("{text}T00:00:00Z")).ok()
}

/// The window `[start, end]` of whole days, as milliseconds.
pub(crate) fn day_window(start: &str, end: &str) -> Option<(u64, u64)> {
    let start = unix_millis(parse_date(start)?);
    let end = unix_millis(parse_date(end)? + Duration::from_secs(86_400)) - 1;
    (start <= end).then_some((start, end))
}

/// Applies `limit` and `offset` to a list.
pub(crate) fn page<T>(items: Vec<T>, limit: Option<i64>, offset: Option<i64>) -> Vec<T> {
    let offset = usize::try_from(offset.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
    let limit = limit
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(usize::MAX);
    items.into_iter().skip(offset).take(limit).collect()
}

impl State {
    pub(crate) fn find_invoice(&self, ctx: &Ctx<'_>, by: By<'_>) -> Result<usize, ProviderError> {
        self.invoices
            .iter()
            .position(|r| match by {
                By::Id(id) => r.invoice.id == id,
                By::Guid(guid) => r.invoice.guid.as_deref() == Some(guid),
            })
            .ok_or_else(|| ctx.errors.not_found(ctx.method, Family::Invoice))
    }

    /// The invoice as `caller` reads it: its own resource token, the time of the call.
    pub(crate) fn invoice_for(&mut self, ctx: &Ctx<'_>, caller: &Caller, index: usize) -> Invoice {
        let mut invoice = self.invoices[index].invoice.clone();
        invoice.token = Some(
            self.resources
                .issue(ResourceKind::Invoice, &invoice.id, caller),
        );
        invoice.current_time = Some(ctx.now_ms());
        invoice
    }

    pub(crate) fn create_invoice(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        request: CreateInvoiceRequest,
    ) -> Result<Invoice, ProviderError> {
        let errors = ctx.errors;
        match self.account {
            AccountState::Ready => {}
            AccountState::Misconfigured => {
                return Err(errors.kind(
                    ctx.method,
                    "MisconfiguredAccount",
                    Rejection::Unprocessable,
                ));
            }
            AccountState::NotSetUp => {
                return Err(errors.kind(ctx.method, "AccountNotSetUp", Rejection::Internal));
            }
        }
        let invalid = |problem: String| errors.invalid(ctx.method, Family::Invoice, problem);
        if let Some(guid) = &request.guid
            && let Ok(existing) = self.find_invoice(ctx, By::Guid(guid))
        {
            return Ok(self.invoice_for(ctx, caller, existing));
        }
        let currency = catalog::canonical(&request.currency)
            .ok_or_else(|| invalid(format!("currency `{}` is not supported", request.currency)))?;
        if request.price <= Decimal::ZERO {
            return Err(invalid("price must be positive".into()));
        }
        let usd = catalog::convert(request.price, currency, "USD", 2)
            .ok_or_else(|| invalid("the price cannot be valued".into()))?;
        let (minimum, maximum) = ctx.config.invoice_price_usd;
        if usd < minimum {
            return Err(errors.kind(
                ctx.method,
                "InvoicePriceBelowMinimum",
                Rejection::BadRequest,
            ));
        }
        if usd > maximum {
            return Err(errors.kind(
                ctx.method,
                "InvoicePriceAboveMaximum",
                Rejection::BadRequest,
            ));
        }
        let cryptos: Vec<String> = match &request.payment_currencies {
            None => catalog::cryptos().map(str::to_owned).collect(),
            Some(list) if list.is_empty() => {
                return Err(invalid("paymentCurrencies is empty".into()));
            }
            Some(list) => list
                .iter()
                .map(|code| {
                    catalog::canonical(code)
                        .filter(|c| catalog::is_crypto(c))
                        .map(str::to_owned)
                        .ok_or_else(|| invalid(format!("`{code}` is not a payment currency")))
                })
                .collect::<Result<_, _>>()?,
        };
        for url in [
            &request.notification_url,
            &request.redirect_url,
            &request.close_url,
        ]
        .into_iter()
        .flatten()
        {
            if !is_http_url(url) {
                return Err(invalid(format!("`{url}` is not an HTTP(S) URL")));
            }
        }
        if request.auto_redirect == Some(true) && request.redirect_url.is_none() {
            return Err(invalid("autoRedirect needs a redirectURL".into()));
        }
        let id = ids::resource_id();
        let page = format!("{}{}?id={id}", ctx.url, super::pages::INVOICE_PAGE);
        let figures = Figures::of(request.price, currency, &cryptos, ctx.url, &id);
        let now = ctx.now_ms();
        let lifetime = i64::try_from(ctx.config.invoice_lifetime.as_millis()).unwrap_or(i64::MAX);
        let extended = request.extended_notifications.unwrap_or(false);
        let invoice = Invoice {
            url: Some(page.clone()),
            pos_data: request.pos_data,
            status: InvoiceStatus::New,
            price: request.price,
            currency: currency.to_owned(),
            item_desc: request.item_desc,
            order_id: request.order_id,
            invoice_time: Some(now),
            expiration_time: Some(now.saturating_add(lifetime)),
            current_time: Some(now),
            id: id.clone(),
            guid: request.guid,
            token: None,
            low_fee_detected: Some(false),
            amount_paid: Some(Decimal::ZERO),
            display_amount_paid: Some("0".into()),
            exception_status: Some(InvoiceExceptionStatus::NoException),
            target_confirmations: Some(TARGET_CONFIRMATIONS),
            transactions: Some(Vec::new()),
            transaction_speed: Some(
                request
                    .transaction_speed
                    .unwrap_or(TransactionSpeed::Medium),
            ),
            buyer_provided_email: request.buyer.as_ref().and_then(|b| b.email.clone()),
            buyer: request.buyer,
            redirect_url: request.redirect_url,
            close_url: request.close_url,
            notification_url: request.notification_url,
            notification_email: request.notification_email,
            auto_redirect: Some(request.auto_redirect.unwrap_or(false)),
            full_notifications: Some(extended || request.full_notifications.unwrap_or(true)),
            extended_notifications: Some(extended),
            physical: Some(request.physical.unwrap_or(false)),
            item_code: request.item_code,
            payment_currencies: Some(cryptos),
            acceptance_window: request.acceptance_window,
            refund_addresses: Value::Array(Vec::new()),
            refund_address_request_pending: Some(false),
            buyer_provided_info: Some(InvoiceBuyerProvidedInfo {
                name: None,
                phone_number: None,
                sms: None,
                sms_verified: None,
                selected_transaction_currency: request.forced_buyer_selected_transaction_currency,
                email_address: None,
                selected_wallet: request.forced_buyer_selected_wallet,
            }),
            bill_id: None,
            transaction_currency: None,
            payment_subtotals: Some(figures.subtotals),
            payment_totals: Some(figures.totals),
            payment_display_totals: Some(figures.display_totals),
            payment_display_sub_totals: Some(figures.display_subtotals),
            exchange_rates: Some(figures.exchange_rates),
            supported_transaction_currencies: Some(figures.supported),
            miner_fees: Some(figures.miner_fees),
            non_pay_pro_payment_received: Some(false),
            shopper: None,
            json_pay_pro_required: Some(request.json_pay_pro_required.unwrap_or(false)),
            merchant_name: Some(ctx.config.merchant_name.clone()),
            bitpay_id_required: Some(false),
            underpaid_amount: None,
            overpaid_amount: None,
            payment_codes: Some(figures.payment_codes),
            universal_codes: Some(InvoiceUniversalCodes {
                payment_string: Some(page),
                verification_link: None,
            }),
            refund_info: Value::Null,
            is_cancelled: Some(false),
        };
        self.invoices.push(InvoiceRecord {
            invoice,
            paid_at: None,
            last_event: None,
        });
        Ok(self.invoice_for(ctx, caller, self.invoices.len() - 1))
    }

    pub(crate) fn get_invoice(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        by: By<'_>,
    ) -> Result<Invoice, ProviderError> {
        let index = self.find_invoice(ctx, by)?;
        Ok(self.invoice_for(ctx, caller, index))
    }

    pub(crate) fn list_invoices(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        query: InvoicesQuery,
    ) -> Result<Vec<Invoice>, ProviderError> {
        let (start, end) = day_window(&query.date_start, &query.date_end).ok_or_else(|| {
            ctx.errors.invalid(
                ctx.method,
                Family::Invoice,
                "dateStart and dateEnd must be YYYY-MM-DD dates, the start not after the end",
            )
        })?;
        let matching: Vec<usize> = (0..self.invoices.len())
            .rev()
            .filter(|i| {
                let invoice = &self.invoices[*i].invoice;
                let time = invoice
                    .invoice_time
                    .and_then(|t| u64::try_from(t).ok())
                    .unwrap_or(0);
                (start..=end).contains(&time)
                    && query.status.as_ref().is_none_or(|s| *s == invoice.status)
                    && query
                        .order_id
                        .as_ref()
                        .is_none_or(|o| invoice.order_id.as_ref() == Some(o))
            })
            .collect();
        Ok(page(matching, query.limit, query.offset)
            .into_iter()
            .map(|i| self.invoice_for(ctx, caller, i))
            .collect())
    }

    pub(crate) fn update_invoice(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        id: &str,
        request: UpdateInvoiceRequest,
    ) -> Result<Invoice, ProviderError> {
        let errors = ctx.errors;
        let index = self.find_invoice(ctx, By::Id(id))?;
        let kind = |kind: &str| errors.kind(ctx.method, kind, Rejection::BadRequest);
        let invoice = &self.invoices[index].invoice;
        let has_contact = invoice.buyer_provided_email.is_some()
            || invoice
                .buyer_provided_info
                .as_ref()
                .is_some_and(|i| i.sms.is_some());
        let usd = catalog::convert(invoice.price, &invoice.currency, "USD", 2).unwrap_or_default();
        if has_contact && usd >= ctx.config.high_value_usd {
            return Err(kind("HighValueContactLocked"));
        }
        match (&request.buyer_email, &request.buyer_sms) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(errors.invalid(
                    ctx.method,
                    Family::Invoice,
                    "give either buyerEmail or buyerSms",
                ));
            }
            (Some(email), None) => {
                if invoice.buyer_provided_email.is_some() {
                    return Err(kind("EmailAlreadySet"));
                }
                if !email.contains('@') {
                    return Err(errors.invalid(
                        ctx.method,
                        Family::Invoice,
                        format!("`{email}` is not an email address"),
                    ));
                }
                let invoice = &mut self.invoices[index].invoice;
                invoice.buyer_provided_email = Some(email.clone());
                if let Some(info) = &mut invoice.buyer_provided_info {
                    info.email_address = Some(email.clone());
                }
            }
            (None, Some(sms)) => {
                let digits = sms.strip_prefix('+').unwrap_or("");
                if digits.len() < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(kind("InvalidSmsNumber"));
                }
                let verified = match (&request.sms_code, request.auto_verify) {
                    (_, Some(true)) => true,
                    (Some(code), _) if *code == ctx.config.sms_code => true,
                    (Some(_), _) => return Err(kind("SmsVerificationFailed")),
                    (None, _) => return Err(kind("SmsNotVerified")),
                };
                let invoice = &mut self.invoices[index].invoice;
                let info = invoice
                    .buyer_provided_info
                    .get_or_insert(InvoiceBuyerProvidedInfo {
                        name: None,
                        phone_number: None,
                        sms: None,
                        sms_verified: None,
                        selected_transaction_currency: None,
                        email_address: None,
                        selected_wallet: None,
                    });
                info.sms = Some(sms.clone());
                info.sms_verified = Some(verified);
            }
        }
        Ok(self.invoice_for(ctx, caller, index))
    }

    pub(crate) fn invoice_event_token(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
    ) -> Result<InvoiceEventToken, ProviderError> {
        self.find_invoice(ctx, By::Id(id))?;
        Ok(InvoiceEventToken {
            url: Some(format!("{}/events", ctx.url)),
            token: Some(ids::resource_token()),
            events: Some(vec!["payment".into(), "confirmation".into()]),
            actions: Some(vec!["subscribe".into(), "unsubscribe".into()]),
        })
    }

    /// Cancels an unpaid invoice: it expires, marked as cancelled. Once a payment may
    /// have been made (a partial payment arrived), the buyer must be reachable (email
    /// or SMS) unless the cancellation is forced.
    pub(crate) fn cancel_invoice(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        by: By<'_>,
        query: CancelInvoiceQuery,
    ) -> Result<Invoice, ProviderError> {
        let index = self.find_invoice(ctx, by)?;
        let invoice = &self.invoices[index].invoice;
        if invoice.status != InvoiceStatus::New {
            return Err(ctx.errors.kind(
                ctx.method,
                "InvalidInvoiceStateForCancel",
                Rejection::Conflict,
            ));
        }
        let paid_something = invoice.transactions.as_ref().is_some_and(|t| !t.is_empty());
        let reachable = invoice.buyer_provided_email.is_some()
            || invoice
                .buyer_provided_info
                .as_ref()
                .is_some_and(|i| i.sms.is_some());
        if paid_something && !reachable && query.force_cancel != Some(true) {
            return Err(ctx.errors.kind(
                ctx.method,
                "InvoiceMissingEmailOrSms",
                Rejection::Conflict,
            ));
        }
        self.invoices[index].invoice.is_cancelled = Some(true);
        self.set_invoice_status(
            ctx,
            index,
            InvoiceStatus::Expired,
            InvoiceEventName::Expired,
        );
        Ok(self.invoice_for(ctx, caller, index))
    }

    pub(crate) fn resend_invoice_notification(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
    ) -> Result<Value, ProviderError> {
        let index = self.find_invoice(ctx, By::Id(id))?;
        if self.invoices[index].invoice.notification_url.is_none() {
            return Err(ctx.errors.invalid(
                ctx.method,
                Family::Invoice,
                "the invoice has no notificationURL",
            ));
        }
        self.notify_invoice(ctx, index, InvoiceEventName::ManuallyNotified);
        Ok(super::success())
    }

    /// Moves invoice `index` to `status` and notifies `event`.
    pub(crate) fn set_invoice_status(
        &mut self,
        ctx: &Ctx<'_>,
        index: usize,
        status: InvoiceStatus,
        event: InvoiceEventName,
    ) {
        self.invoices[index].invoice.status = status;
        self.notify_invoice(ctx, index, event);
    }

    /// Notifies `event` of invoice `index` to its `notificationURL`, in its format.
    pub(crate) fn notify_invoice(&mut self, ctx: &Ctx<'_>, index: usize, event: InvoiceEventName) {
        let record = &mut self.invoices[index];
        let invoice = &record.invoice;
        let Some(url) = invoice.notification_url.clone() else {
            return;
        };
        let extended = invoice.extended_notifications == Some(true);
        let full = invoice.full_notifications != Some(false);
        let always = matches!(
            event,
            InvoiceEventName::Confirmed
                | InvoiceEventName::Completed
                | InvoiceEventName::ManuallyNotified
        );
        if !full && !always {
            return;
        }
        let mut data = invoice.clone();
        data.current_time = Some(ctx.now_ms());
        let outgoing = if extended {
            Outgoing::new(
                Callback::InvoiceWebhook,
                &url,
                &InvoiceWebhook {
                    event: InvoiceEvent {
                        code: event_code(&event),
                        name: event.clone(),
                    },
                    data,
                },
            )
        } else if event == InvoiceEventName::RefundComplete {
            // The standard format carries the status only, which a refund does not change.
            return;
        } else {
            Outgoing::new(Callback::InvoiceIpn, &url, &standard_ipn(&data))
        };
        if event != InvoiceEventName::ManuallyNotified {
            record.last_event = Some(event);
        }
        self.outgoing.push(outgoing);
    }

    pub(crate) fn invoice_views(&self) -> Vec<InvoiceView> {
        self.invoices
            .iter()
            .rev()
            .map(|r| InvoiceView {
                invoice: r.invoice.clone(),
                paid_at_ms: r.paid_at.map(unix_millis),
            })
            .collect()
    }

    fn control_invoice(&self, id: &str) -> Result<usize, ControlError> {
        self.invoices
            .iter()
            .position(|r| r.invoice.id == id)
            .ok_or_else(|| ControlError::NotFound(format!("no invoice {id}")))
    }

    fn view(&self, index: usize) -> InvoiceView {
        let record = &self.invoices[index];
        InvoiceView {
            invoice: record.invoice.clone(),
            paid_at_ms: record.paid_at.map(unix_millis),
        }
    }

    /// A buyer pays: the transaction is recorded; the full amount makes the invoice
    /// `paid` (and `confirmed` at once with the `high` speed), less leaves it `new`
    /// with `paidPartial`, more makes it `paid` with `paidOver`.
    pub(crate) fn pay(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
        payment: NewPayment,
    ) -> Result<InvoiceView, ControlError> {
        let index = self.control_invoice(id)?;
        let invoice = &mut self.invoices[index].invoice;
        if invoice.status != InvoiceStatus::New {
            return Err(ControlError::Conflict(format!(
                "invoice {id} is {}; only a new invoice takes payments",
                invoice.status.as_str()
            )));
        }
        let offered = invoice.payment_currencies.clone().unwrap_or_default();
        let currency = match (&payment.currency, &invoice.transaction_currency) {
            (Some(asked), _) => catalog::canonical(asked).unwrap_or("").to_owned(),
            (None, Some(first)) => first.clone(),
            (None, None) => offered.first().cloned().unwrap_or_default(),
        };
        if !offered.contains(&currency) {
            return Err(ControlError::Invalid(format!(
                "invoice {id} is payable in {}, not `{}`",
                offered.join(", "),
                payment.currency.as_deref().unwrap_or(&currency)
            )));
        }
        if invoice
            .transaction_currency
            .as_ref()
            .is_some_and(|first| *first != currency)
        {
            return Err(ControlError::Conflict(format!(
                "invoice {id} is being paid in another currency"
            )));
        }
        let decimals = catalog::crypto_decimals(&currency).unwrap_or(8);
        let units = ten_to(decimals);
        let total = invoice
            .payment_totals
            .as_ref()
            .and_then(|t| t.get(&currency))
            .copied()
            .unwrap_or_default();
        let paid_before = invoice.amount_paid.unwrap_or_default();
        let amount_units = match payment.amount {
            Some(amount) if amount > Decimal::ZERO => (amount * units).round(),
            Some(_) => return Err(ControlError::Invalid("amount must be positive".into())),
            None => (total - paid_before).max(Decimal::ONE),
        };
        let paid = paid_before + amount_units;
        let now_iso = ctx.iso();
        invoice
            .transactions
            .get_or_insert_with(Vec::new)
            .push(InvoiceTransaction {
                amount: amount_units,
                confirmations: Some(0),
                time: Some(now_iso.clone()),
                received_time: Some(now_iso),
                txid: Some(payment.txid.unwrap_or_else(new_txid)),
                ex_rates: invoice
                    .exchange_rates
                    .as_ref()
                    .and_then(|r| r.get(&currency))
                    .cloned(),
                output_index: Some(0),
            });
        invoice.transaction_currency = Some(currency.clone());
        invoice.amount_paid = Some(paid);
        invoice.display_amount_paid = Some((paid / units).normalize().to_string());
        if let Some(info) = &mut invoice.buyer_provided_info {
            info.selected_transaction_currency = Some(currency.clone());
        }
        if paid < total {
            invoice.exception_status = Some(InvoiceExceptionStatus::PaidPartial);
            invoice.underpaid_amount = Some((total - paid) / units);
            return Ok(self.view(index));
        }
        invoice.underpaid_amount = None;
        invoice.exception_status = Some(if paid > total {
            invoice.overpaid_amount = Some((paid - total) / units);
            InvoiceExceptionStatus::PaidOver
        } else {
            InvoiceExceptionStatus::NoException
        });
        let speed = invoice.transaction_speed.clone();
        self.invoices[index].paid_at = Some(ctx.now);
        self.set_invoice_status(
            ctx,
            index,
            InvoiceStatus::Paid,
            InvoiceEventName::PaidInFull,
        );
        if required_confirmations(speed.as_ref()) == 0 {
            self.confirmed(ctx, index);
        }
        Ok(self.view(index))
    }

    /// The invoice's transactions reach `confirmations` blocks.
    pub(crate) fn confirm(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
        confirmations: i64,
    ) -> Result<InvoiceView, ControlError> {
        let index = self.control_invoice(id)?;
        let invoice = &mut self.invoices[index].invoice;
        if !matches!(
            invoice.status,
            InvoiceStatus::Paid | InvoiceStatus::Confirmed
        ) {
            return Err(ControlError::Conflict(format!(
                "invoice {id} is {}; only a paid or confirmed invoice gets confirmations",
                invoice.status.as_str()
            )));
        }
        if confirmations < 0 {
            return Err(ControlError::Invalid(
                "confirmations cannot be negative".into(),
            ));
        }
        for transaction in invoice.transactions.iter_mut().flatten() {
            transaction.confirmations = Some(confirmations);
        }
        let needed = required_confirmations(invoice.transaction_speed.as_ref());
        if invoice.status == InvoiceStatus::Paid && confirmations >= needed {
            self.confirmed(ctx, index);
        }
        if self.invoices[index].invoice.status == InvoiceStatus::Confirmed
            && confirmations >= TARGET_CONFIRMATIONS
        {
            self.set_invoice_status(
                ctx,
                index,
                InvoiceStatus::Complete,
                InvoiceEventName::Completed,
            );
        }
        Ok(self.view(index))
    }

    /// `paid` → `confirmed`: the merchant's ledger is credited.
    fn confirmed(&mut self, ctx: &Ctx<'_>, index: usize) {
        self.set_invoice_status(
            ctx,
            index,
            InvoiceStatus::Confirmed,
            InvoiceEventName::Confirmed,
        );
        let invoice = self.invoices[index].invoice.clone();
        self.credit_invoice(ctx, &invoice);
    }

    /// When the next invoice expires or goes invalid.
    pub(crate) fn next_due(&self, config: &BitPayConfig) -> Option<SystemTime> {
        self.invoices.iter().filter_map(|r| due(r, config)).min()
    }

    /// Expires what is unpaid past its expiration time, invalidates what is paid and
    /// unconfirmed past the deadline.
    pub(crate) fn run_due(&mut self, ctx: &Ctx<'_>) {
        for index in 0..self.invoices.len() {
            let record = &self.invoices[index];
            if due(record, ctx.config).is_none_or(|due| due > ctx.now) {
                continue;
            }
            match record.invoice.status {
                InvoiceStatus::New => {
                    self.set_invoice_status(
                        ctx,
                        index,
                        InvoiceStatus::Expired,
                        InvoiceEventName::Expired,
                    );
                }
                InvoiceStatus::Paid => self.set_invoice_status(
                    ctx,
                    index,
                    InvoiceStatus::Invalid,
                    InvoiceEventName::FailedToConfirm,
                ),
                _ => {}
            }
        }
    }
}

/// When `record` changes by itself.
fn due(record: &InvoiceRecord, config: &BitPayConfig) -> Option<SystemTime> {
    match record.invoice.status {
        InvoiceStatus::New => record
            .invoice
            .expiration_time
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms)),
        InvoiceStatus::Paid => record.paid_at.map(|at| at + config.confirmation_deadline),
        _ => None,
    }
}

/// The standard IPN of an invoice: its main fields.
fn standard_ipn(invoice: &Invoice) -> InvoiceIpn {
    let buyer = invoice.buyer.as_ref();
    InvoiceIpn {
        id: invoice.id.clone(),
        url: invoice.url.clone(),
        pos_data: invoice.pos_data.clone(),
        status: invoice.status.clone(),
        price: Some(invoice.price),
        currency: Some(invoice.currency.clone()),
        invoice_time: invoice.invoice_time.map(Decimal::from),
        expiration_time: invoice.expiration_time.map(Decimal::from),
        current_time: invoice.current_time.map(Decimal::from),
        exception_status: invoice.exception_status.clone(),
        buyer_fields: buyer.map(|b| BuyerFields {
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
        payment_subtotals: invoice.payment_subtotals.clone(),
        payment_totals: invoice.payment_totals.clone(),
        exchange_rates: invoice.exchange_rates.clone(),
        amount_paid: invoice.amount_paid,
        order_id: invoice.order_id.clone(),
        transaction_currency: invoice.transaction_currency.clone(),
        in_invoice_id: None,
        in_payment_request: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_windows_are_whole_days() {
        let (start, end) = day_window("2024-01-01", "2024-01-01").unwrap();
        assert_eq!(start, 1_704_067_200_000);
        assert_eq!(end, 1_704_153_599_999);
        assert!(day_window("2024-01-02", "2024-01-01").is_none());
        assert!(day_window("2024-1-1", "2024-01-01").is_none());
        assert_eq!(page(vec![1, 2, 3, 4], Some(2), Some(1)), vec![2, 3]);
    }
}
