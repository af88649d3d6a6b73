"""Drive the approvers' web page in headless Chromium, as a purchasing manager would use it.

Two orders above the demo mandate's approval threshold are parked. The page must show, for
each: what is bought (titles, quantities with units, unit prices, line totals, the total),
where it goes, which client asked and when, the rule in plain words, and the budget left
counting the other pending approval. It must fit a phone's width. Approving takes a
confirmation step (nothing is decided by the first click). After approval the order is
placed with the supplier, and the decision shows in the history.

Usage: approvals_page.py BASE_URL BOT_KEY APPROVER_KEY
Talks to Chromium over the DevTools protocol (websocket-client); everything else is stdlib.
"""

import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import websocket

BASE, BOT, APPROVER = sys.argv[1], sys.argv[2], sys.argv[3]


def api(method, path, key, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + key)
    req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def check(condition, what):
    if not condition:
        sys.exit("approvals page check FAILED: " + what)


def money(m):
    whole, frac = divmod(abs(m["minor"]), 100)
    return f"{m['currency']} {'-' if m['minor'] < 0 else ''}{whole}.{frac:02d}"


def order(po, cap_minor):
    return {
        "supplier": "voltaic",
        "buyer_po": po,
        "lines": [{"line_id": "1", "item": {"kind": "sku", "sku": "VC-HN-M8-A2"}, "offer_token": None,
                   "quantity": {"steps": 100, "unit": "C62", "scale": 0},
                   "expected_unit_price": None}],
        "ship_to": {"location_id": "4012345000009", "name": "Plant 3", "organization": "Acme",
                    "lines": ["Industriestrasse 12"], "city": "Stuttgart", "region": None,
                    "postal_code": "70565", "country": "de", "contact": None},
        "partial_delivery": "allow",
        "max_total": {"currency": "eur", "minor": cap_minor},
        "payment": {"kind": "on_account"},
    }


# 1. The bot orders above the threshold, twice: both parked, nothing sent.
parked = {}
for po, cap, key in [("PO-PAGE-1", 300000, "page-1"), ("PO-PAGE-2", 260000, "page-2")]:
    status, answer = api("POST", "/v1/orders", BOT, order(po, cap), {"Idempotency-Key": key})
    check(status == 409 and answer.get("code") == "approval_required", f"parked: {status} {answer}")
    parked[po] = answer["approval_id"]
approval = parked["PO-PAGE-1"]
print("parked as", parked)
status, view = api("GET", f"/v1/approvals/{approval}", APPROVER)
check(status == 200, f"approval view: {status} {view}")
budget = view["budget"]
check(budget["other_pending"]["minor"] == 260000,
      f"the other pending order counts against the budget: {budget}")
check(budget["left"]["minor"] == budget["limit"]["minor"] - budget["committed"]["minor"] - 260000,
      f"budget left counts the other pending approval: {budget}")
bought = view["lines"][0]
check(bought["quantity_text"] == "100 pcs", f"quantity with its unit: {bought}")

