//! The public API's operations, each declared once: its parameters (path and query), its JSON
//! body, its answer, its method and path, its documentation, its links to what follows it and,
//! where agents may call it, its MCP tool. The HTTP router, the OpenAPI document, the MCP
//! server and the CLI client all walk [`visit`], so an operation added here is served,
//! documented, offered to agents and callable from the CLI at once, with one shape everywhere.
//!
//! The host's own routes (health, the document itself, metrics, the approvers' page, inbound
//! documents) are not operations on suppliers' data and stay with the HTTP router.

use super::api::{
    ApprovalRef, ApprovalView, ApprovalsResponse, ApproveBody, AvailabilityBody, CancelBody,
    FanOutResponse, ItemsRequest, MandatesResponse, OffersRequest, OffersResponse, OrderRef,
    QuoteRef, QuotesRequest, RejectBody, SearchRequest, SupplierFilter, SuppliersResponse,
};
use super::openapi::Link;
use super::problem::ApiError;
use super::service::Service;
use super::summary::Summary;
use crate::clients::Client;
use crate::desk::IdempotencyKey;
use crate::wire::{
    self, AvailabilityAnswer, CancelOutcome, CatalogItem, Invoice, Order, Quote,
    ReturnAuthorization, SearchPage, Shipment,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The HTTP methods operations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// Reads; no body.
    Get,
    /// Everything else; a JSON body.
    Post,
}

impl Verb {
    /// As an [`http::Method`].
    pub fn method(self) -> http::Method {
        match self {
            Verb::Get => http::Method::GET,
            Verb::Post => http::Method::POST,
        }
    }
}

/// How an operation is served and documented.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// HTTP method.
    pub verb: Verb,
    /// Path template; `{name}` takes the parameter `name`, every other parameter is a query
    /// parameter.
    pub path: &'static str,
    /// `operationId`.
    pub id: &'static str,
    /// One line, for the document.
    pub summary: &'static str,
    /// The document's grouping tag.
    pub tag: &'static str,
    /// Needs an idempotency key (the `Idempotency-Key` header; the `idempotency_key` tool
    /// argument; the CLI's `--idempotency-key`).
    pub keyed: bool,
    /// Answers 201 with a `Location` (see [`Operation::location`]) rather than 200.
    pub created: bool,
    /// What a success holds, for the document.
    pub ok: &'static str,
    /// Error statuses besides 401, 414 and 431 (which every protected route can answer).
    pub errors: &'static [u16],
    /// Operations a success leads to.
    pub links: &'static [Link],
    /// The MCP tool, if agents may call it.
    pub tool: Option<ToolSpec>,
}

/// A spec with no tag, key, links or tool: the base each operation fills in.
const fn spec(verb: Verb, path: &'static str, id: &'static str, summary: &'static str) -> Spec {
    Spec {
        verb,
        path,
        id,
        summary,
        tag: "catalog",
        keyed: false,
        created: false,
        ok: "OK",
        errors: &[],
        links: &[],
        tool: None,
    }
}

/// An operation as an MCP tool.
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    /// The tool's name (`snake_case`).
    pub name: &'static str,
    /// A few words, for people.
    pub title: &'static str,
    /// What the model reads: what it does, what it returns, what to call next.
    pub description: &'static str,
    /// The description ends with how money and quantities are written.
    pub money: bool,
    /// What calling it does, for the tool's annotations.
    pub effect: Effect,
}

/// What a call does, as an agent's host needs to know before letting a model make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads what the host itself knows; asks no supplier.
    ReadsHost,
    /// Reads from suppliers.
    Reads,
    /// Creates something at a supplier that commits no one (a quote): not idempotent, not
    /// destructive.
    Creates,
    /// Changes or commits at a supplier (an order, a cancellation); keyed, so a retry is safe.
    Commits,
}

/// A call's inputs.
#[derive(Debug, Clone)]
pub struct Call<P, B> {
    /// Path and query parameters.
    pub params: P,
    /// The body.
    pub body: B,
    key: Option<IdempotencyKey>,
}

impl<P, B> Call<P, B> {
    /// A call with these inputs; `key` is required by keyed operations.
    pub fn new(params: P, body: B, key: Option<IdempotencyKey>) -> Self {
        Call { params, body, key }
    }

    /// The idempotency key, or the error saying a keyed call needs one.
    pub fn key(&self) -> Result<&IdempotencyKey, ApiError> {
        self.key.as_ref().ok_or(ApiError::IdempotencyKeyRequired)
    }
}

/// No parameters, or no body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// A request body type. Operations without one take [`Empty`], and no body is read or sent.
pub trait RequestBody:
    Serialize + DeserializeOwned + JsonSchema + Clone + Send + Sync + 'static
{
    /// The value standing for "no body", for [`Empty`]; `None` for real bodies.
    fn absent() -> Option<Self> {
        None
    }
}

