//! Cases about the adapter as a whole: what it says about itself, what it answers for
//! operations it does not declare, and how it treats a document it cannot read.

use super::{Check, Suite, UNKNOWN_ID, fail, failed_call};
use crate::contract::*;
use crate::{CallError, Operation};

impl Suite {
    /// `describe` matches the manifest, offers something, and answers the same way again
    /// without touching the network.
    pub(super) async fn describe_profile(&mut self) -> Check {
        let p = &self.profile;
        let manifest = &self.adapter.manifest().adapter;
        if p.adapter_version != manifest.version {
            return Err(fail(format!(
                "describe says version {} but the manifest says {}",
                p.adapter_version, manifest.version
            )));
        }
        for (list, name) in [(&p.currencies, "currencies"), (&p.protocols, "protocols")] {
            if list.is_empty() {
                return Err(fail(format!("describe lists no {name}")));
            }
        }
        if p.capabilities == Capabilities::empty() {
            return Err(fail("describe declares no capabilities"));
        }
        let again = self
            .adapter
            .describe()
            .await
            .map_err(|e| failed_call("describe", e))?;
        if &again != p {
            return Err(fail(
                "describe answered differently the second time; it must be constant",
            ));
        }
        let sent: u32 = self
            .log
            .records()
            .iter()
            .filter(|r| r.operation == Operation::Describe)
            .map(|r| r.requests_sent)
            .sum();
        if sent > 0 {
            return Err(fail(format!(
                "describe sent {sent} outbound request(s); it must not call the network"
            )));
        }
        Ok(format!(
            "{} {} ({}), sells in {}",
            p.supplier_id,
            p.adapter_version,
            p.protocols.join(", "),
            p.currencies.join(", ")
        ))
    }

    /// `check-connection` reaches the supplier with the granted credentials, or says there is
    /// nothing to check.
    pub(super) async fn check_connection(&mut self) -> Check {
        match self.adapter.check_connection(&self.ctx()).await {
            Ok(()) => Ok("the supplier answered".to_string()),
            Err(CallError::Commerce(CommerceError::Unsupported(why))) => {
                Err(super::Stop::Skip(why))
            }
            Err(e) => Err(fail(format!(
                "check-connection failed: {e}; the endpoint or the granted credentials do not work"
            ))),
        }
    }

    /// A document that is not one the supplier sends is refused with a typed error.
    pub(super) async fn inbound_garbage(&mut self) -> Check {
        self.requires(Capabilities::INBOUND_DOCUMENTS, "inbound-documents")?;
        let doc = InboundDocument {
            content_type: "application/octet-stream".to_string(),
            headers: vec![("x-mercato-conformance".to_string(), "garbage".to_string())],
            body: b"\x00\xffthis is not a document any supplier sends\x00".to_vec(),
        };
        match self.adapter.handle_inbound(&self.ctx(), &doc).await {
            Ok(result) if result.events.is_empty() && result.reply.is_none() => {
                Ok("ignored: no events, no reply".to_string())
            }
            Ok(result) => Err(fail(format!(
                "a garbage document produced {} event(s); it must be refused",
                result.events.len()
            ))),
            Err(CallError::Commerce(e)) if !matches!(e, CommerceError::Internal(_)) => {
                Ok(format!("refused as `{}`", e.code()))
            }
            Err(e) => Err(failed_call("handle-inbound of a garbage document", e)),
        }
    }

    /// Every operation whose capability is not declared answers `unsupported` when called
    /// anyway (the host never calls it, but a newer host or a mistake might).
    pub(super) async fn undeclared(&mut self) -> Check {
        let undeclared: Vec<Operation> = Operation::ALL
            .into_iter()
            .filter(|op| {
                op.capability()
                    .is_some_and(|(flags, _)| !self.profile.capabilities.intersects(flags))
            })
            .collect();
        if undeclared.is_empty() {
            return Err(super::Stop::Skip(
                "the adapter declares every operation".to_string(),
            ));
        }
        let mut wrong = Vec::new();
        for op in &undeclared {
            match self.call_ungated(*op).await {
                Err(CallError::Commerce(CommerceError::Unsupported(_))) => {}
                Err(e) => wrong.push(format!("{} answered `{}` ({e})", op.name(), e.code())),
                Ok(()) => wrong.push(format!("{} succeeded", op.name())),
            }
        }
        if !wrong.is_empty() {
            return Err(fail(format!(
                "operations the adapter does not declare must answer `unsupported`:\n{}",
                wrong.join("\n")
            )));
        }
        let names: Vec<&str> = undeclared.iter().map(|o| o.name()).collect();
        Ok(names.join(", "))
    }

