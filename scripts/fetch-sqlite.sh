#!/usr/bin/env bash
# Fetches the SQLite amalgamation (sqlite3.c, sqlite3.h, sqlite3ext.h) that the `sqlite-*` cases build,
# from the crates.io package libsqlite3-sys (feature `bundled` ships it), into target/sqlite/ (see
# crate-files.sh).
set -euo pipefail
source "$(dirname "$0")/crate-files.sh"

label="SQLite amalgamation"
name=sqlite
crate=libsqlite3-sys
# Pinned: the cases' expected output and the case's flags were checked against this release.
version="=0.30.1"
features='"bundled"'
folder=sqlite3
marks=(sqlite3.c sqlite3.h sqlite3ext.h)
copy=("${marks[@]}")
fetch_crate_files