impl RequestBody for Empty {
    fn absent() -> Option<Self> {
        Some(Empty {})
    }
}

macro_rules! request_bodies {
    ($($t:ty),* $(,)?) => { $(impl RequestBody for $t {})* };
}

request_bodies!(
    SearchRequest,
    ItemsRequest,
    AvailabilityBody,
    OffersRequest,
    QuotesRequest,
    wire::OrderQuote,
    wire::PlaceOrder,
    CancelBody,
    wire::ReturnBody,
    ApproveBody,
    RejectBody,
);

/// One operation of the public API.
pub trait Operation: 'static {
    /// Path and query parameters: an object of strings (the path's `{name}`s and the rest).
    type Params: Serialize + DeserializeOwned + JsonSchema + Clone + Send + Sync + 'static;
    /// The JSON body ([`Empty`] for none).
    type Body: RequestBody;
    /// The answer.
    type Output: Serialize + DeserializeOwned + JsonSchema + Summary + Send + Sync + 'static;
    /// How it is served and documented.
    const SPEC: Spec;

    /// Do it for `client`.
    fn run(
        service: &Service,
        client: &Client,
        call: Call<Self::Params, Self::Body>,
    ) -> impl Future<Output = Result<Self::Output, ApiError>> + Send;

    /// Where a created resource lives (`Location`), for [`Spec::created`] operations.
    fn location(_: &Self::Params, _: &Self::Body, _: &Self::Output) -> Option<String> {
        None
    }
}

/// Something that walks the catalogue: a front end building its routes, tools or documents.
pub trait Visitor {
    /// Take in operation `O`.
    fn visit<O: Operation>(&mut self);
}

/// Every operation, in the order the document lists them.
pub fn visit(v: &mut impl Visitor) {
    v.visit::<ListSuppliers>();
    v.visit::<Search>();
    v.visit::<GetItems>();
    v.visit::<CheckAvailability>();
    v.visit::<CompareOffers>();
    v.visit::<RequestQuotes>();
    v.visit::<GetQuote>();
    v.visit::<OrderQuote>();
    v.visit::<PlaceOrder>();
    v.visit::<GetOrder>();
    v.visit::<CancelOrder>();
    v.visit::<ListShipments>();
    v.visit::<ListInvoices>();
    v.visit::<RequestReturn>();
    v.visit::<ListMandates>();
    v.visit::<ListApprovals>();
    v.visit::<GetApproval>();
    v.visit::<ApproveOrder>();
    v.visit::<RejectOrder>();
}

/// Errors of a fan-out: bad input, unknown supplier in the selection, no call slot.
const FAN_OUT_ERRORS: &[u16] = &[400, 404, 413, 415, 429];
/// Errors of a call to one supplier.
const ONE_SUPPLIER_ERRORS: &[u16] = &[400, 402, 403, 404, 409, 413, 415, 422, 429, 502, 503, 504];
/// Errors of an approver's decision.
const APPROVAL_ERRORS: &[u16] = &[400, 402, 403, 404, 409, 413, 415, 422, 429, 502, 503, 504];

/// How money and quantities are written, for tool descriptions.
pub const MONEY_NOTE: &str = "Money is {\"currency\":\"EUR\",\"minor\":1234} (integer minor \
units: EUR 12.34); quantities are {\"steps\":n,\"unit\":\"C62\",\"scale\":0} (steps × 10^-scale \
of a UN/CEFACT unit, C62 = piece); unit prices are {\"mantissa\":m,\"scale\":s} per basis \
quantity.";

/// From the suppliers to a quote request: the flow an agent or a stateful test follows.
const ASK_FOR_QUOTES: Link = Link {
    name: "RequestQuotes",
    operation: "requestQuotes",
    parameters: &[],
    description: "Ask suppliers whose capabilities include instant_quote to quote (name them \
                  in `suppliers`)",
};

/// From a fan-out of quotes to the first quote.
const FIRST_QUOTE: &[(&str, &str)] = &[
    ("supplier", "$response.body#/answers/0/supplier"),
    ("quote_id", "$response.body#/answers/0/answer/quote_id"),
];
const QUOTE_AGAIN: Link = Link {
    name: "GetQuote",
    operation: "getQuote",
    parameters: FIRST_QUOTE,
    description: "The first supplier's quote again",
};
const ORDER_QUOTED: Link = Link {
    name: "OrderQuote",
    operation: "orderQuote",
    parameters: FIRST_QUOTE,
    description: "Order what the first supplier quoted",
};
const ORDER_THIS_QUOTE: Link = Link {
    name: "OrderQuote",
    operation: "orderQuote",
    parameters: &[
        ("supplier", "$request.path.supplier"),
        ("quote_id", "$request.path.quote_id"),
    ],
    description: "Order what this quote priced",
};

