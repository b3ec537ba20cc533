//! What each BitPay endpoint does: the call, parsed into its request model, applied
//! to the merchant's state; bad input refused with the resource's coded errors.

use serde::Serialize;

use super::errors::Family;
use super::{Ctx, State, catalog, invoices, models, refunds};
use crate::capability::{Caller, PUBLIC_FACADE};
use crate::providers::{ApiRequest, Handled};
use crate::respond::{ProviderError, Rejection};

/// Every endpoint of the spec.
pub(super) const ENDPOINTS: &[&str] = &[
    "request_token",
    "claim_pairing_code",
    "list_tokens",
    "create_invoice",
    "update_invoice",
    "get_invoice",
    "get_invoice_by_guid",
    "list_invoices",
    "get_invoice_event_token",
    "cancel_invoice",
    "cancel_invoice_by_guid",
    "request_invoice_notification",
    "create_refund",
    "update_refund",
    "update_refund_by_guid",
    "get_refund",
    "get_refund_by_guid",
    "list_refunds",
    "cancel_refund",
    "cancel_refund_by_guid",
    "request_refund_notification",
    "list_settlements",
    "get_settlement",
    "get_reconciliation_report",
    "list_ledgers",
    "list_ledger_entries",
    "invite_recipients",
    "get_recipient",
    "update_recipient",
    "delete_recipient",
    "list_recipients",
    "request_recipient_notification",
    "create_payout",
    "create_payout_group",
    "get_payout",
    "list_payouts",
    "cancel_payout",
    "cancel_payout_group",
    "request_payout_notification",
    "create_bill",
    "get_bill",
    "update_bill",
    "list_bills",
    "deliver_bill",
    "get_rates",
    "get_rates_for_base",
    "get_rate",
    "list_currencies",
    "list_supported_wallets",
];

