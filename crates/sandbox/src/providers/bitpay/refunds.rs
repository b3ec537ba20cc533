//! Refund requests: made on a paid, confirmed or complete invoice whose buyer can be
//! reached (a paid or confirmed invoice is declined and must be refunded in full; a
//! complete one enters the refund flow); `preview` until updated to `created`, then
//! `pending` once the buyer gives an address, and `success` or `failure`. Each step
//! is notified to the invoice's `notificationURL`; a successful refund debits the
//! ledger and tells the invoice's extended notifications.

use rust_decimal::Decimal;
use serde_json::Value;

use super::access::ResourceKind;
use super::catalog;
use super::errors::Family;
use super::ids;
use super::invoices::By as InvoiceBy;
use super::models::{
    CreateRefundRequest, InvoiceEventName, InvoiceStatus, Refund, RefundEvent, RefundEventName,
    RefundStatus, RefundWebhook, RefundsQuery, UpdateRefundRequest,
};
use super::notify::{Callback, Outgoing};
use super::{Ctx, State};
use crate::capability::Caller;
use crate::error::ControlError;
use crate::respond::{ProviderError, Rejection};

#[derive(Clone, Debug)]
pub(crate) struct RefundRecord {
    /// Without a resource token: each caller gets its own.
    pub refund: Refund,
    /// The refund declined its invoice (made before the invoice completed).
    pub declined_invoice: bool,
    pub last_event: Option<RefundEventName>,
}

