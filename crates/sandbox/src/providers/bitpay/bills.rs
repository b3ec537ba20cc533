//! Bills: a `draft` until delivered by email (`sent`); updated with the bill's own
//! resource token, the item list replaced as a whole.

use rust_decimal::Decimal;
use serde_json::Value;

use super::access::ResourceKind;
use super::catalog;
use super::errors::Family;
use super::ids;
use super::models::{Bill, BillItem, BillStatus, BillsQuery, CreateBillRequest, UpdateBillRequest};
use super::{Ctx, State};
use crate::capability::Caller;
use crate::respond::ProviderError;

/// Items with ids, each with a positive price and quantity.
fn checked_items(items: Vec<BillItem>) -> Result<Vec<BillItem>, String> {
    if items.is_empty() {
        return Err("a bill needs at least one item".into());
    }
    items
        .into_iter()
        .map(|mut item| {
            if item.price <= Decimal::ZERO || item.quantity <= Decimal::ZERO {
                return Err(format!(
                    "item `{}` needs a positive price and quantity",
                    item.description
                ));
            }
            item.id.get_or_insert_with(ids::resource_id);
            Ok(item)
        })
        .collect()
}

impl State {
    fn find_bill(&self, ctx: &Ctx<'_>, id: &str) -> Result<usize, ProviderError> {
        self.bills
            .iter()
            .position(|b| b.id == id)
            .ok_or_else(|| ctx.errors.not_found(ctx.method, Family::Generic))
    }

    fn bill_for(&mut self, caller: &Caller, index: usize) -> Bill {
        let mut bill = self.bills[index].clone();
        bill.token = Some(self.resources.issue(ResourceKind::Bill, &bill.id, caller));
        bill
    }

    pub(crate) fn create_bill(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        request: CreateBillRequest,
    ) -> Result<Bill, ProviderError> {
        let invalid = |problem: String| ctx.errors.invalid(ctx.method, Family::Generic, problem);
        let currency = catalog::canonical(&request.currency)
            .ok_or_else(|| invalid(format!("currency `{}` is not supported", request.currency)))?;
        if !request.email.contains('@') {
            return Err(invalid(format!(
                "`{}` is not an email address",
                request.email
            )));
        }
        let items = checked_items(request.items).map_err(invalid)?;
        let id = ids::resource_id();
        self.bills.push(Bill {
            status: Some(BillStatus::Draft),
            url: Some(format!("{}/bill?id={id}", ctx.url)),
            number: request.number,
            created_date: Some(ctx.iso()),
            due_date: request.due_date,
            currency: currency.to_owned(),
            name: request.name,
            address1: request.address1,
            address2: request.address2,
            city: request.city,
            state: request.state,
            zip: request.zip,
            country: request.country,
            email: Some(request.email),
            cc: request.cc,
            phone: request.phone,
            pass_processing_fee: Some(request.pass_processing_fee.unwrap_or(false)),
            email_bill: Some(true),
            id,
            merchant: Some(ctx.config.merchant_name.clone()),
            items: Some(items),
            token: None,
        });
        Ok(self.bill_for(caller, self.bills.len() - 1))
    }

    pub(crate) fn get_bill(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        id: &str,
    ) -> Result<Bill, ProviderError> {
        let index = self.find_bill(ctx, id)?;
        Ok(self.bill_for(caller, index))
    }

    pub(crate) fn update_bill(
        &mut self,
        ctx: &Ctx<'_>,
        caller: &Caller,
        id: &str,
        request: UpdateBillRequest,
    ) -> Result<Bill, ProviderError> {
        let index = self.find_bill(ctx, id)?;
        let invalid = |problem: String| ctx.errors.invalid(ctx.method, Family::Generic, problem);
        if matches!(
            self.bills[index].status,
            Some(BillStatus::Paid | BillStatus::Complete)
        ) {
            return Err(invalid("a paid bill cannot be changed".into()));
        }
        let currency = request
            .currency
            .as_deref()
            .map(|c| {
                catalog::canonical(c)
                    .ok_or_else(|| invalid(format!("currency `{c}` is not supported")))
            })
            .transpose()?;
        let items = request
            .items
            .map(checked_items)
            .transpose()
            .map_err(invalid)?;
        let bill = &mut self.bills[index];
        let replace = |slot: &mut Option<String>, value: Option<String>| {
            if value.is_some() {
                *slot = value;
            }
        };
        replace(&mut bill.number, request.number);
        replace(&mut bill.name, request.name);
        replace(&mut bill.address1, request.address1);
        replace(&mut bill.address2, request.address2);
        replace(&mut bill.city, request.city);
        replace(&mut bill.state, request.state);
        replace(&mut bill.zip, request.zip);
        replace(&mut bill.country, request.country);
        replace(&mut bill.email, request.email);
        replace(&mut bill.phone, request.phone);
        replace(&mut bill.due_date, request.due_date);
        if let Some(currency) = currency {
            bill.currency = currency.to_owned();
        }
        if request.cc.is_some() {
            bill.cc = request.cc;
        }
        if request.pass_processing_fee.is_some() {
            bill.pass_processing_fee = request.pass_processing_fee;
        }
        if items.is_some() {
            bill.items = items;
        }
        Ok(self.bill_for(caller, index))
    }

    pub(crate) fn list_bills(
        &mut self,
        _ctx: &Ctx<'_>,
        caller: &Caller,
        query: BillsQuery,
    ) -> Result<Vec<Bill>, ProviderError> {
        let matching: Vec<usize> = (0..self.bills.len())
            .rev()
            .filter(|i| {
                query
                    .status
                    .as_ref()
                    .is_none_or(|s| self.bills[*i].status.as_ref() == Some(s))
            })
            .collect();
        Ok(matching
            .into_iter()
            .map(|i| self.bill_for(caller, i))
            .collect())
    }

    /// Emails the bill: a draft becomes `sent`.
    pub(crate) fn deliver_bill(&mut self, ctx: &Ctx<'_>, id: &str) -> Result<Value, ProviderError> {
        let index = self.find_bill(ctx, id)?;
        let bill = &mut self.bills[index];
        if bill.status == Some(BillStatus::Draft) {
            bill.status = Some(BillStatus::Sent);
        }
        Ok(super::success())
    }
}