impl State {
    pub(super) fn handle(&mut self, ctx: &Ctx<'_>, request: &ApiRequest<'_>) -> Handled {
        let public = Caller {
            facade: PUBLIC_FACADE.to_owned(),
            token: None,
            sin: None,
        };
        let caller = request.caller.as_ref().unwrap_or(&public);
        let p = |name: &str| request.path_param(name);
        let family = family_of(request.endpoint);
        let parse = |family: Family| {
            let errors = ctx.errors;
            move |problem: String| errors.bad_input(ctx.method, family, problem)
        };
        macro_rules! body {
            () => {
                request.model().map_err(parse(family))?
            };
        }
        match request.endpoint {
            // Tokens
            "request_token" => data(&self.request_token(ctx, body!())?),
            "claim_pairing_code" => data(&self.claim_pairing_code(ctx, body!())?),
            "list_tokens" => data(&self.list_tokens(caller)),
            // Invoices
            "create_invoice" => data(&self.create_invoice(ctx, caller, body!())?),
            "update_invoice" => {
                data(&self.update_invoice(ctx, caller, p("invoiceId")?, body!())?)
            }
            "get_invoice" => {
                data(&self.get_invoice(ctx, caller, invoices::By::Id(p("invoiceId")?))?)
            }
            "get_invoice_by_guid" => {
                data(&self.get_invoice(ctx, caller, invoices::By::Guid(p("guid")?))?)
            }
            "list_invoices" => data(&self.list_invoices(ctx, caller, body!())?),
            "get_invoice_event_token" => data(&self.invoice_event_token(ctx, p("invoiceId")?)?),
            "cancel_invoice" => data(&self.cancel_invoice(
                ctx,
                caller,
                invoices::By::Id(p("invoiceId")?),
                body!(),
            )?),
            "cancel_invoice_by_guid" => {
                data(&self.cancel_invoice(ctx, caller, invoices::By::Guid(p("guid")?), body!())?)
            }
            "request_invoice_notification" => {
                data(&self.resend_invoice_notification(ctx, p("invoiceId")?)?)
            }
            // Refunds
            "create_refund" => data(&self.create_refund(ctx, caller, body!())?),
            "update_refund" => {
                data(&self.update_refund(ctx, caller, refunds::By::Id(p("refundId")?), body!())?)
            }
            "update_refund_by_guid" => {
                data(&self.update_refund(ctx, caller, refunds::By::Guid(p("guid")?), body!())?)
            }
            "get_refund" => data(&self.get_refund(ctx, caller, refunds::By::Id(p("refundId")?))?),
            "get_refund_by_guid" => {
                data(&self.get_refund(ctx, caller, refunds::By::Guid(p("guid")?))?)
            }
            "list_refunds" => data(&self.list_refunds(ctx, caller, body!())?),
            "cancel_refund" => {
                data(&self.cancel_refund(ctx, caller, refunds::By::Id(p("refundId")?))?)
            }
            "cancel_refund_by_guid" => {
                data(&self.cancel_refund(ctx, caller, refunds::By::Guid(p("guid")?))?)
            }
            "request_refund_notification" => {
                data(&self.resend_refund_notification(ctx, p("refundId")?)?)
            }
            // Settlements and ledgers
            "list_settlements" => data(&self.list_settlements(ctx, caller, body!())?),
            "get_settlement" => {
                data(&self.get_settlement(ctx, caller, p("settlementId")?, false)?)
            }
            "get_reconciliation_report" => {
                data(&self.get_settlement(ctx, caller, p("settlementId")?, true)?)
            }
            "list_ledgers" => data(&self.list_ledgers(ctx)),
            "list_ledger_entries" => {
                data(&self.list_ledger_entries(ctx, p("currency")?, body!())?)
            }
            // Recipients and payouts
            "invite_recipients" => data(&self.invite_recipients(ctx, caller, body!())?),
            "get_recipient" => data(&self.get_recipient(ctx, caller, p("recipientId")?)?),
            "update_recipient" => {
                data(&self.update_recipient(ctx, caller, p("recipientId")?, body!())?)
            }
            "delete_recipient" => data(&self.delete_recipient(ctx, p("recipientId")?)?),
            "list_recipients" => data(&self.list_recipients(ctx, caller, body!())?),
            "request_recipient_notification" => {
                data(&self.resend_recipient_notification(ctx, p("recipientId")?)?)
            }
            "create_payout" => data(&self.create_payout(ctx, caller, body!())?),
            "create_payout_group" => data(&self.create_payout_group(ctx, caller, body!())?),
            "get_payout" => data(&self.get_payout(ctx, caller, p("payoutId")?)?),
            "list_payouts" => data(&self.list_payouts(ctx, caller, body!())?),
            "cancel_payout" => data(&self.cancel_payout(ctx, p("payoutId")?)?),
            "cancel_payout_group" => data(&self.cancel_payout_group(ctx, caller, p("groupId")?)?),
            "request_payout_notification" => {
                data(&self.resend_payout_notification(ctx, p("payoutId")?)?)
            }
            // Bills
            "create_bill" => data(&self.create_bill(ctx, caller, body!())?),
            "get_bill" => data(&self.get_bill(ctx, caller, p("billId")?)?),
            "update_bill" => data(&self.update_bill(ctx, caller, p("billId")?, body!())?),
            "list_bills" => data(&self.list_bills(ctx, caller, body!())?),
            "deliver_bill" => data(&self.deliver_bill(ctx, p("billId")?)?),
            // The market
            "get_rates" => data(&rates(ctx, "BTC")?),
            "get_rates_for_base" => data(&rates(ctx, p("baseCurrency")?)?),
            "get_rate" => data(&rate(ctx, p("baseCurrency")?, p("currency")?)?),
            "list_currencies" => data(&catalog::currencies()),
            "list_supported_wallets" => data(&catalog::wallets()),
            other => Err(crate::providers::unhandled(other)),
        }
    }
}

/// Whose parameter errors an endpoint's bad input is.
fn family_of(endpoint: &str) -> Family {
    if endpoint.contains("invoice") {
        Family::Invoice
    } else if endpoint.contains("refund") {
        Family::Refund
    } else {
        Family::Generic
    }
}

fn data<T: Serialize>(value: &T) -> Handled {
    crate::providers::data(value)
}

fn rates(ctx: &Ctx<'_>, base: &str) -> Result<Vec<models::Rate>, ProviderError> {
    catalog::rates(base).ok_or_else(|| {
        ctx.errors.detailed(
            ctx.method,
            "ResourceNotFound",
            Rejection::NotFound,
            format!("no rates for `{base}`"),
        )
    })
}

fn rate(ctx: &Ctx<'_>, base: &str, currency: &str) -> Result<models::Rate, ProviderError> {
    rates(ctx, base)?
        .into_iter()
        .find(|r| r.code.eq_ignore_ascii_case(currency))
        .ok_or_else(|| {
            ctx.errors.detailed(
                ctx.method,
                "ResourceNotFound",
                Rejection::NotFound,
                format!("no rate for `{base}/{currency}`"),
            )
        })
}
