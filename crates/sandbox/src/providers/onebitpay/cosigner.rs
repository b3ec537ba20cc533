//! The MPC co-signer: a queue of transactions waiting for the merchant's decision
//! (seeded by the test controls), read page by page, drained by approve or reject;
//! and fund collections. The RSA `data` of approve and collect is checked before a
//! request gets here (the spec's `body_signature`).

use std::time::SystemTime;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::invalid;
use super::models::{
    ApproveRequest, CollectRequest, IsMain, PendingListRequest, PendingPage, PendingSignature,
    SignStatus,
};
use crate::clock::unix_millis;
use crate::providers::ApiRequest;
use crate::respond::ProviderError;

/// Largest page the sandbox serves.
const MAX_PAGE_SIZE: i64 = 100;

/// A transaction to add to the queue (the id is assigned).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPending {
    pub from_address: String,
    pub to_address: String,
    pub amount: Decimal,
    pub chain_id: String,
}

/// The merchant's decision on one queued transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub pending: PendingSignature,
    pub status: SignStatus,
    pub at_millis: u64,
}

/// One fund collection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    pub is_main: IsMain,
    pub at_millis: u64,
}

#[derive(Default)]
pub(crate) struct CoSigner {
    queue: Vec<PendingSignature>,
    added: i64,
    decisions: Vec<Decision>,
    collections: Vec<Collection>,
}

impl CoSigner {
    pub fn add(&mut self, pending: NewPending) -> PendingSignature {
        self.added += 1;
        let entry = PendingSignature {
            id: self.added,
            from_address: pending.from_address,
            to_address: pending.to_address,
            amount: pending.amount,
            chain_id: pending.chain_id,
        };
        self.queue.push(entry.clone());
        entry
    }

    pub fn queue(&self) -> Vec<PendingSignature> {
        self.queue.clone()
    }

    pub fn decisions(&self) -> Vec<Decision> {
        self.decisions.clone()
    }

    pub fn collections(&self) -> Vec<Collection> {
        self.collections.clone()
    }

    /// Page `pageNum` (from 1) of `pageSize` entries, oldest first.
    pub fn page(&self, request: &ApiRequest<'_>) -> Result<PendingPage, ProviderError> {
        let request: PendingListRequest = request.model().map_err(invalid)?;
        if request.page_num < 1 {
            return Err(ProviderError::bad_request("pageNum must be 1 or more"));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&request.page_size) {
            return Err(ProviderError::bad_request(format!(
                "pageSize must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        let size = request.page_size as usize;
        let skip = usize::try_from(request.page_num - 1)
            .ok()
            .and_then(|pages| pages.checked_mul(size))
            .unwrap_or(usize::MAX);
        Ok(PendingPage {
            total: self.queue.len() as i64,
            list: self.queue.iter().skip(skip).take(size).cloned().collect(),
        })
    }

    /// Approves or rejects a queued transaction; the fields the request repeats must
    /// be the queued ones (they are what the RSA signature covered).
    pub fn approve(
        &mut self,
        request: &ApiRequest<'_>,
        now: SystemTime,
    ) -> Result<(), ProviderError> {
        let request: ApproveRequest = request.model().map_err(invalid)?;
        let position = self
            .queue
            .iter()
            .position(|p| p.id == request.id)
            .ok_or_else(|| {
                ProviderError::not_found(format!("pending signature {} not found", request.id))
            })?;
        let queued = &self.queue[position];
        let differs = |field: &str, matches: bool| {
            (!matches).then(|| {
                ProviderError::bad_request(format!(
                    "`{field}` does not match pending signature {}",
                    queued.id
                ))
            })
        };
        let mismatch = differs(
            "from",
            request
                .from_address
                .as_ref()
                .is_none_or(|v| *v == queued.from_address),
        )
        .or_else(|| {
            differs(
                "to",
                request
                    .to_address
                    .as_ref()
                    .is_none_or(|v| *v == queued.to_address),
            )
        })
        .or_else(|| differs("value", request.value.is_none_or(|v| v == queued.amount)))
        .or_else(|| {
            differs(
                "chainId",
                request
                    .chain_id
                    .as_ref()
                    .is_none_or(|v| *v == queued.chain_id),
            )
        });
        if let Some(error) = mismatch {
            return Err(error);
        }
        let pending = self.queue.remove(position);
        self.decisions.push(Decision {
            pending,
            status: request.status,
            at_millis: unix_millis(now),
        });
        Ok(())
    }

    pub fn collect(
        &mut self,
        request: &ApiRequest<'_>,
        now: SystemTime,
    ) -> Result<(), ProviderError> {
        let request: CollectRequest = request.model().map_err(invalid)?;
        self.collections.push(Collection {
            is_main: request.is_main,
            at_millis: unix_millis(now),
        });
        Ok(())
    }
}
