# Sourced by the live checks: start `mercato serve --demo` on a free loopback port with the
# keys in MERCATO_API_KEY and MERCATO_APPROVER_KEY, set $base to its URL, and stop it on exit.
start_demo_server() {
    # The test build's binary: `cargo build -p mercato` would resolve other features and
    # rebuild much of the tree (five minutes on two cores) for the same program.
    cargo test --workspace --no-run --quiet
    server_log="$(mktemp)"
    target/debug/mercato serve --demo --listen 127.0.0.1:0 >"$server_log" 2>&1 &
    server=$!
    trap 'kill "$server" 2>/dev/null || true; rm -f "$server_log"' EXIT
    for _ in $(seq 1 120); do
        grep -q "^mercato listening on " "$server_log" && break
        kill -0 "$server" 2>/dev/null || { cat "$server_log" >&2; exit 1; }
        sleep 0.5
    done
    base="$(sed -n 's/^mercato listening on //p' "$server_log" | head -n1)"
    [ -n "$base" ] || { echo "the server did not start:" >&2; cat "$server_log" >&2; exit 1; }
}
