#!/usr/bin/env bash
# Runs every test: unit, store conformance on SQLite and PostgreSQL, HTTP, and the
# Playwright specs in Debian's Chromium against the release-built server.
set -uo pipefail
cd "$(dirname "$0")/.."
. .ci/bootstrap.sh
set -e

started=$(date +%s)
ensure_rust_tools
ensure_node_packages
ensure_chromium
ensure_postgres
build_site

logs=$(mktemp -d)
set +e

say "cargo test (unit, store conformance on SQLite and PostgreSQL, HTTP; release build)"
GAUNTLET_BIN="$(server_binary)" LEPTOS_SITE_ROOT="$(pwd)/target/site" \
  cargo test --release -p app --features testing 2>&1 | tee "$logs/cargo.log"
cargo_status=${PIPESTATUS[0]}
cargo_passed=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$logs/cargo.log" | awk '{s+=$4} END {print s+0}')
cargo_failed=$(grep -oE '[0-9]+ failed;' "$logs/cargo.log" | awk '{s+=$1} END {print s+0}')
store_sqlite=$(grep -cE '^test store::conformance::sqlite::.* ok$' "$logs/cargo.log")
store_pg=$(grep -cE '^test store::conformance::postgres::.* ok$' "$logs/cargo.log")
if [ "$cargo_status" -ne 0 ] && [ "$cargo_failed" -eq 0 ]; then cargo_failed=1; fi

say "Playwright in Chromium against the release server"
e2e_dir=$(mktemp -d)
bin=$(server_binary)
E2E_ADMIN_USERNAME=e2e_admin E2E_ADMIN_PASSWORD=e2e-admin-password
(cd "$e2e_dir" && DATABASE_URL="sqlite://$e2e_dir/gauntlet.db" BIND_ADDR=127.0.0.1:0 \
  ADMIN_USERNAME=$E2E_ADMIN_USERNAME ADMIN_PASSWORD=$E2E_ADMIN_PASSWORD \
  LEPTOS_SITE_ROOT="$OLDPWD/target/site" RUST_LOG=warn,app=info \
  LOGIN_ATTEMPTS_PER_ACCOUNT_PER_MIN=100000 LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN=100000 \
  exec "$bin" >"$e2e_dir/server.log" 2>&1) &
server_pid=$!
base_url=""
for _ in $(seq 1 100); do
  base_url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$e2e_dir/server.log" | head -n 1)
  [ -n "$base_url" ] && break
  sleep 0.2
done
if [ -z "$base_url" ]; then
  cat "$e2e_dir/server.log"
  e2e_status=1; e2e_passed=0; e2e_failed=1
else
  BASE_URL="$base_url" E2E_ADMIN_USERNAME=$E2E_ADMIN_USERNAME E2E_ADMIN_PASSWORD=$E2E_ADMIN_PASSWORD \
    npx playwright test --config end2end/playwright.config.ts 2>&1 | tee "$logs/e2e.log"
  e2e_status=${PIPESTATUS[0]}
  e2e_passed=$(grep -oE '^ *[0-9]+ passed' "$logs/e2e.log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
  e2e_failed=$(grep -oE '^ *[0-9]+ failed' "$logs/e2e.log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
  if [ "$e2e_status" -ne 0 ] && [ "${e2e_failed:-0}" -eq 0 ]; then e2e_failed=1; fi
fi
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null

elapsed=$(( $(date +%s) - started ))
echo
say "Summary ($((elapsed / 60)) min $((elapsed % 60)) s)"
echo "  cargo test:        $cargo_passed passed, $cargo_failed failed"
echo "  store conformance: $store_sqlite passed on SQLite, $store_pg passed on PostgreSQL"
echo "  playwright:        ${e2e_passed:-0} passed, ${e2e_failed:-0} failed (Chromium)"
total_passed=$((cargo_passed + ${e2e_passed:-0}))
total_failed=$((cargo_failed + ${e2e_failed:-0}))
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ] && [ "$cargo_status" -eq 0 ] && [ "$e2e_status" -eq 0 ]