/// How a call names a refund.
#[derive(Clone, Copy, Debug)]
pub(crate) enum By<'a> {
    Id(&'a str),
    Guid(&'a str),
}

fn event_code(event: &RefundEventName) -> i64 {
    match event {
        RefundEventName::Created => 7001,
        RefundEventName::Pending => 7002,
        RefundEventName::Success => 7003,
        RefundEventName::Failure => 7004,
        RefundEventName::Unknown(_) => 0,
    }
}

/// Refunds not yet settled either way.
fn is_active(status: &RefundStatus) -> bool {
    matches!(
        status,
        RefundStatus::Preview | RefundStatus::Created | RefundStatus::Pending
    )
}

/// Sandbox policy: BitPay charges 1% of the amount (at least 0.01), in cents.
fn refund_fee(amount: Decimal) -> Decimal {
    let mut fee = (amount / Decimal::ONE_HUNDRED)
        .round_dp(2)
        .max(Decimal::new(1, 2));
    fee.rescale(2);
    fee
}

impl State {
    fn find_refund(&self, ctx: &Ctx<'_>, by: By<'_>) -> Result<usize, ProviderError> {
        self.refunds
            .iter()
            .position(|r| match by {
                By::Id(id) => r.refund.id == id,
                By::Guid(guid) => r.refund.guid.as_deref() == Some(guid),
            })
            .ok_or_else(|| ctx.errors.not_found(ctx.method, Family::Refund))
    }

    fn refund_for(&mut self, caller: &Caller, index: usize) -> Refund {
        let mut refund = self.refunds[index].refund.clone();
        refund.token = Some(
            self.resources
                .issue(ResourceKind::Refund, &refund.id, caller),
        );
        refund
    }

    pub(crate) fn create_refund(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        request: CreateRefundRequest,
    ) -> Result<Refund, ProviderError> {
        let errors = ctx.errors;
        let invalid = |problem: String| errors.invalid(ctx.method, Family::Refund, problem);
        if let Some(guid) = &request.guid
            && let Ok(existing) = self.find_refund(ctx, By::Guid(guid))
        {
            return Ok(self.refund_for(caller, existing));
        }
        let invoice_index = self.find_invoice(ctx, InvoiceBy::Id(&request.invoice_id))?;
        let invoice = self.invoices[invoice_index].invoice.clone();
        if let Some(currency) = &request.currency
            && !currency.eq_ignore_ascii_case(&invoice.currency)
        {
            return Err(invalid(format!(
                "the invoice is priced in {}, not {currency}",
                invoice.currency
            )));
        }
        let declines = match invoice.status {
            InvoiceStatus::Paid | InvoiceStatus::Confirmed => true,
            InvoiceStatus::Complete => false,
            _ => {
                return Err(errors.kind(
                    ctx.method,
                    "InvalidInvoiceStateForRefund",
                    Rejection::Conflict,
                ));
            }
        };
        let mine = || {
            self.refunds
                .iter()
                .filter(|r| r.refund.invoice == invoice.id)
        };
        if mine().any(|r| is_active(&r.refund.status)) {
            return Err(errors.kind(ctx.method, "ActiveRefundExists", Rejection::Conflict));
        }
        let refunded: Decimal = mine()
            .filter(|r| r.refund.status == RefundStatus::Success)
            .map(|r| r.refund.amount)
            .sum();
        if request.amount <= Decimal::ZERO || request.amount > invoice.price - refunded {
            return Err(invalid(format!(
                "amount must be positive and at most {} {}",
                invoice.price - refunded,
                invoice.currency
            )));
        }
        if declines && request.amount != invoice.price {
            return Err(invalid(format!(
                "an invoice that is not complete is declined and refunded in full ({} {})",
                invoice.price, invoice.currency
            )));
        }
        let email = invoice
            .buyer_provided_email
            .clone()
            .or_else(|| invoice.buyer.as_ref().and_then(|b| b.email.clone()));
        let sms = invoice
            .buyer_provided_info
            .as_ref()
            .and_then(|i| i.sms.clone());
        if email.is_none() && sms.is_none() {
            return Err(errors.kind(ctx.method, "InvoiceMissingEmailOrSms", Rejection::Conflict));
        }
        let fee = refund_fee(request.amount);
        let buyer_pays = request.buyer_pays_refund_fee.unwrap_or(false);
        if buyer_pays && fee >= request.amount {
            return Err(errors.kind(ctx.method, "RefundFeesExceedAmount", Rejection::BadRequest));
        }
        let crypto = invoice.transaction_currency.clone();
        let in_crypto = |amount: Decimal| {
            crypto
                .as_deref()
                .and_then(|c| catalog::convert(amount, &invoice.currency, c, 8))
        };
        let preview = request.preview.unwrap_or(false);
        let refund = Refund {
            id: ids::resource_id(),
            guid: request.guid,
            invoice: invoice.id.clone(),
            support_request: Some(ids::resource_id()),
            refund_address: None,
            txid: None,
            kind: None,
            reference: request.reference,
            status: if preview {
                RefundStatus::Preview
            } else {
                RefundStatus::Created
            },
            amount: request.amount,
            transaction_currency: crypto.clone(),
            transaction_amount: in_crypto(request.amount),
            transaction_refund_fee: in_crypto(fee),
            currency: invoice.currency.clone(),
            last_refund_notification: None,
            notification_url: invoice.notification_url.clone(),
            refund_fee: Some(fee),
            immediate: Some(request.immediate.unwrap_or(false)),
            buyer_pays_refund_fee: Some(buyer_pays),
            request_date: Some(ctx.iso()),
            refund_email: email,
            token: None,
        };
        self.refunds.push(RefundRecord {
            refund,
            declined_invoice: false,
            last_event: None,
        });
        let index = self.refunds.len() - 1;
        if !preview {
            self.refund_created(ctx, index);
        }
        Ok(self.refund_for(caller, index))
    }

    /// A refund is confirmed: its invoice is declined if it was not complete, and
    /// `refund_created` is notified.
    fn refund_created(&mut self, ctx: &Ctx<'_>, index: usize) {
        let invoice_id = self.refunds[index].refund.invoice.clone();
        if let Some(invoice_index) = self
            .invoices
            .iter()
            .position(|r| r.invoice.id == invoice_id)
            && matches!(
                self.invoices[invoice_index].invoice.status,
                InvoiceStatus::Paid | InvoiceStatus::Confirmed
            )
        {
            self.refunds[index].declined_invoice = true;
            self.set_invoice_status(
                ctx,
                invoice_index,
                InvoiceStatus::Declined,
                InvoiceEventName::Declined,
            );
        }
        self.notify_refund(ctx, index, RefundEventName::Created);
    }

    fn notify_refund(&mut self, ctx: &Ctx<'_>, index: usize, event: RefundEventName) {
        let record = &mut self.refunds[index];
        record.refund.last_refund_notification = Some(ctx.iso());
        record.last_event = Some(event.clone());
        let Some(url) = record.refund.notification_url.clone() else {
            return;
        };
        let payload = RefundWebhook {
            event: RefundEvent {
                code: event_code(&event),
                name: event,
            },
            data: record.refund.clone(),
        };
        self.outgoing
            .push(Outgoing::new(Callback::RefundWebhook, &url, &payload));
    }

    pub(crate) fn update_refund(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        by: By<'_>,
        request: UpdateRefundRequest,
    ) -> Result<Refund, ProviderError> {
        let index = self.find_refund(ctx, by)?;
        let current = &self.refunds[index].refund.status;
        if !(*current == RefundStatus::Preview && request.status == RefundStatus::Created) {
            return Err(ctx.errors.invalid(
                ctx.method,
                Family::Refund,
                format!(
                    "a {} refund cannot become {}; only a preview can be updated, to created",
                    current.as_str(),
                    request.status.as_str()
                ),
            ));
        }
        self.refunds[index].refund.status = RefundStatus::Created;
        self.refund_created(ctx, index);
        Ok(self.refund_for(caller, index))
    }

    pub(crate) fn get_refund(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        by: By<'_>,
    ) -> Result<Refund, ProviderError> {
        let index = self.find_refund(ctx, by)?;
        Ok(self.refund_for(caller, index))
    }

    pub(crate) fn list_refunds(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        query: RefundsQuery,
    ) -> Result<Vec<Refund>, ProviderError> {
        self.find_invoice(ctx, InvoiceBy::Id(&query.invoice_id))?;
        let indices: Vec<usize> = (0..self.refunds.len())
            .filter(|i| self.refunds[*i].refund.invoice == query.invoice_id)
            .collect();
        Ok(indices
            .into_iter()
            .map(|i| self.refund_for(caller, i))
            .collect())
    }

    /// Cancels a refund not yet pending, unless it declined its invoice.
    pub(crate) fn cancel_refund(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        by: By<'_>,
    ) -> Result<Refund, ProviderError> {
        let index = self.find_refund(ctx, by)?;
        let record = &self.refunds[index];
        let invalid = |problem: String| ctx.errors.invalid(ctx.method, Family::Refund, problem);
        if !matches!(
            record.refund.status,
            RefundStatus::Preview | RefundStatus::Created
        ) {
            return Err(invalid(format!(
                "a {} refund cannot be cancelled",
                record.refund.status.as_str()
            )));
        }
        if record.declined_invoice {
            return Err(invalid(
                "the refund declined its invoice and cannot be cancelled".into(),
            ));
        }
        // Sent as `canceled` (erratum refund-canceled-spelling).
        self.refunds[index].refund.status = RefundStatus::Canceled;
        Ok(self.refund_for(caller, index))
    }

    pub(crate) fn resend_refund_notification(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
    ) -> Result<Value, ProviderError> {
        let index = self.find_refund(ctx, By::Id(id))?;
        let record = &self.refunds[index];
        if record.refund.notification_url.is_none() {
            return Err(ctx.errors.invalid(
                ctx.method,
                Family::Refund,
                "the refund's invoice has no notificationURL",
            ));
        }
        let event = record
            .last_event
            .clone()
            .unwrap_or(RefundEventName::Created);
        self.notify_refund(ctx, index, event);
        Ok(super::success())
    }

    /// Control: the refund moves on (`created` → `pending` → `success` | `failure`).
    pub(crate) fn set_refund_status(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
        status: RefundStatus,
    ) -> Result<Refund, ControlError> {
        let index = self
            .refunds
            .iter()
            .position(|r| r.refund.id == id)
            .ok_or_else(|| ControlError::NotFound(format!("no refund {id}")))?;
        let current = self.refunds[index].refund.status.clone();
        let event = match (&current, &status) {
            (RefundStatus::Created, RefundStatus::Pending) => RefundEventName::Pending,
            (RefundStatus::Pending, RefundStatus::Success) => RefundEventName::Success,
            (RefundStatus::Pending, RefundStatus::Failure) => RefundEventName::Failure,
            _ => {
                return Err(ControlError::Conflict(format!(
                    "a {} refund cannot become {}",
                    current.as_str(),
                    status.as_str()
                )));
            }
        };
        let refund = &mut self.refunds[index].refund;
        refund.status = status.clone();
        match status {
            RefundStatus::Pending => {
                refund.refund_address = Some(crate::bitcoin::new_testnet_address());
            }
            RefundStatus::Success => {
                refund.txid = Some(crate::bitcoin::new_txid());
                let refund = refund.clone();
                self.debit_refund(ctx, &refund);
                if let Some(invoice_index) = self
                    .invoices
                    .iter()
                    .position(|r| r.invoice.id == refund.invoice)
                {
                    self.notify_invoice(ctx, invoice_index, InvoiceEventName::RefundComplete);
                }
            }
            _ => {}
        }
        self.notify_refund(ctx, index, event);
        Ok(self.refunds[index].refund.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_is_a_percent_with_a_floor() {
        assert_eq!(refund_fee(Decimal::from(10)), Decimal::new(10, 2));
        assert_eq!(refund_fee(Decimal::new(5, 1)), Decimal::new(1, 2));
    }
}