    /// Call `op` past the capability check, with a small well-formed request.
    async fn call_ungated(&self, op: Operation) -> Result<(), CallError> {
        let a = &self.ungated;
        let ctx = self.ctx();
        let sku = || ItemRef::Sku(UNKNOWN_ID.to_string());
        let key = format!("mercato-conformance-undeclared-{}", self.run_id);
        let one = Quantity::pieces(1);
        match op {
            Operation::Describe => a.describe().await.map(drop),
            Operation::CheckConnection => a.check_connection(&ctx).await,
            Operation::Search => {
                let query = SearchQuery {
                    text: Some("conformance".to_string()),
                    categories: Vec::new(),
                    in_stock_only: false,
                    page_size: 1,
                    cursor: None,
                };
                a.search(&ctx, &query).await.map(drop)
            }
            Operation::GetItems => a.get_items(&ctx, &[sku()]).await.map(drop),
            Operation::CheckAvailability => {
                let line = AvailabilityRequest {
                    line_id: "A1".to_string(),
                    item: sku(),
                    quantity: one,
                };
                a.check_availability(&ctx, &[line], None).await.map(drop)
            }
            Operation::RequestQuote => {
                let req = QuoteRequest {
                    lines: vec![QuoteLineRequest {
                        line_id: "L1".to_string(),
                        item: sku(),
                        offer_token: None,
                        quantity: one,
                        target_unit_price: None,
                    }],
                    ship_to: self.ship_to(),
                    requested_delivery: None,
                    currency: None,
                    requested_valid_until: None,
                    allow_substitutes: false,
                    incoterms: None,
                    buyer_reference: None,
                    notes: None,
                };
                a.request_quote(&ctx, &req).await.map(drop)
            }
            Operation::GetQuote => a.get_quote(&ctx, UNKNOWN_ID).await.map(drop),
            Operation::PlaceOrder => {
                let req = OrderRequest {
                    idempotency_key: key,
                    buyer_po: format!("CONF-UNDECLARED-{}", self.run_id),
                    quote_id: None,
                    lines: vec![OrderLineRequest {
                        line_id: "L1".to_string(),
                        item: sku(),
                        offer_token: None,
                        quantity: one,
                        expected_unit_price: None,
                    }],
                    ship_to: self.ship_to(),
                    bill_to: None,
                    fulfillment_option_id: None,
                    requested_delivery: None,
                    partial_delivery: PartialDelivery::Allow,
                    max_total: Money {
                        currency: self.profile.currencies.first().cloned().unwrap_or_default(),
                        minor: 0,
                    },
                    payment: PaymentInstruction::OnAccount(None),
                    authorization: None,
                    notes: None,
                };
                a.place_order(&ctx, &req).await.map(drop)
            }
            Operation::GetOrder => a.get_order(&ctx, UNKNOWN_ID).await.map(drop),
            Operation::CancelOrder => {
                let req = CancelRequest {
                    idempotency_key: key,
                    order_id: UNKNOWN_ID.to_string(),
                    line_ids: Vec::new(),
                    reason: None,
                };
                a.cancel_order(&ctx, &req).await.map(drop)
            }
            Operation::ListShipments => a.list_shipments(&ctx, UNKNOWN_ID).await.map(drop),
            Operation::ListInvoices => a.list_invoices(&ctx, UNKNOWN_ID).await.map(drop),
            Operation::RequestReturn => {
                let req = ReturnRequest {
                    idempotency_key: key,
                    order_id: UNKNOWN_ID.to_string(),
                    lines: vec![ReturnLine {
                        line_id: "L1".to_string(),
                        quantity: one,
                        reason: ReturnReason::Damaged,
                    }],
                    notes: None,
                };
                a.request_return(&ctx, &req).await.map(drop)
            }
            Operation::HandleInbound => {
                let doc = InboundDocument {
                    content_type: "application/json".to_string(),
                    headers: Vec::new(),
                    body: b"{}".to_vec(),
                };
                a.handle_inbound(&ctx, &doc).await.map(drop)
            }
        }
    }
}
