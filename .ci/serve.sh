#!/usr/bin/env bash
# Builds Gauntlet and serves it on SQLite (./data/gauntlet.db) at BIND_ADDR
# (default 127.0.0.1:3000). Extra arguments go to the server, e.g. --demo.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/bootstrap.sh

ensure_rust_tools
ensure_node_packages
build_site

export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export DATABASE_URL="${DATABASE_URL:-sqlite://data/gauntlet.db}"
say "Serving on http://${BIND_ADDR:-127.0.0.1:3000} (Ctrl-C stops it)"
exec "$(server_binary)" "$@"
