#!/usr/bin/env bash
# Runs the whole lab and regenerates reports/. Installs the C toolchain first if it is missing.
# Extra arguments go to `dylab report` (e.g. --engine wasmi --case dlhello).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The dev profile, as scripts/test.sh: one build of the engines serves both commands. It is optimised
# (see [profile.dev] in Cargo.toml), so the call-cost numbers are meaningful.
cargo run --quiet -p dylab -- report "$@"
cargo run --quiet -p dylab -- bench
# Instruction counts under callgrind (data/counts.json); calls.md is re-rendered to lead with them.
cargo run --quiet -p dylab -- bench --count
