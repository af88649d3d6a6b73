//! Documents Ostara pushes: `ConfirmationRequest` → `order-updated`, `ShipNoticeRequest` →
//! `shipment-updated`, each answered with the synchronous cXML `Response` Ostara expects.
//!
//! cXML authenticates a pushed document by the `SharedSecret` in its `Header/Sender`
//! credential. The adapter never holds the secret, so it checks the claim without learning
//! the real value: it computes HMAC-SHA256 keyed with the *claimed* secret over a message
//! derived from the document's payloadID, and asks the host for HMAC-SHA256 of the same
//! message under the granted `shared-secret`. The two are equal exactly when the secrets are
//! (short of an HMAC collision); they are compared in constant time. The message includes the
//! payloadID so that no fixed value is ever asked of the host twice for different documents.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use mercato_sdk::contract::{CommerceError, InboundDocument, InboundResult, OrderEvent};
use mercato_sdk::errors::{CommerceResult, invalid};
use mercato_sdk::time::format_rfc3339;
use mercato_sdk::xml::{Element, XmlWriter};
use sha2::Sha256;

use crate::doc::{self, DocError};
use crate::order;

/// The secret, granted by the integrator, that pushed documents must carry.
pub const SHARED_SECRET: &str = "shared-secret";
/// Domain separation for the message both HMACs are computed over.
const CHECK_PREFIX: &[u8] = b"mercato:ostara-cxml:shared-secret-check:v1\0";

fn unreadable(e: DocError) -> CommerceError {
    invalid(e.element(), format!("Ostara document: {e}"))
}

/// The message whose HMACs are compared for a document with this payloadID.
pub fn check_message(payload_id: &str) -> Vec<u8> {
    let mut m = CHECK_PREFIX.to_vec();
    m.extend_from_slice(payload_id.as_bytes());
    m
}

/// HMAC-SHA256 of `message` keyed with `key`.
pub fn hmac_with(key: &[u8], message: &[u8]) -> Option<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(message);
    Some(mac.finalize().into_bytes().to_vec())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Check the Sender credential: identity `expected_sender`, and a SharedSecret whose HMAC
/// equals `host_hmac` of the same message.
fn verify(
    root: &Element,
    payload_id: &str,
    expected_sender: &str,
    host_hmac: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
) -> CommerceResult<()> {
    let credential = root.find("Header/Sender/Credential");
    let identity = credential.and_then(|c| c.text_at("Identity"));
    if identity != Some(expected_sender) {
        return Err(CommerceError::Unauthorized(format!(
            "the document's Sender is {:?}, not Ostara ({expected_sender:?})",
            identity.unwrap_or("nobody")
        )));
    }
    let claimed = credential
        .and_then(|c| c.text_at("SharedSecret"))
        .ok_or_else(|| {
            CommerceError::Unauthorized(
                "the document's Sender credential has no SharedSecret".to_string(),
            )
        })?;
    let message = check_message(payload_id);
    let expected = host_hmac(&message).ok_or_else(|| {
        CommerceError::Unauthorized(format!(
            "no `{SHARED_SECRET}` is granted to this adapter, so no pushed document can be \
             verified"
        ))
    })?;
    let given = hmac_with(claimed.as_bytes(), &message).unwrap_or_default();
    if !constant_time_eq(&given, &expected) {
        return Err(CommerceError::Unauthorized(
            "the document's SharedSecret is not the shared secret agreed with Ostara".to_string(),
        ));
    }
    Ok(())
}

/// The cXML Response that acknowledges a document.
pub fn reply(payload_id: &str, now: i64) -> InboundDocument {
    let mut w = XmlWriter::with_root(
        "cXML",
        &[
            ("payloadID", &format!("{payload_id}.response")),
            ("timestamp", &format_rfc3339(now)),
            ("version", order::VERSION),
            ("xml:lang", "en-US"),
        ],
    );
    w.start("Response")
        .leaf_with("Status", &[("code", "200"), ("text", "OK")], "")
        .end();
    let body = w.finish().replacen(
        "?>\n",
        &format!("?>\n<!DOCTYPE cXML SYSTEM \"{}\">\n", order::DTD),
        1,
    );
    InboundDocument {
        content_type: "text/xml; charset=utf-8".to_string(),
        headers: Vec::new(),
        body: body.into_bytes(),
    }
}

