#!/usr/bin/env bash
# Runs every test of the lab. Installs the C toolchain first if it is missing.
# Ends with one summary line over all test binaries ("N passed, N failed"), since cargo's own last
# line is that of whichever binary ran last (often an empty doc-test run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --no-fail-fast "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# The sources stay formatted (rustfmt.toml); rustfmt comes with rustup's default profile.
if ! cargo fmt --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
    rustup component add rustfmt >/dev/null 2>&1 || true
fi
if cargo fmt --version >/dev/null 2>&1; then
    if ! cargo fmt --all --check >/dev/null; then
        echo "dylab test: the sources are not formatted (cargo fmt --all --check failed): run cargo fmt --all" | tee -a "$log"
        status=1
    fi
else
    echo "dylab test: rustfmt is missing (rustup component add rustfmt): formatting was not checked" >&2
fi
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "summary: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
