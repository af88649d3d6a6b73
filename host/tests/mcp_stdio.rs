//! `mercato mcp` as an AI agent's host runs it: a child process speaking MCP on stdin and
//! stdout, driven by rmcp's own client.

use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::{ConfigureCommandExt as _, TokioChildProcess};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn mercato_mcp_serves_an_agent_on_stdio() {
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato")).configure(|c| {
        c.args(["mcp", "--demo"])
            .env("MERCATO_API_KEY", "mcp-stdio-test-key-0123456789");
    });
    let transport = TokioChildProcess::new(command).expect("spawn mercato mcp");
    let agent = ().serve(transport).await.expect("MCP initialize");
    let info = agent.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().expect("implementation").name,
        "mercato"
    );
    let mut names: Vec<String> = agent
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cancel_order",
            "compare_offers",
            "get_approval",
            "get_order",
            "get_quote",
            "list_suppliers",
            "order_quote",
            "place_order",
            "request_quote",
            "search_catalog"
        ]
    );
    let args = json!({ "text": "M8 hex bolt" });
    let result = agent
        .call_tool(
            CallToolRequestParams::new("search_catalog")
                .with_arguments(args.as_object().expect("object").clone()),
        )
        .await
        .expect("tools/call");
    assert_ne!(result.is_error, Some(true), "{result:?}");
    let found = result.structured_content.expect("structured answer");
    let suppliers: Vec<&str> = found["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|a| a["supplier"].as_str().expect("supplier"))
        .collect();
    assert_eq!(suppliers, ["voltaic", "nordfast", "hansa"]);
    agent.cancel().await.expect("close");
}