/// What can be done with an order once placed: follow it, cancel it, return goods.
macro_rules! follow_order {
    ($supplier:expr) => {
        &[
            follow_order!(
                $supplier,
                "GetOrder",
                "getOrder",
                "The order's current state"
            ),
            follow_order!($supplier, "ListShipments", "listShipments", "Its shipments"),
            follow_order!($supplier, "ListInvoices", "listInvoices", "Its invoices"),
            follow_order!($supplier, "CancelOrder", "cancelOrder", "Cancel it"),
            follow_order!(
                $supplier,
                "RequestReturn",
                "requestReturn",
                "Return goods of it"
            ),
        ]
    };
    ($supplier:expr, $name:expr, $op:expr, $what:expr) => {
        Link {
            name: $name,
            operation: $op,
            parameters: &[
                ("supplier", $supplier),
                ("order_id", "$response.body#/order_id"),
            ],
            description: $what,
        }
    };
}
const FOLLOW_PLACED_ORDER: &[Link] = follow_order!("$request.body#/supplier");
const FOLLOW_ORDER_OF_QUOTE: &[Link] = follow_order!("$request.path.supplier");

/// Where an order lives in the API. The supplier's order id is its own: encoded, so it cannot
/// point the client elsewhere.
fn order_location(supplier: &str, order: &Order) -> Option<String> {
    Some(format!(
        "/v1/orders/{}/{}",
        path_segment(supplier)?,
        path_segment(&order.order_id)?
    ))
}

/// `value` as one URL path segment: percent-encoded but for RFC 3986's unreserved characters,
/// so it cannot add a segment, a query or a fragment. `None` for "", "." and "..", which a
/// path cannot hold as a name (URL parsers resolve them, encoded or not).
pub fn path_segment(value: &str) -> Option<String> {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    if matches!(value, "" | "." | "..") {
        return None;
    }
    Some(utf8_percent_encode(value, KEEP).to_string())
}

/// `GET /v1/suppliers`.
pub struct ListSuppliers;

impl Operation for ListSuppliers {
    type Params = SupplierFilter;
    type Body = Empty;
    type Output = SuppliersResponse;
    const SPEC: Spec = Spec {
        tag: "suppliers",
        ok: "Loaded suppliers",
        errors: &[400],
        links: &[ASK_FOR_QUOTES],
        tool: Some(ToolSpec {
            name: "list_suppliers",
            title: "List the suppliers",
            description: "The suppliers this host buys from, and what each can do: \
                `capabilities` (search, instant_quote, place_order, cancel_order, …), the \
                `currencies` it sells in, the `ship_to_countries` it delivers to, \
                `max_lines_per_order`, whether its `breaker` is closed (calls flow) or open \
                (suspended after faults), and its `readiness` (its connection check: ready, \
                failing, not_checkable or unchecked). Call it first: quote and order only with \
                suppliers whose capabilities include instant_quote and place_order (pass them as \
                compare_offers' scope.suppliers). `currency` and `country` keep only the \
                suppliers that sell in or ship to them. Read-only; asks no supplier.",
            money: false,
            effect: Effect::ReadsHost,
        }),
        ..spec(
            Verb::Get,
            "/v1/suppliers",
            "listSuppliers",
            "Suppliers with their capabilities, currencies, countries, hosts and limits; \
             `currency` and `country` keep those that sell in or ship to them",
        )
    };

    async fn run(
        s: &Service,
        _: &Client,
        call: Call<SupplierFilter, Empty>,
    ) -> Result<SuppliersResponse, ApiError> {
        s.suppliers(&call.params)
    }
}

/// `POST /v1/search`.
pub struct Search;

