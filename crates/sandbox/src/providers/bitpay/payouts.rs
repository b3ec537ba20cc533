//! Payout recipients and payouts. An invited recipient signs up, is verified and
//! becomes `active` (test controls); only an active recipient is paid. A payout is
//! `new` until funded at a cutoff, then `processing` and `complete` (test controls),
//! and can be cancelled only while `new`. Each change is notified: recipients to
//! their `notificationURL` (or the account's), payouts likewise.

use rust_decimal::Decimal;
use serde_json::Value;

use super::access::ResourceKind;
use super::catalog;
use super::errors::Family;
use super::ids;
use super::invoices::{day_window, page};
use super::models::{
    CreatePayoutGroupRequest, CreatePayoutRequest, InviteRecipientsRequest, Payout, PayoutEvent,
    PayoutEventName, PayoutGroup, PayoutGroupFailure, PayoutStatus, PayoutTransaction,
    PayoutWebhook, PayoutsQuery, Recipient, RecipientEvent, RecipientEventName, RecipientStatus,
    RecipientWebhook, RecipientsQuery, UpdateRecipientRequest,
};
use super::notify::{Callback, Outgoing};
use super::{Ctx, State};
use crate::capability::Caller;
use crate::clock::unix_millis;
use crate::error::ControlError;
use crate::respond::ProviderError;

/// At most this many recipients per invitation call (documented).
const MAX_INVITES: usize = 1000;

fn recipient_event(status: &RecipientStatus) -> Option<(i64, RecipientEventName)> {
    Some(match status {
        RecipientStatus::Invited => (4001, RecipientEventName::Invited),
        RecipientStatus::Unverified => (4002, RecipientEventName::Unverified),
        RecipientStatus::Verified => (4003, RecipientEventName::Verified),
        RecipientStatus::Active => (4004, RecipientEventName::Active),
        RecipientStatus::Paused => (4005, RecipientEventName::Paused),
        RecipientStatus::Removed => (4006, RecipientEventName::Removed),
        RecipientStatus::Unknown(_) => return None,
    })
}

fn payout_event(status: &PayoutStatus) -> Option<(i64, PayoutEventName)> {
    Some(match status {
        PayoutStatus::Funded => (5001, PayoutEventName::Funded),
        PayoutStatus::Processing => (5002, PayoutEventName::Processing),
        PayoutStatus::Complete => (5003, PayoutEventName::Completed),
        PayoutStatus::Cancelled => (5004, PayoutEventName::Cancelled),
        _ => return None,
    })
}

impl State {
    fn find_recipient(&self, ctx: &Ctx<'_>, id: &str) -> Result<usize, ProviderError> {
        self.recipients
            .iter()
            .position(|r| r.id == id && r.status != RecipientStatus::Removed)
            .ok_or_else(|| ctx.errors.not_found(ctx.method, Family::Generic))
    }

    fn recipient_for(&mut self, caller: &Caller, index: usize) -> Recipient {
        let mut recipient = self.recipients[index].clone();
        recipient.token = Some(self.resources.issue(
            ResourceKind::Recipient,
            &recipient.id,
            caller,
        ));
        recipient
    }

    fn notify_recipient(&mut self, ctx: &Ctx<'_>, index: usize, event: (i64, RecipientEventName)) {
        let recipient = &self.recipients[index];
        let Some(url) = recipient
            .notification_url
            .clone()
            .or_else(|| ctx.config.recipient_notification_url.clone())
        else {
            return;
        };
        let mut data = recipient.clone();
        data.token = None;
        let payload = RecipientWebhook {
            event: RecipientEvent {
                code: event.0,
                name: event.1,
            },
            data,
        };
        self.outgoing
            .push(Outgoing::new(Callback::RecipientWebhook, &url, &payload));
    }

    pub(crate) fn invite_recipients(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        request: InviteRecipientsRequest,
    ) -> Result<Vec<Recipient>, ProviderError> {
        let invalid = |problem: String| ctx.errors.invalid(ctx.method, Family::Generic, problem);
        if request.recipients.is_empty() || request.recipients.len() > MAX_INVITES {
            return Err(invalid(format!(
                "invite between 1 and {MAX_INVITES} recipients at a time"
            )));
        }
        if let Some(bad) = request.recipients.iter().find(|r| !r.email.contains('@')) {
            return Err(invalid(format!("`{}` is not an email address", bad.email)));
        }
        let mut invited = Vec::with_capacity(request.recipients.len());
        for invite in request.recipients {
            self.recipients.push(Recipient {
                email: Some(invite.email),
                label: invite.label,
                notification_url: invite.notification_url,
                status: RecipientStatus::Invited,
                id: ids::resource_id(),
                shopper_id: None,
                token: None,
                guid: request.guid.clone(),
            });
            let index = self.recipients.len() - 1;
            if let Some(event) = recipient_event(&RecipientStatus::Invited) {
                self.notify_recipient(ctx, index, event);
            }
            invited.push(self.recipient_for(caller, index));
        }
        Ok(invited)
    }

