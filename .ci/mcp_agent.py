"""Mercato's MCP server as a third-party agent sees it, through the official MCP Python SDK.

Usage: mcp_agent.py http BASE_URL API_KEY   (streamable HTTP at BASE_URL/mcp)
       mcp_agent.py stdio MERCATO_BINARY    (`mercato mcp --demo` as a child process)

Over either transport it checks the handshake (the newest protocol version the SDK speaks),
that every tool has an input and an output schema and true annotations, and that malformed
calls get JSON-RPC errors or problem results. Then it acts as an agent with one need
("500 M8 hex nuts at plant 3") and only what tools/list says: list the suppliers, compare
offers among those that can quote and order, quote the best, order it, follow the order.
It fails on any wasted call (an error result, or a call the flow did not need).
"""

import asyncio
import json
import sys
import uuid

import httpx
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

PLANT_3 = {
    "location_id": "4012345000009",
    "name": "Plant 3",
    "organization": "Acme Pressworks GmbH",
    "lines": ["Industriestraße 12"],
    "city": "Stuttgart",
    "postal_code": "70565",
    "country": "DE",
}
NEED = {"text": "hex nut", "must_match": ["m8"], "pieces": 500}


def fail(why):
    print(f"mcp-agent: FAILED: {why}", file=sys.stderr)
    sys.exit(1)


class Agent:
    def __init__(self, session):
        self.session = session
        self.calls = []

    async def call(self, name, arguments):
        """A tool call whose result must be a success with structured content."""
        self.calls.append(name)
        result = await self.session.call_tool(name, arguments)
        if result.isError:
            fail(f"{name} answered an error: {result.content[0].text}")
        if result.structuredContent is None:
            fail(f"{name} answered without structured content")
        summary = result.content[0].text if result.content else ""
        if not summary or len(summary) > 600 or summary.lstrip().startswith("{"):
            fail(f"{name}: the text part should be a short summary, got {summary[:200]!r}")
        return result.structuredContent


async def check_tools(session):
    listed = await session.list_tools()
    tools = {t.name: t for t in listed.tools}
    for name in ["list_suppliers", "search_catalog", "compare_offers", "request_quote",
                 "get_quote", "order_quote", "place_order", "get_order", "cancel_order",
                 "get_approval"]:
        if name not in tools:
            fail(f"tools/list has no {name}")
    for t in tools.values():
        if t.inputSchema.get("type") != "object":
            fail(f"{t.name}: input schema is not an object schema")
        if not t.outputSchema or t.outputSchema.get("type") != "object":
            fail(f"{t.name}: no object output schema")
        a = t.annotations
        if a is None or a.readOnlyHint is None or a.destructiveHint is None:
            fail(f"{t.name}: annotations incomplete")
    for name in ["order_quote", "place_order"]:
        spends = tools[name]
        if spends.annotations.readOnlyHint or not spends.annotations.destructiveHint:
            fail(f"{name} must be annotated as spending (not read-only, destructive)")
        for word in ["quote_id", "approval", "max_total", "idempotency_key", "get_approval"]:
            if word not in spends.description:
                fail(f"{name}'s description does not explain {word}")
    order = tools["place_order"]
    required = set(order.inputSchema.get("required", []))
    optional = {"partial_delivery", "payment", "quote_id", "bill_to", "notes"}
    if required & optional:
        fail(f"place_order requires fields that have defaults: {sorted(required & optional)}")
    quote = tools["request_quote"]
    if quote.annotations.readOnlyHint or quote.annotations.idempotentHint:
        fail("request_quote creates a quote: neither read-only nor idempotent")
    size = len(json.dumps([t.model_dump(mode="json") for t in listed.tools]))
    print(f"mcp-agent: tools/list is {len(tools)} tools in {size} bytes")
    return tools


async def check_malformed(session):
    # Arguments of the wrong shape: a problem result naming the field, not a protocol error.
    result = await session.call_tool("compare_offers", {"text": "nut", "quantity": "500"})
    if not result.isError:
        fail("compare_offers with a string quantity succeeded")
    problem = json.loads(result.content[0].text)
    if problem.get("code") != "bad_request" or "quantity" not in problem.get("detail", ""):
        fail(f"a string quantity got {problem}")
    # An unknown tool: a JSON-RPC error.
    try:
        await session.call_tool("buy_everything", {})
        fail("an unknown tool was called")
    except Exception as e:  # McpError
        if "buy_everything" not in str(e):
            fail(f"an unknown tool got {e}")


