//! Showing contract values to people: the trade rooms' formatting, and tables in the house
//! style for the demo and the CLI.

pub use mercato_trade::display::*;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

/// A table with the house style and `header`: fitted to 120 columns on a terminal, never
/// wrapped when piped (ids must survive a copy or a `grep`).
pub fn table(header: &[&str]) -> Table {
    use std::io::IsTerminal as _;
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    if std::io::stdout().is_terminal() {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(120);
    } else {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    table
}