impl Operation for Search {
    type Params = Empty;
    type Body = SearchRequest;
    type Output = FanOutResponse<SearchPage>;
    const SPEC: Spec = Spec {
        ok: "Every supplier's page, typed errors, skipped suppliers",
        errors: FAN_OUT_ERRORS,
        tool: Some(ToolSpec {
            name: "search_catalog",
            title: "Search the catalogues",
            description: "Search every eligible supplier's catalogue at once (free text such as \
                \"M8 hex bolt\", category codes, in-stock only). Returns each supplier's page of \
                items (SKU, title, identifiers, price tiers, order rules, stock) under \
                `answers`, suppliers that failed under `errors` with a typed code, and suppliers \
                not asked under `skipped` (they do not sell in the currency or ship to the \
                country). `scope` picks currency, ship-to country and suppliers; the caller's \
                defaults fill what is left out. For the next page pass each supplier's \
                `next_cursor` in `cursors`. Read-only.",
            money: true,
            effect: Effect::Reads,
        }),
        ..spec(
            Verb::Post,
            "/v1/search",
            "search",
            "Search every eligible supplier at once",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<Empty, SearchRequest>,
    ) -> Result<Self::Output, ApiError> {
        s.search(c, call.body).await
    }
}

/// `POST /v1/items`.
pub struct GetItems;

impl Operation for GetItems {
    type Params = Empty;
    type Body = ItemsRequest;
    type Output = FanOutResponse<Vec<CatalogItem>>;
    const SPEC: Spec = Spec {
        ok: "Every supplier's items",
        errors: FAN_OUT_ERRORS,
        ..spec(
            Verb::Post,
            "/v1/items",
            "getItems",
            "Look items up by SKU, GTIN, MPN or buyer part at every eligible supplier",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<Empty, ItemsRequest>,
    ) -> Result<Self::Output, ApiError> {
        s.items(c, call.body).await
    }
}

/// `POST /v1/availability`.
pub struct CheckAvailability;

impl Operation for CheckAvailability {
    type Params = Empty;
    type Body = AvailabilityBody;
    type Output = FanOutResponse<Vec<AvailabilityAnswer>>;
    const SPEC: Spec = Spec {
        ok: "Every supplier's availability",
        errors: FAN_OUT_ERRORS,
        ..spec(
            Verb::Post,
            "/v1/availability",
            "checkAvailability",
            "Live availability at every eligible supplier",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<Empty, AvailabilityBody>,
    ) -> Result<Self::Output, ApiError> {
        s.availability(c, call.body).await
    }
}

/// `POST /v1/offers`.
pub struct CompareOffers;

impl Operation for CompareOffers {
    type Params = Empty;
    type Body = OffersRequest;
    type Output = OffersResponse;
    const SPEC: Spec = Spec {
        ok: "Ranked offers",
        errors: FAN_OUT_ERRORS,
        tool: Some(ToolSpec {
            name: "compare_offers",
            title: "Compare offers for a quantity",
            description: "Search every eligible supplier for `text` and rank what they offer for \
                the wanted `quantity`, best first: the quantity is rounded up to each item's \
                order rules (minimum, increment) and priced at the tier it reaches, then ranked \
                by unit price, ship time and stock. `must_match` keeps only items whose title \
                contains every word (the buyer's specification, e.g. [\"m8x30\"]). Offers are \
                compared in one currency (scope.currency or the caller's default); items in \
                another currency or unit are listed under `problems`, never converted. Each \
                offer says whether its supplier is `orderable` (takes orders here); order only \
                those. Read-only; prices are list prices, use request_quote for binding ones.",
            money: true,
            effect: Effect::Reads,
        }),
        ..spec(
            Verb::Post,
            "/v1/offers",
            "compareOffers",
            "Rank every supplier's offer for a wanted quantity",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<Empty, OffersRequest>,
    ) -> Result<OffersResponse, ApiError> {
        s.offers(c, call.body).await
    }
}

/// `POST /v1/quotes`.
pub struct RequestQuotes;

impl Operation for RequestQuotes {
    type Params = Empty;
    type Body = QuotesRequest;
    type Output = FanOutResponse<Quote>;
    const SPEC: Spec = Spec {
        tag: "quotes",
        ok: "Every supplier's quote",
        errors: FAN_OUT_ERRORS,
        links: &[QUOTE_AGAIN, ORDER_QUOTED],
        tool: Some(ToolSpec {
            name: "request_quote",
            title: "Request quotes",
            description: "Ask every eligible supplier (or those named in `suppliers`) to quote \
                the same lines for delivery to `request.ship_to`. Each answer is a quote with its \
                `quote_id`, status (firm or indicative), validity, line prices, shipping, tax, \
                totals and fulfillment options. A quote commits to nothing; to buy what it \
                priced, pass its supplier and quote_id to order_quote before it expires. \
                Suppliers that cannot quote are under `errors` or `skipped`.",
            money: true,
            effect: Effect::Creates,
        }),
        ..spec(
            Verb::Post,
            "/v1/quotes",
            "requestQuotes",
            "Ask every eligible (or each named) supplier to quote",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<Empty, QuotesRequest>,
    ) -> Result<Self::Output, ApiError> {
        s.request_quotes(c, call.body).await
    }
}

/// `GET /v1/quotes/{supplier}/{quote_id}`.
pub struct GetQuote;

impl Operation for GetQuote {
    type Params = QuoteRef;
    type Body = Empty;
    type Output = Quote;
    const SPEC: Spec = Spec {
        tag: "quotes",
        ok: "The quote",
        errors: ONE_SUPPLIER_ERRORS,
        links: &[ORDER_THIS_QUOTE],
        tool: Some(ToolSpec {
            name: "get_quote",
            title: "Get a quote",
            description: "A quote as the supplier holds it now: status, validity, line prices \
                and totals. Read-only.",
            money: false,
            effect: Effect::Reads,
        }),
        ..spec(
            Verb::Get,
            "/v1/quotes/{supplier}/{quote_id}",
            "getQuote",
            "A quote again, by id",
        )
    };