async def act(session):
    """From the need to a placed order, using only what the tools say."""
    agent = Agent(session)
    listed = await agent.call("list_suppliers", {"currency": "EUR", "country": "DE"})
    can_buy = [
        s["supplier"]
        for s in listed["suppliers"]
        if {"instant_quote", "place_order"} <= set(s["capabilities"]) and s["breaker"] == "closed"
    ]
    if not can_buy:
        fail(f"no supplier can quote and order: {listed}")
    offers = await agent.call(
        "compare_offers",
        {
            "text": NEED["text"],
            "must_match": NEED["must_match"],
            "quantity": {"steps": NEED["pieces"], "unit": "C62", "scale": 0},
            "scope": {"currency": "EUR", "country": "DE", "suppliers": can_buy},
        },
    )
    if not offers["offers"]:
        fail(f"no offers: {offers}")
    best = offers["offers"][0]
    if best["supplier"] not in can_buy:
        fail(f"the best offer is from {best['supplier']}, who cannot sell")
    quotes = await agent.call(
        "request_quote",
        {
            "request": {
                "lines": [
                    {
                        "line_id": "1",
                        "item": {"kind": "sku", "sku": best["item"]["ids"]["supplier_sku"]},
                        "quantity": best["quantity"],
                    }
                ],
                "ship_to": PLANT_3,
                "currency": "EUR",
            },
            "suppliers": [best["supplier"]],
        },
    )
    if not quotes["answers"]:
        fail(f"no quote: {quotes}")
    quote = quotes["answers"][0]["answer"]
    # The quote is ordered as the supplier priced it: nothing to copy, nothing to get wrong.
    order = await agent.call(
        "order_quote",
        {
            "supplier": best["supplier"],
            "quote_id": quote["quote_id"],
            "buyer_po": f"PO-AGENT-{uuid.uuid4().hex[:8]}",
            "ship_to": PLANT_3,
            "idempotency_key": f"agent-{uuid.uuid4()}",
        },
    )
    if order["totals"]["grand_total"] != quote["totals"]["grand_total"]:
        fail(f"the order's total {order['totals']} is not the quote's {quote['totals']}")
    followed = await agent.call(
        "get_order", {"supplier": best["supplier"], "order_id": order["order_id"]}
    )
    if followed["order_id"] != order["order_id"]:
        fail(f"get_order found another order: {followed}")
    flow = ["list_suppliers", "compare_offers", "request_quote", "order_quote", "get_order"]
    if agent.calls != flow:
        fail(f"wasted calls: {agent.calls}")
    print(
        f"mcp-agent: ordered {NEED['pieces']} × {best['item']['ids']['supplier_sku']} from "
        f"{best['supplier']} as {order['order_id']} ({order['status']}) in {len(agent.calls)} calls"
    )


async def run(session):
    init = await session.initialize()
    if init.protocolVersion != types.LATEST_PROTOCOL_VERSION:
        fail(f"negotiated {init.protocolVersion}, the SDK's newest is {types.LATEST_PROTOCOL_VERSION}")
    print(f"mcp-agent: {init.serverInfo.name} {init.serverInfo.version} at {init.protocolVersion}")
    await check_tools(session)
    await check_malformed(session)
    await act(session)


async def over_http(base, key):
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        # Malformed JSON-RPC gets a JSON-RPC parse error, not a transport error page.
        raw = await http.post(
            f"{base}/mcp",
            content=b"{not json",
            headers={"content-type": "application/json",
                     "accept": "application/json, text/event-stream"},
        )
        body = raw.json() if raw.headers.get("content-type", "").startswith("application/json") else None
        if not body or body.get("error", {}).get("code") != -32700:
            fail(f"malformed JSON on /mcp got {raw.status_code} {raw.text[:200]!r}")
        async with streamable_http_client(f"{base}/mcp", http_client=http) as (read, write, _):
            async with ClientSession(read, write) as session:
                await run(session)


async def over_stdio(binary):
    params = StdioServerParameters(command=binary, args=["mcp", "--demo"])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await run(session)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "http":
        asyncio.run(over_http(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "stdio":
        asyncio.run(over_stdio(sys.argv[2]))
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
