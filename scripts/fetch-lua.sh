#!/usr/bin/env bash
# Fetches the Lua 5.4 sources (src/*.c, *.h) that the `lua-*` cases build, from the crates.io package
# lua-src (it ships each Lua release's sources), into target/lua/ (see crate-files.sh).
set -euo pipefail
source "$(dirname "$0")/crate-files.sh"

label="Lua sources"
name=lua
crate=lua-src
# Pinned: the cases' expected output was checked against this release (Lua 5.4.7).
version="=547.1.0"
features=""
folder="lua-5.4.7"
# The package ships the whole src/ folder; these files mark a complete copy.
marks=(lua.h luaconf.h lapi.c ldo.c loadlib.c lvm.c)
copy=("*.c" "*.h")
fetch_crate_files
