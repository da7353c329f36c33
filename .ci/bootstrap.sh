# Installs what building and testing Gauntlet needs, skipping whatever is present.
# Sourced by serve.sh and test.sh; every step says what it does and how long it may take.

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mxx\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

apt_install() {
  say "Installing Debian packages: $* (about a minute)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_rust_tools() {
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust from https://rustup.rs first"
  if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    say "Adding the wasm32-unknown-unknown target (under a minute)"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "Installing cargo-leptos $CARGO_LEPTOS_VERSION without downloads from GitHub (about 25 minutes, once)"
    cargo install --locked "cargo-leptos@$CARGO_LEPTOS_VERSION" --features no_downloads
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    # not --locked: its lockfile names a crate version the registry lacks
    say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

ensure_node_packages() {
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing npm packages: Tailwind, wasm-opt (binaryen), Playwright (under a minute)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
  fi
}

# One release build serves the app and the end-to-end tests: server binary, WASM, CSS.
build_site() {
  say "Building the site in release mode (cold: about 10 minutes; warm: under a minute)"
  cargo leptos build --release
}

server_binary() {
  printf '%s/release/gauntlet' "${CARGO_TARGET_DIR:-$(pwd)/target}"
}

pg_answers() {
  if command -v psql >/dev/null 2>&1; then
    psql "$1" -tAc 'SELECT 1' >/dev/null 2>&1
  else
    # no client here: at least the port must answer
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
  fi
}

# Uses the PostgreSQL at TEST_DATABASE_URL, or starts (installing if need be)
# Debian's own and points TEST_DATABASE_URL at it.
ensure_postgres() {
  export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
  if pg_answers "$TEST_DATABASE_URL"; then return 0; fi
  say "No PostgreSQL answers at $TEST_DATABASE_URL: starting the local one"
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install postgresql
  fi
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || die "PostgreSQL is installed but has no cluster under /etc/postgresql"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_answers "$TEST_DATABASE_URL" && return 0; sleep 1; done
  # A stock cluster asks for a password over TCP: give postgres one and a test database.
  as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'test'\" | grep -q 1 || createdb test"
  export TEST_DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/test"
  pg_answers "$TEST_DATABASE_URL" || die "PostgreSQL still does not answer at $TEST_DATABASE_URL"
}
