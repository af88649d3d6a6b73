//! S14: raw sockets and DNS. Using `std::net` makes the component import `wasi:sockets`,
//! which the host does not link: the adapter is refused at load, naming the import.

use mercato_sdk::prelude::*;

/// The adapter.
#[derive(Default)]
pub struct Sockets;

impl Adapter for Sockets {
    fn describe(&self) -> AdapterProfile {
        AdapterProfile {
            supplier_id: "hostile-sockets".into(),
            display_name: "Opens raw sockets".into(),
            adapter_version: "0.1.0".into(),
            protocols: vec![],
            capabilities: Capabilities::SEARCH,
            currencies: vec!["EUR".into()],
            ship_to_countries: vec!["DE".into()],
            max_lines_per_order: None,
        }
    }

    fn search(&self, _ctx: &CallContext, _q: SearchQuery) -> CommerceResult<SearchPage> {
        let reached = std::net::TcpStream::connect(("169.254.169.254", 80)).is_ok();
        Err(errors::internal(format!(
            "raw socket reached metadata: {reached}"
        )))
    }
}

mercato_sdk::register_adapter!(Sockets);
