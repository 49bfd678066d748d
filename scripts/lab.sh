#!/usr/bin/env bash
# Runs the whole lab and regenerates reports/. Installs the C toolchain first if it is missing.
# Extra arguments go to `dylab report` (e.g. --engine wasmi --case dlhello).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
step() { printf '\ndylab lab: %s\n' "$*" >&2; }
# The dev profile, as scripts/test.sh: one build of the engines serves both commands. It is optimised
# (see [profile.dev] in Cargo.toml), so the call-cost numbers are meaningful.
if [[ ! -x target/debug/dylab ]]; then
    step "first build: wasmtime, wasmi, the V8 addon and the lab, optimised (about 10 minutes on 2 cores; cargo shows its progress)"
fi
cargo build -p dylab
# The benchmarks first: index.html, written by `dylab report` last, shows calls.md and its charts.
step "call and loader costs (dylab bench: a few minutes)"
cargo run --quiet -p dylab -- bench
# Instruction counts under callgrind (data/counts.json); calls.md is re-rendered to lead with them.
step "instruction counts under callgrind (dylab bench --count: about 3 minutes)"
cargo run --quiet -p dylab -- bench --count
step "the matrix on every engine, then every report (dylab report: about 1-2 minutes when warm)"
cargo run --quiet -p dylab -- report "$@"
step "done: open reports/index.html in a browser"
