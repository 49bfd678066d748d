#!/usr/bin/env bash
# Runs every test of the lab. Installs the C toolchain first if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace "$@"
