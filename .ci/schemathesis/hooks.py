"""Realistic bodies for schemathesis' stateful phase on the demo (`mercato serve --demo`).

Random item references are never in a supplier's catalogue, so a generated quote request is
answered with errors and the flow quote -> order -> shipments never starts. For the stateful
run (positive data only: these hooks turn one valid body into another valid body), a quote
request asks one demo supplier for items it sells, shipped to the demo's plant, and an order
of a quote goes to that plant. The generated body still chooses which items, how many and
the buyer PO, so runs differ with the seed. Each mutating call carries a new
Idempotency-Key, as a client placing a new order does: generated keys repeat ("0", "!"), and
a repeated key with another body is rightly refused as a conflict.
"""

import uuid

import schemathesis

# Items each demo supplier quotes and sells, by the supplier's SKU.
ITEMS = [
    ("nordfast", "NF-20001"),
    ("nordfast", "NF-10001"),
    ("nordfast", "NF-10004"),
    ("voltaic", "VC-HN-M8-A2"),
    ("voltaic", "VC-HB-M8X30-A2"),
]

PLANT_3 = {
    "organization": "Acme Pressworks GmbH",
    "lines": ["Industriestraße 12"],
    "city": "Stuttgart",
    "postal_code": "70565",
    "country": "DE",
}


def _seed(value) -> int:
    """A small number drawn from whatever the generator produced."""
    return sum(map(ord, repr(value)))


@schemathesis.hook
def map_body(context, body):
    operation = context.operation
    if operation is None or not isinstance(body, dict):
        return body
    if operation.label == "POST /v1/quotes":
        seed = _seed(body)
        supplier, sku = ITEMS[seed % len(ITEMS)]
        return {
            "suppliers": [supplier],
            "request": {
                "lines": [
                    {
                        "line_id": "1",
                        "item": {"kind": "sku", "sku": sku},
                        "quantity": {"steps": 1 + seed % 40, "unit": "C62", "scale": 0},
                    }
                ],
                "ship_to": PLANT_3,
                "currency": "EUR",
            },
        }
    if operation.label == "POST /v1/quotes/{supplier}/{quote_id}/order":
        generated = str(body.get("buyer_po", ""))
        buyer_po = "".join(c for c in generated if c.isascii() and c.isalnum())[:30]
        return {"buyer_po": f"ST-{_seed(body)}-{buyer_po}", "ship_to": PLANT_3}
    return body


@schemathesis.hook
def map_headers(context, headers):
    if isinstance(headers, dict) and "Idempotency-Key" in headers:
        headers = {**headers, "Idempotency-Key": f"st-{uuid.uuid4()}"}
    return headers
