#!/usr/bin/env bash
# P5: gateway throughput. `mercato serve` (release build) over 10 offline suppliers, loaded
# with POST /v1/search by wrk (or oha, if that is what is installed) on 127.0.0.1.
#
#   benches/load/p5.sh                      # 20 s, 64 connections, 10 suppliers
#   DURATION=60s CONNECTIONS=128 benches/load/p5.sh
#   BODY='{"text":"hex bolt","page_size":10}' benches/load/p5.sh   # another search
#
# The load generator runs on the same machine as the server, so on 2 cores it takes part
# of the CPU the server could use: the figure is a lower bound of what the server sustains.
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=${DURATION:-20s}
connections=${CONNECTIONS:-64}
suppliers=${SUPPLIERS:-10}
port=${PORT:-18080}
url="http://127.0.0.1:$port/v1/search"
# A machine customer browsing one category for its top five: the gateway's work, not a full
# catalogue scan inside each adapter, is what P5 measures.
body=${BODY:-'{"categories":["bolts"],"page_size":5}'}

if ! command -v wrk >/dev/null && ! command -v oha >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq wrk >/dev/null
    else
        echo "p5: install wrk (apt-get install wrk) or oha (cargo install oha)" >&2
        exit 1
    fi
fi

cargo build --release -p mercato -p mercato-benches --bin mercato --bin offline-suppliers
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
target/release/offline-suppliers "$work" --suppliers "$suppliers" --address "127.0.0.1:$port" >/dev/null
key=$(grep -o 'value = "[^"]*"' "$work/mercato-host.toml" | head -1 | cut -d'"' -f2)

RUST_LOG=warn target/release/mercato serve --policy "$work/mercato-host.toml" &
server=$!
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
done

# One request first: every supplier must answer, or the load run would measure errors.
answered=$(curl -fsS -X POST "$url" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -d "$body" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["answers"]))')
echo "p5: $answered of $suppliers suppliers answer one search"
[ "$answered" = "$suppliers" ] || { echo "p5: not every supplier answered" >&2; exit 1; }

echo "p5: $(nproc) cores; $connections connections for $duration"
if command -v wrk >/dev/null; then
    lua="$work/search.lua"
    cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA
    wrk -t1 -c"$connections" -d"$duration" --latency -s "$lua" "$url"
else
    oha --no-tui -z "$duration" -c "$connections" -m POST -T application/json \
        -H "Authorization: Bearer $key" -d "$body" "$url"
fi
