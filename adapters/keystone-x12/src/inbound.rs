//! Documents Keystone pushes (855, 856) → order events, and the 997 the buyer owes for them.
//!
//! Keystone POSTs each interchange as `application/edi-x12` and signs the exact body:
//! `X-Keystone-Signature: sha256=<hex HMAC-SHA256 of the body>`, keyed with the secret both
//! partners agreed (`push-secret`, which only the host holds; the adapter asks the host to
//! check). The gateway's own client authentication (`Authorization`) stays with the host. After
//! the signature, the envelope must come from Keystone's interchange id and be addressed to the
//! buyer's.
//!
//! Every functional group received is answered by one 997 in the reply: `AK5*A` for each set
//! read, `AK5*R` with `AK3`/`AK4` for a set that breaks the syntax (no event comes from it),
//! and `AK9` A, P or R. A body that is not an X12 interchange at all gets no 997 (there is no
//! envelope to answer) but `invalid-request`.

use mercato_sdk::contract::{CommerceError, InboundDocument, InboundResult, OrderEvent};
use mercato_sdk::errors::{CommerceResult, invalid};

use crate::ack::{self, GroupOutcome};
use crate::api::X12_MEDIA_TYPE;
use crate::notices;
use crate::x12;

/// The secret the host holds for push signatures.
pub const PUSH_SECRET: &str = "push-secret";
/// The signature header, lower-case as the host hands headers over.
pub const SIGNATURE_HEADER: &str = "x-keystone-signature";

/// Who must have sent the interchange and to whom.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// Keystone's interchange id (ISA06 of what it sends).
    pub keystone: &'a str,
    /// The buyer's interchange id (ISA08).
    pub buyer: &'a str,
}