    pub(crate) fn get_recipient(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        id: &str,
    ) -> Result<Recipient, ProviderError> {
        let index = self.find_recipient(ctx, id)?;
        Ok(self.recipient_for(caller, index))
    }

    pub(crate) fn update_recipient(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        id: &str,
        request: UpdateRecipientRequest,
    ) -> Result<Recipient, ProviderError> {
        let index = self.find_recipient(ctx, id)?;
        let recipient = &mut self.recipients[index];
        if let Some(label) = request.label {
            recipient.label = Some(label);
        }
        if let Some(url) = request.notification_url {
            recipient.notification_url = Some(url);
        }
        Ok(self.recipient_for(caller, index))
    }

    pub(crate) fn delete_recipient(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
    ) -> Result<Value, ProviderError> {
        let index = self.find_recipient(ctx, id)?;
        self.recipients[index].status = RecipientStatus::Removed;
        if let Some(event) = recipient_event(&RecipientStatus::Removed) {
            self.notify_recipient(ctx, index, event);
        }
        Ok(super::success())
    }

    pub(crate) fn list_recipients(
        &mut self,
        _ctx: &Ctx<'_>,
        caller: &Caller,
        query: RecipientsQuery,
    ) -> Result<Vec<Recipient>, ProviderError> {
        let matching: Vec<usize> = (0..self.recipients.len())
            .rev()
            .filter(|i| {
                let status = &self.recipients[*i].status;
                match &query.status {
                    Some(wanted) => wanted == status,
                    None => *status != RecipientStatus::Removed,
                }
            })
            .collect();
        Ok(page(matching, query.limit, query.offset)
            .into_iter()
            .map(|i| self.recipient_for(caller, i))
            .collect())
    }

    pub(crate) fn resend_recipient_notification(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
    ) -> Result<Value, ProviderError> {
        let index = self.find_recipient(ctx, id)?;
        self.notify_recipient(ctx, index, (4007, RecipientEventName::ManuallyNotified));
        Ok(super::success())
    }

    /// Control: the recipient moves on (signs up, is verified, becomes active, …).
    pub(crate) fn set_recipient_status(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
        status: RecipientStatus,
    ) -> Result<Recipient, ControlError> {
        let index = self
            .recipients
            .iter()
            .position(|r| r.id == id)
            .ok_or_else(|| ControlError::NotFound(format!("no recipient {id}")))?;
        let event = recipient_event(&status).ok_or_else(|| {
            ControlError::Invalid(format!("`{}` is not a recipient status", status.as_str()))
        })?;
        let recipient = &mut self.recipients[index];
        if recipient.status == RecipientStatus::Removed {
            return Err(ControlError::Conflict(format!(
                "recipient {id} was removed"
            )));
        }
        if recipient.shopper_id.is_none() && status != RecipientStatus::Invited {
            recipient.shopper_id = Some(ids::resource_id());
        }
        recipient.status = status;
        self.notify_recipient(ctx, index, event);
        Ok(self.recipients[index].clone())
    }

    fn find_payout(&self, ctx: &Ctx<'_>, id: &str) -> Result<usize, ProviderError> {
        self.payouts
            .iter()
            .position(|p| p.id == id)
            .ok_or_else(|| ctx.errors.not_found(ctx.method, Family::Generic))
    }

    fn payout_for(&mut self, caller: &Caller, index: usize) -> Payout {
        let mut payout = self.payouts[index].clone();
        payout.token = Some(
            self.resources
                .issue(ResourceKind::Payout, &payout.id, caller),
        );
        payout
    }

    fn notify_payout(&mut self, ctx: &Ctx<'_>, index: usize, event: (i64, PayoutEventName)) {
        let payout = &self.payouts[index];
        let Some(url) = payout
            .notification_url
            .clone()
            .or_else(|| ctx.config.payout_notification_url.clone())
        else {
            return;
        };
        let mut data = payout.clone();
        data.token = None;
        let payload = PayoutWebhook {
            event: PayoutEvent {
                code: event.0,
                name: event.1,
            },
            data,
        };
        self.outgoing
            .push(Outgoing::new(Callback::PayoutWebhook, &url, &payload));
    }

