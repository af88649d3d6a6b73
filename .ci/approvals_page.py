"""Drive the approvers' web page in headless Chromium: an order above the demo mandate's
approval threshold is parked, a person (this script, through the page) approves it with the
Approve button, and the order is then placed with the supplier.

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


# 1. The bot orders above the threshold: parked, nothing sent.
order = {
    "supplier": "voltaic",
    "buyer_po": "PO-PAGE-1",
    "lines": [{"line_id": "1", "item": {"Sku": "VC-HN-M8-A2"}, "offer_token": None,
               "quantity": {"steps": 100, "unit": "C62", "scale": 0},
               "expected_unit_price": None}],
    "ship_to": {"location_id": "4012345000009", "name": "Plant 3", "organization": "Acme",
                "lines": ["Industriestrasse 12"], "city": "Stuttgart", "region": None,
                "postal_code": "70565", "country": "DE", "contact": None},
    "partial_delivery": "Allow",
    "max_total": {"currency": "EUR", "minor": 300000},
    "payment": {"OnAccount": None},
}
status, parked = api("POST", "/v1/orders", BOT, order, {"Idempotency-Key": "page-1"})
check(status == 409 and parked.get("code") == "approval-required", f"parked: {status} {parked}")
approval = parked["approval_id"]
print("parked as", approval)

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

    cdp("Page.navigate", url=BASE + "/approvals")
    wait_for("document.readyState === 'complete' && !!document.getElementById('key')",
             "the page loaded")
    # 3. The approver signs in with the key and sees the parked order.
    evaluate(f"document.getElementById('key').value = {json.dumps(APPROVER)};"
             "document.getElementById('login').requestSubmit(); true")
    row = f"document.querySelector('tr[data-id=\"{approval}\"]')"
    wait_for(f"!!{row}", "the parked order is listed")
    listed = evaluate(f"{row}.textContent")
    check("approval-threshold" in listed and "PO-PAGE-1" in listed, f"row shows {listed!r}")
    # 4. Approve.
    evaluate(f"{row}.querySelector('button.approve').click(); true")
    wait_for("document.getElementById('status').textContent.includes('approved: order')",
             "the page reports the approval")
    print("page:", evaluate("document.getElementById('status').textContent"))
    ws.close()
finally:
    browser.kill()

# 5. The order was placed with the supplier, once, under the bot's key.
status, view = api("GET", f"/v1/approvals/{approval}", APPROVER)
check(status == 200 and view["state"] == "placed", f"approval: {status} {view}")
order_id = view["order_id"]
status, at_supplier = api("GET", f"/v1/orders/voltaic/{order_id}", BOT)
check(status == 200 and at_supplier["buyer_po"] == "PO-PAGE-1", f"supplier: {status}")
status, replay = api("POST", "/v1/orders", BOT, order, {"Idempotency-Key": "page-1"})
check(status == 201 and replay["order_id"] == order_id, f"the bot's retry: {status} {replay}")
print(f"approved through the page; order {order_id} placed with voltaic")