    async fn run(s: &Service, c: &Client, call: Call<QuoteRef, Empty>) -> Result<Quote, ApiError> {
        s.get_quote(c, &call.params.supplier, &call.params.quote_id)
            .await
    }
}

/// `POST /v1/quotes/{supplier}/{quote_id}/order`.
pub struct OrderQuote;

impl Operation for OrderQuote {
    type Params = QuoteRef;
    type Body = wire::OrderQuote;
    type Output = Order;
    const SPEC: Spec = Spec {
        tag: "quotes",
        keyed: true,
        created: true,
        ok: "The order as the supplier acknowledged it",
        errors: ONE_SUPPLIER_ERRORS,
        links: FOLLOW_ORDER_OF_QUOTE,
        tool: Some(ToolSpec {
            name: "order_quote",
            title: "Order a quote",
            description: "Place a binding purchase order for exactly what a quote priced. This \
                spends money. Pass the quote's `supplier` and `quote_id` (from request_quote), \
                your `buyer_po` and the `ship_to` the quote was asked for; the lines, items, quantities and unit prices come from the \
                quote as the supplier holds it, and `max_total` defaults to its grand total, so \
                nothing can be copied wrong. `idempotency_key` is required: a new key for each \
                new order, the same key when retrying after an error or timeout, so the \
                supplier acts once. The buyer's spend mandate judges every order first: code \
                `mandate_denied` means it may not be placed; code `approval_required` (with \
                `approval_id`) means nothing was sent and a person must approve it — tell the \
                user and follow it with get_approval; once approved the host places it. Returns \
                the order as acknowledged (order_id, status, lines, totals).",
            money: false,
            effect: Effect::Commits,
        }),
        ..spec(
            Verb::Post,
            "/v1/quotes/{supplier}/{quote_id}/order",
            "orderQuote",
            "Order exactly what a quote priced: its lines, items, quantities and unit prices \
             come from the quote; the cap defaults to its grand total",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<QuoteRef, wire::OrderQuote>,
    ) -> Result<Order, ApiError> {
        let key = call.key()?.clone();
        let QuoteRef { supplier, quote_id } = &call.params;
        s.order_quote(c, &key, supplier, quote_id, call.body).await
    }

    fn location(params: &QuoteRef, _: &wire::OrderQuote, order: &Order) -> Option<String> {
        order_location(&params.supplier, order)
    }
}

/// `POST /v1/orders`.
pub struct PlaceOrder;

impl Operation for PlaceOrder {
    type Params = Empty;
    type Body = wire::PlaceOrder;
    type Output = Order;
    const SPEC: Spec = Spec {
        tag: "orders",
        keyed: true,
        created: true,
        ok: "The order as the supplier acknowledged it",
        errors: ONE_SUPPLIER_ERRORS,
        links: FOLLOW_PLACED_ORDER,
        tool: Some(ToolSpec {
            name: "place_order",
            title: "Place an order",
            description: "Place a binding purchase order with one supplier, with lines of your \
                own. This spends money. To buy what a quote priced, order_quote is simpler; \
                here pass the quote's `quote_id`, its lines (each with its `line_id`, item as \
                {\"kind\":\"sku\",\"sku\":…}, quantity, and the quoted unit price as \
                `expected_unit_price`) and its grand total as `max_total`, before the quote's \
                valid_until. `max_total` caps the total: an order priced above it is refused \
                or cancelled, never accepted. A price other than the expected one is refused \
                with code `price_changed`. `idempotency_key` is required: a new key for each \
                new order, the same key when retrying after an error or timeout, so the \
                supplier acts once. `partial_delivery` defaults to ship_complete and `payment` \
                to {\"kind\":\"on_account\"}. The buyer's spend mandate judges every order \
                first: code `mandate_denied` (with `mandate_rule`) means it may not be placed; \
                code `approval_required` (with `approval_id`) means nothing was sent and a \
                person must approve it — tell the user and follow it with get_approval; once \
                approved the host places it. Returns the order as acknowledged (order_id, \
                status, lines, totals).",
            money: true,
            effect: Effect::Commits,
        }),
        ..spec(
            Verb::Post,
            "/v1/orders",
            "placeOrder",
            "Place an order with one supplier",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<Empty, wire::PlaceOrder>,
    ) -> Result<Order, ApiError> {
        let key = call.key()?.clone();
        s.place_order(c, &key, call.body).await
    }

    fn location(_: &Empty, body: &wire::PlaceOrder, order: &Order) -> Option<String> {
        order_location(&body.supplier, order)
    }
}

/// `GET /v1/orders/{supplier}/{order_id}`.
pub struct GetOrder;

impl Operation for GetOrder {
    type Params = OrderRef;
    type Body = Empty;
    type Output = Order;
    const SPEC: Spec = Spec {
        tag: "orders",
        ok: "The order",
        errors: ONE_SUPPLIER_ERRORS,
        tool: Some(ToolSpec {
            name: "get_order",
            title: "Get an order",
            description: "An order's current state at the supplier: status, acknowledgement, \
                each line's ordered, confirmed and shipped quantities, prices and totals. Look \
                it up by the supplier's order id or by the buyer PO. Read-only.",
            money: false,
            effect: Effect::Reads,
        }),
        ..spec(
            Verb::Get,
            "/v1/orders/{supplier}/{order_id}",
            "getOrder",
            "An order's current state",
        )
    };

