#!/usr/bin/env bash
# Fetches the SQLite amalgamation (sqlite3.c, sqlite3.h, sqlite3ext.h) that the `sqlite-*` cases build,
# from the crates.io package libsqlite3-sys (feature `bundled` ships it), into target/sqlite/ (beside
# the lab's cache: $(dirname $DYLAB_CACHE)/sqlite when DYLAB_CACHE is set): outside
# git, never vendored. `cargo fetch` on a one-dependency manifest puts the crate in cargo's registry;
# the three files are copied from there. Idempotent: does nothing when target/sqlite/ is complete.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# The folder the lab looks in: beside its cache ($DYLAB_CACHE, else target/dylab-cache).
if [[ -n "${DYLAB_CACHE:-}" ]]; then
    target=$(dirname "$DYLAB_CACHE")
else
    target=$root/target
fi
dest="$target/sqlite"
files=(sqlite3.c sqlite3.h sqlite3ext.h)
# Pinned: the cases' expected output and the case's flags were checked against this release.
version="=0.30.1"

complete() {
    local f
    for f in "${files[@]}"; do [[ -s "$dest/$f" ]] || return 1; done
}

if complete; then
    echo "dylab setup: SQLite amalgamation present in $dest"
    exit 0
fi

fetch="$target/sqlite-fetch"
mkdir -p "$fetch/src"
cat >"$fetch/Cargo.toml" <<TOML
[package]
name = "dylab-sqlite-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
libsqlite3-sys = { version = "$version", features = ["bundled"] }

[workspace]
TOML
: >"$fetch/src/lib.rs"
cargo fetch --manifest-path "$fetch/Cargo.toml" -q </dev/null

home=${CARGO_HOME:-$HOME/.cargo}
src=$(ls -d "$home"/registry/src/*/"libsqlite3-sys-${version#=}/sqlite3" 2>/dev/null | head -n 1)
if [[ -z "$src" ]]; then
    echo "dylab setup: cargo fetched libsqlite3-sys ${version#=} but its sqlite3/ folder is not in $home/registry/src" >&2
    exit 1
fi
mkdir -p "$dest"
for f in "${files[@]}"; do
    cp "$src/$f" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
done
echo "dylab setup: SQLite amalgamation copied from $src to $dest"