/// Verify with `verify` (the host's HMAC check of body and hex digest), read, and answer.
pub fn handle(
    doc: &InboundDocument,
    expected: &Expected<'_>,
    verify: impl Fn(&[u8], &str) -> bool,
    now_ms: i64,
) -> CommerceResult<InboundResult> {
    let media = doc.content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case(X12_MEDIA_TYPE) && !media.eq_ignore_ascii_case("application/edi")
    {
        return Err(invalid(
            "content-type",
            format!("Keystone pushes {X12_MEDIA_TYPE}, not {media:?}"),
        ));
    }
    let header = doc
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(SIGNATURE_HEADER))
        .map(|(_, v)| v.trim())
        .ok_or_else(|| {
            CommerceError::Unauthorized(format!("the document has no {SIGNATURE_HEADER} header"))
        })?;
    let hex = header
        .split_once('=')
        .filter(|(scheme, hex)| scheme.eq_ignore_ascii_case("sha256") && !hex.is_empty())
        .map(|(_, hex)| hex)
        .ok_or_else(|| {
            CommerceError::Unauthorized(format!("{SIGNATURE_HEADER} is not sha256=<hex>"))
        })?;
    if !verify(&doc.body, hex) {
        return Err(CommerceError::Unauthorized(
            "the signature does not match the body under the push secret".to_string(),
        ));
    }
    let interchange = x12::parse(&doc.body).map_err(|e| invalid("body", e.to_string()))?;
    let e = &interchange.envelope;
    if !e.sender.eq_ignore_ascii_case(expected.keystone)
        || !e.receiver.eq_ignore_ascii_case(expected.buyer)
    {
        return Err(CommerceError::Unauthorized(format!(
            "the interchange is from {:?} to {:?}; only {:?} to {:?} is accepted",
            e.sender, e.receiver, expected.keystone, expected.buyer
        )));
    }
    if interchange.groups.is_empty() {
        return Err(invalid("body", "the interchange holds no functional group"));
    }
    let mut events = Vec::new();
    let mut outcomes = Vec::new();
    for group in &interchange.groups {
        let mut outcome = GroupOutcome::of(group);
        for (set, result) in group.sets.iter().zip(outcome.sets.iter_mut()) {
            if result.rejection.is_some() {
                continue;
            }
            let read = match set.id.as_str() {
                "855" => notices::read_855(set, e).map(|o| Some(OrderEvent::OrderUpdated(o))),
                "856" => notices::read_856(set).map(|s| Some(OrderEvent::ShipmentUpdated(s))),
                "997" => Ok(None),
                _ => {
                    result.rejection = Some(("1".to_string(), None));
                    continue;
                }
            };
            match read {
                Ok(event) => {
                    if outcome.group_problem.is_none() {
                        events.extend(event);
                    }
                }
                Err(error) => {
                    mercato_sdk::host::warn(&format!(
                        "Keystone {} {} rejected in the 997: {}",
                        set.id, set.control, error.reason
                    ));
                    result.rejection = Some(("5".to_string(), Some(*error.error)));
                }
            }
        }
        outcomes.push(outcome);
    }
    Ok(InboundResult {
        events,
        reply: Some(InboundDocument {
            content_type: X12_MEDIA_TYPE.to_string(),
            headers: Vec::new(),
            body: ack::write_997(&interchange, &outcomes, now_ms).into_bytes(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notices::tests::{sample_855, sample_856};

    const EXPECTED: Expected<'static> = Expected {
        keystone: "KEYSTONE",
        buyer: "PLANT3",
    };

    fn doc(body: &str, signature: Option<&str>) -> InboundDocument {
        InboundDocument {
            content_type: X12_MEDIA_TYPE.to_string(),
            headers: signature
                .map(|s| vec![(SIGNATURE_HEADER.to_string(), s.to_string())])
                .unwrap_or_default(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn reply_lines(r: &InboundResult) -> Vec<String> {
        let reply = r.reply.as_ref().expect("a 997");
        assert_eq!(reply.content_type, X12_MEDIA_TYPE);
        let x = x12::parse(&reply.body).expect("our 997 parses");
        x.groups[0].sets[0]
            .body()
            .iter()
            .map(|s| format!("{}*{}", s.id, s.elements.join("*")))
            .collect()
    }

    #[test]
    fn signed_855_and_856_become_events_and_are_acknowledged() {
        let r = handle(
            &doc(&sample_855("PO-1"), Some("sha256=ab")),
            &EXPECTED,
            |_, h| h == "ab",
            0,
        )
        .expect("855");
        assert!(
            matches!(r.events.as_slice(), [OrderEvent::OrderUpdated(o)] if o.order_id == "PO-1")
        );
        assert_eq!(
            reply_lines(&r),
            ["AK1*PR*5", "AK2*855*0001", "AK5*A", "AK9*A*1*1*1"]
        );
        let r = handle(
            &doc(&sample_856("PO-1"), Some("sha256=ab")),
            &EXPECTED,
            |_, _| true,
            0,
        )
        .expect("856");
        assert!(
            matches!(r.events.as_slice(), [OrderEvent::ShipmentUpdated(s)] if s.order_id == "PO-1")
        );
        assert_eq!(
            reply_lines(&r),
            ["AK1*SH*5", "AK2*856*0001", "AK5*A", "AK9*A*1*1*1"]
        );
    }

    #[test]
    fn a_broken_set_is_rejected_in_the_997_without_events() {
        let body = sample_855("PO-1").replace("BAK*00*AC*PO-1*20260601", "BAK*00*AC*PO-1*20261399");
        let r =
            handle(&doc(&body, Some("sha256=ab")), &EXPECTED, |_, _| true, 0).expect("answered");
        assert!(r.events.is_empty());
        assert_eq!(
            reply_lines(&r),
            [
                "AK1*PR*5",
                "AK2*855*0001",
                "AK3*BAK*2**8",
                "AK4*4*373*8*20261399",
                "AK5*R*5",
                "AK9*R*1*1*0"
            ]
        );
        let body = sample_855("PO-1").replace("SE*12*0001", "SE*11*0001");
        let r =
            handle(&doc(&body, Some("sha256=ab")), &EXPECTED, |_, _| true, 0).expect("answered");
        assert!(r.events.is_empty());
        assert!(reply_lines(&r).contains(&"AK5*R*4".to_string()));
    }

    #[test]
    fn signatures_senders_and_garbage_are_refused_with_typed_errors() {
        let body = sample_855("PO-1");
        for signature in [None, Some("ab"), Some("md5=ab"), Some("sha256=")] {
            let e = handle(&doc(&body, signature), &EXPECTED, |_, _| true, 0).unwrap_err();
            assert_eq!(e.code(), "unauthorized", "{signature:?}");
        }
        let e = handle(&doc(&body, Some("sha256=ab")), &EXPECTED, |_, _| false, 0).unwrap_err();
        assert_eq!(e.code(), "unauthorized");
        let other = Expected {
            keystone: "ACME",
            buyer: "PLANT3",
        };
        let e = handle(&doc(&body, Some("sha256=ab")), &other, |_, _| true, 0).unwrap_err();
        assert_eq!(e.code(), "unauthorized");
        let e = handle(
            &doc("\u{0}garbage", Some("sha256=ab")),
            &EXPECTED,
            |_, _| true,
            0,
        )
        .unwrap_err();
        assert_eq!(e.code(), "invalid-request");
        let mut json = doc(&body, Some("sha256=ab"));
        json.content_type = "application/json".into();
        assert_eq!(
            handle(&json, &EXPECTED, |_, _| true, 0).unwrap_err().code(),
            "invalid-request"
        );
    }
}