/// Parse, verify and translate one pushed document. `host_hmac` is the host's HMAC under
/// [`SHARED_SECRET`]; `expected_sender` Ostara's identity.
pub fn handle(
    doc: &InboundDocument,
    expected_sender: &str,
    host_hmac: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    now: i64,
) -> CommerceResult<InboundResult> {
    let root = doc::parse_body(&doc.body).map_err(unreadable)?;
    let kind = doc::message_kind(&root).map(str::to_string);
    if !matches!(
        kind.as_deref(),
        Some("ConfirmationRequest" | "ShipNoticeRequest")
    ) {
        return Err(invalid(
            "body",
            format!(
                "Ostara pushes cXML ConfirmationRequest and ShipNoticeRequest documents; this is {}",
                kind.map_or_else(|| format!("<{}>", root.name), |k| format!("a cXML {k}"))
            ),
        ));
    }
    let payload_id = doc::attr(&root, "cXML", "payloadID").map_err(unreadable)?;
    verify(&root, payload_id, expected_sender, host_hmac)?;
    let event = if kind.as_deref() == Some("ConfirmationRequest") {
        OrderEvent::OrderUpdated(order::order_from_confirmation(&root).map_err(unreadable)?)
    } else {
        OrderEvent::ShipmentUpdated(order::shipment(&root, &BTreeMap::new()).map_err(unreadable)?)
    };
    Ok(InboundResult {
        events: vec![event],
        reply: Some(reply(payload_id, now)),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use mercato_sdk::contract::{LineStatus, OrderStatus};

    const SECRET: &[u8] = b"ostara-shared-secret";

    pub(crate) fn host(message: &[u8]) -> Option<Vec<u8>> {
        hmac_with(SECRET, message)
    }

    pub(crate) fn confirmation(secret: &str, sender: &str) -> InboundDocument {
        let body = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">
<cXML payloadID="1.2.ostara@ostara" timestamp="2026-06-01T10:00:00Z" version="1.2.014">
  <Header>
    <From><Credential domain="NetworkID"><Identity>ostara-supply</Identity></Credential></From>
    <To><Credential domain="NetworkID"><Identity>buyer</Identity></Credential></To>
    <Sender><Credential domain="NetworkID"><Identity>{sender}</Identity><SharedSecret>{secret}</SharedSecret></Credential></Sender>
  </Header>
  <Request><ConfirmationRequest>
    <ConfirmationHeader type="detail" operation="new" noticeDate="2026-06-01T10:00:00Z" confirmID="C1">
      <Total><Money currency="EUR">53.40</Money></Total>
      <Shipping><Money currency="EUR">6.90</Money></Shipping>
    </ConfirmationHeader>
    <OrderReference orderID="PO-7" orderDate="2026-06-01T09:59:00Z"/>
    <ConfirmationItem lineNumber="1" quantity="10"><UnitOfMeasure>BX</UnitOfMeasure>
      <ConfirmationStatus type="accept" quantity="6" deliveryDate="2026-06-02T10:00:00Z"><UnitOfMeasure>BX</UnitOfMeasure>
        <ItemIn quantity="6"><ItemID><SupplierPartID>OS-1001</SupplierPartID></ItemID>
          <ItemDetail><UnitPrice><Money currency="EUR">5.34</Money></UnitPrice><UnitOfMeasure>BX</UnitOfMeasure>
            <Extrinsic name="buyerLineID">L1</Extrinsic></ItemDetail></ItemIn></ConfirmationStatus>
      <ConfirmationStatus type="backordered" quantity="4" deliveryDate="2026-06-15T10:00:00Z"><UnitOfMeasure>BX</UnitOfMeasure>
        <ItemIn quantity="4"><ItemID><SupplierPartID>OS-1001</SupplierPartID></ItemID>
          <ItemDetail><UnitPrice><Money currency="EUR">5.34</Money></UnitPrice><UnitOfMeasure>BX</UnitOfMeasure>
            <Extrinsic name="buyerLineID">L1</Extrinsic></ItemDetail></ItemIn>
        <Comments>backordered: 4 BX ship when restocked</Comments></ConfirmationStatus>
    </ConfirmationItem>
    <ConfirmationItem lineNumber="2" quantity="3"><UnitOfMeasure>EA</UnitOfMeasure>
      <ConfirmationStatus type="reject" quantity="3"><UnitOfMeasure>EA</UnitOfMeasure>
        <Comments>discontinued: OS-1012 is no longer sold</Comments></ConfirmationStatus>
    </ConfirmationItem>
  </ConfirmationRequest></Request>
</cXML>"#
        );
        InboundDocument {
            content_type: "text/xml".into(),
            headers: Vec::new(),
            body: body.into_bytes(),
        }
    }

    #[test]
    fn a_verified_confirmation_is_an_order_event_with_a_reply() {
        let result = handle(
            &confirmation("ostara-shared-secret", "ostara-supply"),
            "ostara-supply",
            &host,
            0,
        )
        .expect("handled");
        let [OrderEvent::OrderUpdated(order)] = result.events.as_slice() else {
            panic!("one order event expected");
        };
        assert_eq!(order.order_id, "PO-7");
        assert_eq!(order.status, OrderStatus::Confirmed);
        assert_eq!(order.lines[0].line_id, "L1");
        assert_eq!(order.lines[0].status, LineStatus::Backordered);
        assert_eq!(order.lines[0].confirmed.steps, 10);
        assert_eq!(order.lines[1].status, LineStatus::Rejected);
        assert_eq!(order.lines[1].confirmed.steps, 0);
        assert_eq!(order.totals.lines.minor, 5340);
        assert_eq!(order.totals.grand_total.minor, 6030);
        let reply = result.reply.expect("reply");
        let status = doc::status(&reply.body).expect("a cXML Response");
        assert_eq!(status.code, 200);
    }

    #[test]
    fn a_wrong_secret_or_sender_is_unauthorized() {
        for (secret, sender) in [
            ("not-the-secret", "ostara-supply"),
            ("ostara-shared-secret", "mallory"),
            ("", "ostara-supply"),
        ] {
            let e = handle(&confirmation(secret, sender), "ostara-supply", &host, 0)
                .expect_err("refused");
            assert_eq!(e.code(), "unauthorized", "{secret} {sender}");
        }
        let no_grant = |_: &[u8]| None;
        let e = handle(
            &confirmation("ostara-shared-secret", "ostara-supply"),
            "ostara-supply",
            &no_grant,
            0,
        )
        .expect_err("refused");
        assert_eq!(e.code(), "unauthorized");
    }

    #[test]
    fn garbage_and_other_documents_are_invalid_requests() {
        let garbage = InboundDocument {
            content_type: "application/octet-stream".into(),
            headers: Vec::new(),
            body: b"\x00\xffnot a document".to_vec(),
        };
        for body in [
            garbage.body.clone(),
            b"<cXML payloadID='x'><Request><OrderRequest/></Request></cXML>".to_vec(),
            b"<Invoice/>".to_vec(),
        ] {
            let doc = InboundDocument {
                body,
                ..garbage.clone()
            };
            let e = handle(&doc, "ostara-supply", &host, 0).expect_err("refused");
            assert_eq!(e.code(), "invalid-request");
        }
        // Authentic but broken: a Total that the lines do not add up to.
        let mut doc = confirmation("ostara-shared-secret", "ostara-supply");
        doc.body = String::from_utf8(doc.body)
            .expect("utf-8")
            .replace("53.40", "53.41")
            .into_bytes();
        let e = handle(&doc, "ostara-supply", &host, 0).expect_err("refused");
        assert_eq!(e.code(), "invalid-request");
    }
}
