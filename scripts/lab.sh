#!/usr/bin/env bash
# Runs the whole lab and regenerates reports/. Installs the C toolchain first if it is missing.
# Extra arguments go to `dylab report` (e.g. --engine wasmi --case dlhello).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Release build: the call-cost numbers are only meaningful optimised.
cargo build --release --quiet -p dylab
./target/release/dylab report "$@"
./target/release/dylab bench