    async fn run(s: &Service, c: &Client, call: Call<OrderRef, Empty>) -> Result<Order, ApiError> {
        s.get_order(c, &call.params.supplier, &call.params.order_id)
            .await
    }
}

/// `POST /v1/orders/{supplier}/{order_id}/cancel`.
pub struct CancelOrder;

impl Operation for CancelOrder {
    type Params = OrderRef;
    type Body = CancelBody;
    type Output = CancelOutcome;
    const SPEC: Spec = Spec {
        tag: "orders",
        keyed: true,
        ok: "What was cancelled",
        errors: ONE_SUPPLIER_ERRORS,
        tool: Some(ToolSpec {
            name: "cancel_order",
            title: "Cancel an order",
            description: "Ask the supplier to cancel an order, or only the lines named in \
                `line_ids`. Returns what was cancelled and what could not be (for example lines \
                already shipped). `idempotency_key` is required: a new key for each \
                cancellation, the same key when retrying it.",
            money: false,
            effect: Effect::Commits,
        }),
        ..spec(
            Verb::Post,
            "/v1/orders/{supplier}/{order_id}/cancel",
            "cancelOrder",
            "Cancel an order or some of its lines",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<OrderRef, CancelBody>,
    ) -> Result<CancelOutcome, ApiError> {
        let key = call.key()?.clone();
        let OrderRef { supplier, order_id } = &call.params;
        s.cancel_order(c, supplier, order_id, &key, call.body).await
    }
}

/// `GET /v1/orders/{supplier}/{order_id}/shipments`.
pub struct ListShipments;

impl Operation for ListShipments {
    type Params = OrderRef;
    type Body = Empty;
    type Output = Vec<Shipment>;
    const SPEC: Spec = Spec {
        tag: "orders",
        ok: "The order's shipments",
        errors: ONE_SUPPLIER_ERRORS,
        ..spec(
            Verb::Get,
            "/v1/orders/{supplier}/{order_id}/shipments",
            "listShipments",
            "An order's shipments with tracking",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<OrderRef, Empty>,
    ) -> Result<Vec<Shipment>, ApiError> {
        s.shipments(c, &call.params.supplier, &call.params.order_id)
            .await
    }
}

/// `GET /v1/orders/{supplier}/{order_id}/invoices`.
pub struct ListInvoices;

impl Operation for ListInvoices {
    type Params = OrderRef;
    type Body = Empty;
    type Output = Vec<Invoice>;
    const SPEC: Spec = Spec {
        tag: "orders",
        ok: "The order's invoices",
        errors: ONE_SUPPLIER_ERRORS,
        ..spec(
            Verb::Get,
            "/v1/orders/{supplier}/{order_id}/invoices",
            "listInvoices",
            "An order's invoices and credit notes",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<OrderRef, Empty>,
    ) -> Result<Vec<Invoice>, ApiError> {
        s.invoices(c, &call.params.supplier, &call.params.order_id)
            .await
    }
}

/// `POST /v1/orders/{supplier}/{order_id}/returns`.
pub struct RequestReturn;

impl Operation for RequestReturn {
    type Params = OrderRef;
    type Body = wire::ReturnBody;
    type Output = ReturnAuthorization;
    const SPEC: Spec = Spec {
        tag: "orders",
        keyed: true,
        ok: "The return authorization",
        errors: ONE_SUPPLIER_ERRORS,
        ..spec(
            Verb::Post,
            "/v1/orders/{supplier}/{order_id}/returns",
            "requestReturn",
            "Ask to return goods of an order",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<OrderRef, wire::ReturnBody>,
    ) -> Result<ReturnAuthorization, ApiError> {
        let key = call.key()?.clone();
        let OrderRef { supplier, order_id } = &call.params;
        s.request_return(c, supplier, order_id, &key, call.body)
            .await
    }
}

/// `GET /v1/mandates`.
pub struct ListMandates;

impl Operation for ListMandates {
    type Params = Empty;
    type Body = Empty;
    type Output = MandatesResponse;
    const SPEC: Spec = Spec {
        tag: "approvals",
        ok: "The mandates and their budgets",
        ..spec(
            Verb::Get,
            "/v1/mandates",
            "listMandates",
            "The caller's spend mandate and its budget's use this period (an approver's: \
             every client's)",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        _: Call<Empty, Empty>,
    ) -> Result<MandatesResponse, ApiError> {
        s.mandates(c).await
    }
}

/// `GET /v1/approvals`.
pub struct ListApprovals;

impl Operation for ListApprovals {
    type Params = Empty;
    type Body = Empty;
    type Output = ApprovalsResponse;
    const SPEC: Spec = Spec {
        tag: "approvals",
        ok: "Pending approvals",
        errors: &[403],
        ..spec(
            Verb::Get,
            "/v1/approvals",
            "listApprovals",
            "Orders waiting for a person's approval (approvers only)",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        _: Call<Empty, Empty>,
    ) -> Result<ApprovalsResponse, ApiError> {
        s.approvals(c).await
    }
}

/// `GET /v1/approvals/{approval_id}`.
pub struct GetApproval;

impl Operation for GetApproval {
    type Params = ApprovalRef;
    type Body = Empty;
    type Output = ApprovalView;
    const SPEC: Spec = Spec {
        tag: "approvals",
        ok: "The approval",
        errors: &[400, 403, 404],
        tool: Some(ToolSpec {
            name: "get_approval",
            title: "Follow an approval",
            description: "Where an order waiting for a person stands, by the `approval_id` an \
                `approval_required` refusal named: its `state` is pending (a person has not \
                decided), placed (approved and sent; `order_id` names the order), rejected \
                (nothing was sent; `note` says why), approved or failed. Read-only.",
            money: false,
            effect: Effect::ReadsHost,
        }),
        ..spec(
            Verb::Get,
            "/v1/approvals/{approval_id}",
            "getApproval",
            "One approval, for approvers and the client whose order it is",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<ApprovalRef, Empty>,
    ) -> Result<ApprovalView, ApiError> {
        s.approval(c, &call.params.approval_id).await
    }
}

/// `POST /v1/approvals/{approval_id}/approve`.
pub struct ApproveOrder;

impl Operation for ApproveOrder {
    type Params = ApprovalRef;
    type Body = ApproveBody;
    type Output = ApprovalView;
    const SPEC: Spec = Spec {
        tag: "approvals",
        keyed: true,
        ok: "Approved and placed",
        errors: APPROVAL_ERRORS,
        ..spec(
            Verb::Post,
            "/v1/approvals/{approval_id}/approve",
            "approveOrder",
            "Approve a parked order; it is placed as the client asked",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<ApprovalRef, ApproveBody>,
    ) -> Result<ApprovalView, ApiError> {
        let key = call.key()?.clone();
        s.approve(c, &key, &call.params.approval_id, call.body.note)
            .await
    }
}

/// `POST /v1/approvals/{approval_id}/reject`.
pub struct RejectOrder;

impl Operation for RejectOrder {
    type Params = ApprovalRef;
    type Body = RejectBody;
    type Output = ApprovalView;
    const SPEC: Spec = Spec {
        tag: "approvals",
        keyed: true,
        ok: "Rejected",
        errors: &[400, 403, 404, 409, 413, 415, 503],
        ..spec(
            Verb::Post,
            "/v1/approvals/{approval_id}/reject",
            "rejectOrder",
            "Reject a parked order (a reason is required); nothing is sent",
        )
    };

