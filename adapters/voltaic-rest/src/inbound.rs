//! Voltaic webhooks → order events.
//!
//! Voltaic POSTs one JSON event per webhook and signs the raw body:
//! `X-Voltaic-Signature: sha256=<hex HMAC-SHA256 of the body>`. The adapter never sees the
//! secret; the host computes the HMAC under the secret granted as `webhook-secret`.

use crate::translate;
use crate::wire;
use mercato_sdk::errors::{bad_upstream, invalid};
use mercato_sdk::prelude::*;

/// The secret the host holds for webhook signatures.
pub const WEBHOOK_SECRET: &str = "webhook-secret";
/// The signature header, lower-case as the host hands headers over.
pub const SIGNATURE_HEADER: &str = "x-voltaic-signature";

/// The hex digest of a `sha256=<hex>` header value.
pub fn signature_hex(header: &str) -> Option<&str> {
    let (scheme, hex) = header.trim().split_once('=')?;
    (scheme.eq_ignore_ascii_case("sha256") && !hex.is_empty()).then_some(hex)
}

/// Checks the signature with `verify` (the host's HMAC check), then parses the event.
pub fn handle(
    doc: &InboundDocument,
    verify: impl Fn(&[u8], &str) -> bool,
) -> CommerceResult<InboundResult> {
    let header = doc
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(SIGNATURE_HEADER))
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| {
            CommerceError::Unauthorized(format!("the webhook has no {SIGNATURE_HEADER} header"))
        })?;
    let hex = signature_hex(header).ok_or_else(|| {
        CommerceError::Unauthorized(format!(
            "{SIGNATURE_HEADER} is not of the form sha256=<hex>"
        ))
    })?;
    if !verify(&doc.body, hex) {
        return Err(CommerceError::Unauthorized(
            "the webhook signature does not match its body under the webhook secret".to_string(),
        ));
    }
    Ok(InboundResult {
        events: vec![event(&doc.body)?],
        reply: None,
    })
}

/// The order event a verified webhook body carries.
pub fn event(body: &[u8]) -> CommerceResult<OrderEvent> {
    let hook: wire::Webhook = serde_json::from_slice(body)
        .map_err(|e| invalid("body", format!("not a Voltaic webhook: {e}")))?;
    let missing = |what: &str| {
        bad_upstream(format!(
            "{} event {} has no {what}",
            hook.event_type, hook.event_id
        ))
    };
    match hook.event_type.as_str() {
        "order.updated" => {
            let order = hook
                .data
                .order
                .as_ref()
                .ok_or_else(|| missing("Data.Order"))?;
            Ok(OrderEvent::OrderUpdated(translate::order(order)?))
        }
        "shipment.created" | "shipment.updated" => {
            let shipment = hook
                .data
                .shipment
                .as_ref()
                .ok_or_else(|| missing("Data.Shipment"))?;
            Ok(OrderEvent::ShipmentUpdated(translate::shipment(shipment)?))
        }
        "invoice.issued" => {
            let invoice = hook
                .data
                .invoice
                .as_ref()
                .ok_or_else(|| missing("Data.Invoice"))?;
            Ok(OrderEvent::InvoiceIssued(translate::invoice(invoice)?))
        }
        other => Err(invalid(
            "EventType",
            format!("{other:?} is not a Voltaic event this adapter knows"),
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    fn doc(signature: Option<&str>, body: &serde_json::Value) -> InboundDocument {
        InboundDocument {
            content_type: "application/json".to_string(),
            headers: signature
                .map(|s| vec![(SIGNATURE_HEADER.to_string(), s.to_string())])
                .unwrap_or_default(),
            body: serde_json::to_vec(body).expect("json"),
        }
    }

    pub(crate) fn order_hook() -> serde_json::Value {
        json!({"EventId": "evt_1", "EventType": "order.updated", "CreatedAt": "2026-06-01T10:00:00Z",
               "Data": {"Order": crate::translate::tests::order_fixture()}})
    }

    #[test]
    fn signed_order_events_parse() {
        let result = handle(&doc(Some("sha256=abcd"), &order_hook()), |_, hex| {
            hex == "abcd"
        })
        .expect("event");
        let [OrderEvent::OrderUpdated(order)] = result.events.as_slice() else {
            panic!("one order event expected");
        };
        assert_eq!(order.order_id, "VC-100001");
    }

    #[test]
    fn missing_or_wrong_signatures_are_unauthorized() {
        let hook = order_hook();
        for signature in [None, Some("abcd"), Some("md5=abcd"), Some("sha256=")] {
            let e = handle(&doc(signature, &hook), |_, _| true).expect_err("refused");
            assert_eq!(e.code(), "unauthorized", "{signature:?}");
        }
        let e = handle(&doc(Some("sha256=abcd"), &hook), |_, _| false).expect_err("refused");
        assert_eq!(e.code(), "unauthorized");
    }

    #[test]
    fn unknown_or_incomplete_events_are_errors() {
        let unknown = json!({"EventId": "e", "EventType": "order.exploded", "Data": {}});
        assert_eq!(
            event(&serde_json::to_vec(&unknown).expect("json"))
                .map_err(|e| e.code())
                .err(),
            Some("invalid-request")
        );
        let empty = json!({"EventId": "e", "EventType": "invoice.issued", "Data": {}});
        assert_eq!(
            event(&serde_json::to_vec(&empty).expect("json"))
                .map_err(|e| e.code())
                .err(),
            Some("internal")
        );
        assert!(event(b"not json").is_err());
    }
}
