#!/usr/bin/env bash
# Fetches the Lua 5.4 sources (src/*.c, *.h) that the `lua-*` cases build, from the crates.io package
# lua-src (it ships each Lua release's sources), into target/lua/ (beside the lab's cache:
# $(dirname $DYLAB_CACHE)/lua when DYLAB_CACHE is set): outside git, never vendored. `cargo fetch` on a
# one-dependency manifest puts the crate in cargo's registry; the files are copied from there.
# Idempotent: does nothing when target/lua/ is complete.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# The folder the lab looks in: beside its cache ($DYLAB_CACHE, else target/dylab-cache).
if [[ -n "${DYLAB_CACHE:-}" ]]; then
    target=$(dirname "$DYLAB_CACHE")
else
    target=$root/target
fi
dest="$target/lua"
# Pinned: the cases' expected output was checked against this release (Lua 5.4.7).
version="=547.1.0"
lua="lua-5.4.7"
# The files whose presence marks a complete copy (the package ships the whole src/ folder).
marks=(lua.h luaconf.h lapi.c ldo.c loadlib.c lvm.c)

complete() {
    local f
    for f in "${marks[@]}"; do [[ -s "$dest/$f" ]] || return 1; done
}

if complete; then
    echo "dylab setup: Lua sources present in $dest"
    exit 0
fi

fetch="$target/lua-fetch"
mkdir -p "$fetch/src"
cat >"$fetch/Cargo.toml" <<TOML
[package]
name = "dylab-lua-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
lua-src = "$version"

[workspace]
TOML
: >"$fetch/src/lib.rs"
cargo fetch --manifest-path "$fetch/Cargo.toml" -q </dev/null

home=${CARGO_HOME:-$HOME/.cargo}
src=$(ls -d "$home"/registry/src/*/"lua-src-${version#=}/$lua" 2>/dev/null | head -n 1)
if [[ -z "$src" ]]; then
    echo "dylab setup: cargo fetched lua-src ${version#=} but its $lua/ folder is not in $home/registry/src" >&2
    exit 1
fi
# A fresh folder, renamed into place, so an interrupted copy is never taken for a complete one.
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
cp "$src"/*.c "$src"/*.h "$dest.tmp/"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "dylab setup: Lua sources copied from $src to $dest"