    /// A payout to an active recipient (by id, email or BitPay account), at least the
    /// minimum, in a known currency and ledger; the reason when it cannot be made.
    fn new_payout(
        &self,
        ctx: &Ctx<'_>,
        request: CreatePayoutRequest,
        group: Option<&str>,
    ) -> Result<Payout, String> {
        let currency = catalog::canonical(&request.currency)
            .ok_or_else(|| format!("currency `{}` is not supported", request.currency))?;
        let ledger = catalog::canonical(&request.ledger_currency)
            .ok_or_else(|| format!("ledger `{}` is not supported", request.ledger_currency))?;
        let usd = catalog::convert(request.amount, currency, "USD", 2).unwrap_or_default();
        if usd < ctx.config.payout_minimum_usd {
            return Err(format!(
                "the amount is below the minimum of {} USD",
                ctx.config.payout_minimum_usd
            ));
        }
        let recipient = self
            .recipients
            .iter()
            .find(|r| {
                request.recipient_id.as_ref().is_some_and(|id| *id == r.id)
                    || request
                        .email
                        .as_ref()
                        .is_some_and(|e| r.email.as_ref() == Some(e))
                    || request
                        .shopper_id
                        .as_ref()
                        .is_some_and(|s| r.shopper_id.as_ref() == Some(s))
            })
            .ok_or("no recipient with this recipientId, email or shopperId")?;
        if recipient.status != RecipientStatus::Active {
            return Err(format!(
                "recipient {} is {}, not active",
                recipient.id,
                recipient.status.as_str()
            ));
        }
        let rates = catalog::rates(currency)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.code == ledger)
            .map(|r| (r.code, r.rate))
            .collect();
        Ok(Payout {
            id: ids::resource_id(),
            recipient_id: Some(recipient.id.clone()),
            account_id: Some("sandbox".into()),
            shopper_id: recipient.shopper_id.clone(),
            amount: request.amount,
            currency: currency.to_owned(),
            ledger_currency: Some(ledger.to_owned()),
            exchange_rates: Some([(currency.to_owned(), rates)].into()),
            email: recipient.email.clone(),
            reference: request.reference,
            label: request.label.or_else(|| recipient.label.clone()),
            notification_url: request.notification_url,
            notification_email: request.notification_email,
            effective_date: Some(request.effective_date.unwrap_or_else(|| ctx.iso())),
            request_date: Some(ctx.iso()),
            date_executed: None,
            status: PayoutStatus::New,
            group_id: group.map(str::to_owned),
            transactions: Some(Vec::new()),
            token: None,
        })
    }

    pub(crate) fn create_payout(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        request: CreatePayoutRequest,
    ) -> Result<Payout, ProviderError> {
        let payout = self
            .new_payout(ctx, request, None)
            .map_err(|why| ctx.errors.invalid(ctx.method, Family::Generic, why))?;
        self.payouts.push(payout);
        Ok(self.payout_for(caller, self.payouts.len() - 1))
    }

    pub(crate) fn create_payout_group(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        request: CreatePayoutGroupRequest,
    ) -> Result<PayoutGroup, ProviderError> {
        if request.instructions.is_empty() {
            return Err(ctx.errors.invalid(
                ctx.method,
                Family::Generic,
                "a group needs instructions",
            ));
        }
        let group = ids::resource_id();
        let mut created = Vec::new();
        let mut failed = Vec::new();
        for instruction in request.instructions {
            let payee = instruction
                .recipient_id
                .clone()
                .or_else(|| instruction.email.clone())
                .or_else(|| instruction.shopper_id.clone());
            match self.new_payout(ctx, instruction, Some(&group)) {
                Ok(payout) => {
                    self.payouts.push(payout);
                    created.push(self.payout_for(caller, self.payouts.len() - 1));
                }
                Err(why) => failed.push(PayoutGroupFailure {
                    err_message: why,
                    payout_id: None,
                    payee,
                }),
            }
        }
        Ok(PayoutGroup {
            created: Some(created),
            cancelled: None,
            failed: Some(failed),
        })
    }

    pub(crate) fn get_payout(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        id: &str,
    ) -> Result<Payout, ProviderError> {
        let index = self.find_payout(ctx, id)?;
        Ok(self.payout_for(caller, index))
    }

    pub(crate) fn list_payouts(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        query: PayoutsQuery,
    ) -> Result<Vec<Payout>, ProviderError> {
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
        let requested_ms = |p: &Payout| {
            p.request_date
                .as_deref()
                .and_then(|d| humantime::parse_rfc3339(d).ok())
                .map_or(0, unix_millis)
        };
        let matching: Vec<usize> = (0..self.payouts.len())
            .rev()
            .filter(|i| {
                let p = &self.payouts[*i];
                window.is_none_or(|(start, end)| (start..=end).contains(&requested_ms(p)))
                    && query.status.as_ref().is_none_or(|s| *s == p.status)
                    && query
                        .reference
                        .as_ref()
                        .is_none_or(|r| p.reference.as_ref() == Some(r))
                    && query
                        .group_id
                        .as_ref()
                        .is_none_or(|g| p.group_id.as_ref() == Some(g))
            })
            .collect();
        Ok(page(matching, query.limit, query.offset)
            .into_iter()
            .map(|i| self.payout_for(caller, i))
            .collect())
    }

    /// Cancels payout `index` if it is still `new`; the reason otherwise.
    fn cancel(&mut self, ctx: &Ctx<'_>, index: usize) -> Result<(), String> {
        let payout = &mut self.payouts[index];
        if payout.status != PayoutStatus::New {
            return Err(format!(
                "payout {} is {}; only a new payout can be cancelled",
                payout.id,
                payout.status.as_str()
            ));
        }
        payout.status = PayoutStatus::Cancelled;
        if let Some(event) = payout_event(&PayoutStatus::Cancelled) {
            self.notify_payout(ctx, index, event);
        }
        Ok(())
    }

    pub(crate) fn cancel_payout(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
    ) -> Result<Value, ProviderError> {
        let index = self.find_payout(ctx, id)?;
        self.cancel(ctx, index)
            .map_err(|why| ctx.errors.invalid(ctx.method, Family::Generic, why))?;
        Ok(super::success())
    }

    pub(crate) fn cancel_payout_group(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        group: &str,
    ) -> Result<PayoutGroup, ProviderError> {
        let members: Vec<usize> = (0..self.payouts.len())
            .filter(|i| self.payouts[*i].group_id.as_deref() == Some(group))
            .collect();
        if members.is_empty() {
            return Err(ctx.errors.not_found(ctx.method, Family::Generic));
        }
        let mut cancelled = Vec::new();
        let mut failed = Vec::new();
        for index in members {
            match self.cancel(ctx, index) {
                Ok(()) => cancelled.push(self.payout_for(caller, index)),
                Err(why) => failed.push(PayoutGroupFailure {
                    err_message: why,
                    payout_id: Some(self.payouts[index].id.clone()),
                    payee: self.payouts[index].recipient_id.clone(),
                }),
            }
        }
        Ok(PayoutGroup {
            created: None,
            cancelled: Some(cancelled),
            failed: Some(failed),
        })
    }

    pub(crate) fn resend_payout_notification(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
    ) -> Result<Value, ProviderError> {
        let index = self.find_payout(ctx, id)?;
        self.notify_payout(ctx, index, (5005, PayoutEventName::ManuallyNotified));
        Ok(super::success())
    }

    /// Control: the payout moves on (`new` → `funded` → `processing` → `complete`,
    /// or `failed`); completing it sends the coins and debits the ledger.
    pub(crate) fn set_payout_status(
        &mut self,
        ctx: &Ctx<'_>,
        id: &str,
        status: PayoutStatus,
    ) -> Result<Payout, ControlError> {
        let index = self
            .payouts
            .iter()
            .position(|p| p.id == id)
            .ok_or_else(|| ControlError::NotFound(format!("no payout {id}")))?;
        let current = self.payouts[index].status.clone();
        let allowed = matches!(
            (&current, &status),
            (PayoutStatus::New, PayoutStatus::Funded)
                | (PayoutStatus::Funded, PayoutStatus::Processing)
                | (PayoutStatus::Processing, PayoutStatus::Complete)
                | (
                    PayoutStatus::Funded | PayoutStatus::Processing,
                    PayoutStatus::Failed
                )
        );
        if !allowed {
            return Err(ControlError::Conflict(format!(
                "a {} payout cannot become {}",
                current.as_str(),
                status.as_str()
            )));
        }
        let payout = &mut self.payouts[index];
        payout.status = status.clone();
        if status == PayoutStatus::Processing {
            payout.date_executed = Some(ctx.iso());
            let in_btc = catalog::convert(payout.amount, &payout.currency, "BTC", 8)
                .unwrap_or(Decimal::ZERO);
            payout.transactions = Some(vec![PayoutTransaction {
                txid: Some(crate::bitcoin::new_txid()),
                amount: in_btc,
                date: Some(ctx.iso()),
                confirmations: Some(0),
            }]);
        }
        if status == PayoutStatus::Complete {
            for transaction in payout.transactions.iter_mut().flatten() {
                transaction.confirmations = Some(6);
            }
            let payout = payout.clone();
            self.debit_payout(ctx, &payout);
        }
        if let Some(event) = payout_event(&status) {
            self.notify_payout(ctx, index, event);
        }
        Ok(self.payouts[index].clone())
    }
}