# 2. Headless Chromium on the page.
profile = tempfile.mkdtemp(prefix="mercato-chromium-")
browser = subprocess.Popen(
    ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
     "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
try:
    port = None
    deadline = time.time() + 60
    while port is None and time.time() < deadline:
        line = browser.stderr.readline()
        found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if found:
            port = int(found.group(1))
    check(port is not None, "Chromium did not start")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
        pages = [t for t in json.load(r) if t["type"] == "page"]
    # No Origin header: Chromium refuses DevTools connections from other origins.
    ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30,
                                     suppress_origin=True)
    counter = [0]

    def cdp(method, **params):
        counter[0] += 1
        ws.send(json.dumps({"id": counter[0], "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("id") == counter[0]:
                check("error" not in message, f"{method}: {message}")
                return message["result"]

    def evaluate(expression):
        result = cdp("Runtime.evaluate", expression=expression, returnByValue=True,
                     awaitPromise=True)
        return result["result"].get("value")

    def wait_for(expression, what):
        deadline = time.time() + 30
        while time.time() < deadline:
            if evaluate(expression):
                return
            time.sleep(0.2)
        status_text = evaluate("document.getElementById('status').textContent")
        check(False, f"{what} (page says {status_text!r})")

    # A phone: 390 CSS pixels wide.
    cdp("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=3,
        mobile=True)
    cdp("Page.navigate", url=BASE + "/approvals")
    wait_for("document.readyState === 'complete' && !!document.getElementById('key')",
             "the page loaded")
    # 3. The approver signs in with the key and sees both parked orders.
    evaluate(f"document.getElementById('key').value = {json.dumps(APPROVER)};"
             "document.getElementById('login').requestSubmit(); true")
    card = f"document.querySelector('article[data-id=\"{approval}\"]')"
    wait_for(f"!!{card} && !!document.querySelector('article[data-id=\"{parked['PO-PAGE-2']}\"]')",
             "both parked orders are listed")
    shown = evaluate(f"{card}.innerText")
    for what, text in [
        ("the PO", "PO-PAGE-1"),
        ("the client who asked", "press-line-7"),
        ("when it was asked", view["created_at_text"]),
        ("the item's title", bought["title"]),
        ("the quantity with its unit", "100 pcs"),
        ("the unit price", bought["unit_price_text"]),
        ("the line total", bought["line_total_text"]),
        ("the total", view["total_text"]),
        ("the cap", money(view["cap"])),
        ("the ship-to", "Stuttgart"),
        ("the ship-to's country", "Germany"),
        ("the rule in plain words", "a person must approve"),
        ("the budget left, counting the other pending order", money(budget["left"])),
        ("what would be left", money(budget["left_if_approved"])),
    ]:
        check(text in shown, f"the card shows {what} ({text!r}): {shown!r}")
    fits = evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    check(fits, "the page fits a 390 px phone screen without sideways scrolling: "
          + str(evaluate("[document.documentElement.scrollWidth, window.innerWidth]")))
    check(evaluate("!!document.querySelector('meta[name=viewport]')"), "a viewport meta tag")
    # 4. Approve: the first click asks for confirmation and decides nothing.
    evaluate(f"{card}.querySelector('button.approve').click(); true")
    wait_for(f"!!{card}.querySelector('.confirming button.confirm')", "a confirmation step")
    confirm_text = evaluate(f"{card}.querySelector('.confirming').innerText")
    check("PO-PAGE-1" in confirm_text and money(view["cap"]) in confirm_text,
          f"the confirmation says what will happen: {confirm_text!r}")
    status, still = api("GET", f"/v1/approvals/{approval}", APPROVER)
    check(still["state"] == "pending", f"nothing decided before confirming: {still['state']}")
    evaluate(f"{card}.querySelector('.confirming button.confirm').click(); true")
    wait_for("document.getElementById('status').textContent.includes('approved: order')",
             "the page reports the approval")
    print("page:", evaluate("document.getElementById('status').textContent"))
    row = f"document.querySelector('#history tr[data-id=\"{approval}\"]')"
    wait_for(f"!!{row}", "the decision shows in the history")
    decided = evaluate(f"{row}.innerText")
    check("approved, placed" in decided and "maintenance-lead" in decided,
          f"the history says who approved: {decided!r}")
    ws.close()
finally:
    browser.kill()

# 5. The order was placed with the supplier, once, under the bot's key.
status, view = api("GET", f"/v1/approvals/{approval}", APPROVER)
check(status == 200 and view["state"] == "placed", f"approval: {status} {view}")
order_id = view["order_id"]
status, at_supplier = api("GET", f"/v1/orders/voltaic/{order_id}", BOT)
check(status == 200 and at_supplier["buyer_po"] == "PO-PAGE-1", f"supplier: {status}")
status, replay = api("POST", "/v1/orders", BOT, order("PO-PAGE-1", 300000),
                     {"Idempotency-Key": "page-1"})
check(status == 201 and replay["order_id"] == order_id, f"the bot's retry: {status} {replay}")
print(f"approved through the page; order {order_id} placed with voltaic")