    async fn run(
        s: &Service,
        c: &Client,
        call: Call<ApprovalRef, RejectBody>,
    ) -> Result<ApprovalView, ApiError> {
        let key = call.key()?.clone();
        s.reject(c, &key, &call.params.approval_id, Some(call.body.note))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::HashSet;

    /// What the checks need of each operation.
    struct Seen {
        spec: Spec,
        params: Value,
        body: bool,
        output: Value,
    }

    struct Collect(Vec<Seen>);

    impl Visitor for Collect {
        fn visit<O: Operation>(&mut self) {
            self.0.push(Seen {
                spec: O::SPEC,
                params: super::super::openapi::params_schema::<O::Params>(),
                body: O::Body::absent().is_none(),
                output: schemars::schema_for!(O::Output).to_value(),
            });
        }
    }

    fn all() -> Vec<Seen> {
        let mut c = Collect(Vec::new());
        visit(&mut c);
        c.0
    }

    #[test]
    fn every_operation_is_declared_consistently() {
        let ops = all();
        let mut ids = HashSet::new();
        let mut routes = HashSet::new();
        let mut tools = HashSet::new();
        for Seen {
            spec,
            params,
            body,
            output,
        } in &ops
        {
            assert!(
                ids.insert(spec.id),
                "{}: a second operation with this id",
                spec.id
            );
            assert!(
                routes.insert((spec.verb, spec.path)),
                "{}: a second operation on this route",
                spec.id
            );
            // Every `{name}` in the path is a required parameter.
            let required: Vec<&str> = params["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for slot in spec.path.split('{').skip(1) {
                let name = slot.split('}').next().unwrap_or_default();
                assert!(
                    required.contains(&name),
                    "{}: {{{name}}} is not a required parameter",
                    spec.id
                );
            }
            // Every parameter is a string: it travels in a path or a query.
            for (name, schema) in params["properties"].as_object().into_iter().flatten() {
                let types = &schema["type"];
                assert!(
                    types == "string"
                        || types
                            .as_array()
                            .is_some_and(|t| t.contains(&"string".into())),
                    "{}: parameter {name} is not a string",
                    spec.id
                );
            }
            assert_eq!(
                spec.verb == Verb::Post,
                *body,
                "{}: POST takes a body, GET none",
                spec.id
            );
            assert!(
                !spec.keyed || spec.verb == Verb::Post,
                "{}: a keyed GET",
                spec.id
            );
            assert!(
                !spec.created || spec.keyed,
                "{}: creates without a key",
                spec.id
            );
            if let Some(tool) = spec.tool {
                assert!(
                    tools.insert(tool.name),
                    "{}: a second tool named so",
                    tool.name
                );
                // MCP's structured content is an object.
                assert_eq!(
                    output["type"], "object",
                    "{}: the answer is not an object",
                    tool.name
                );
                assert!(
                    tool.name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{}: tool names are snake_case",
                    tool.name
                );
                assert_eq!(
                    tool.effect == Effect::Commits,
                    spec.keyed,
                    "{}: a tool commits exactly when it takes a key",
                    tool.name
                );
                assert!(
                    matches!(tool.effect, Effect::Reads | Effect::ReadsHost)
                        || spec.verb == Verb::Post,
                    "{}: a GET only reads",
                    tool.name
                );
            }
        }
        assert_eq!(ops.len(), 19);
    }

    #[test]
    fn a_location_cannot_leave_its_path() {
        let order = |id: &str| -> Order {
            serde_json::from_value(serde_json::json!({
                "order_id": id, "buyer_po": "PO-1", "status": "submitted", "ack": "received",
                "created_at": 0, "updated_at": 0, "currency": "EUR", "lines": [],
                "totals": {"lines": {"currency": "EUR", "minor": 0},
                           "discounts": {"currency": "EUR", "minor": 0},
                           "shipping": {"currency": "EUR", "minor": 0},
                           "tax": {"currency": "EUR", "minor": 0},
                           "fees": {"currency": "EUR", "minor": 0},
                           "grand_total": {"currency": "EUR", "minor": 0}}
            }))
            .expect("an order")
        };
        assert_eq!(
            order_location("voltaic", &order("VC-1")).as_deref(),
            Some("/v1/orders/voltaic/VC-1")
        );
        assert_eq!(
            order_location("voltaic", &order("../../admin?x=1#y")).as_deref(),
            Some("/v1/orders/voltaic/..%2F..%2Fadmin%3Fx%3D1%23y")
        );
        assert_eq!(order_location("voltaic", &order("..")), None);
        assert_eq!(path_segment(""), None);
        assert_eq!(path_segment("Ä b").as_deref(), Some("%C3%84%20b"));
    }

    #[test]
    fn the_document_lists_every_operation_as_declared() {
        let doc = super::super::http::openapi_document();
        for Seen { spec, .. } in all() {
            let method = spec.verb.method().as_str().to_ascii_lowercase();
            let op = &doc["paths"][spec.path][&method];
            assert_eq!(op["operationId"], spec.id, "{} {}", method, spec.path);
            let status = if spec.created { "201" } else { "200" };
            assert!(op["responses"][status].is_object(), "{}: {status}", spec.id);
            let header = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header");
            assert_eq!(header, spec.keyed, "{}: Idempotency-Key", spec.id);
        }
    }
}
