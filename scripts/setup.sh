#!/usr/bin/env bash
# Makes sure the lab's C toolchain (Debian's clang-19, lld-19, wasi-libc and the wasm32 compiler-rt
# builtins), valgrind (instruction counts: `dylab bench --count`), gcc-multilib (the native
# reference: gcc -m32 under glibc's ld.so), chromium (the browser test of reports/index.html, run
# headless) and cargo are present. Installs
# missing packages when run as root with apt-get; otherwise says what is missing and how to install it.
# Then fetches the SQLite amalgamation (scripts/fetch-sqlite.sh) and the Lua sources
# (scripts/fetch-lua.sh). Prints one line per step when all is present.
# Needs no standard input (CI).
set -euo pipefail

packages=(clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 valgrind gcc-multilib chromium)

missing_packages() {
    local pkg status
    for pkg in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        if [[ "$status" != "install ok installed" ]]; then
            printf '%s\n' "$pkg"
        fi
    done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "dylab setup: dpkg-query not found: this lab expects a Debian-like system with the packages ${packages[*]}" >&2
    echo "dylab setup: (or point DYLAB_CLANG, DYLAB_WASM_LD, DYLAB_WASI_SYSROOT and DYLAB_CLANG_RT at equivalent tools)" >&2
    exit 1
fi

mapfile -t missing < <(missing_packages)

if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "dylab setup: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q </dev/null
        apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
        mapfile -t still < <(missing_packages)
        if ((${#still[@]} > 0)); then
            echo "dylab setup: still missing after apt-get install: ${still[*]}" >&2
            exit 1
        fi
    else
        echo "dylab setup: missing Debian packages: ${missing[*]}" >&2
        echo "dylab setup: install them with: sudo apt-get install -y ${missing[*]}" >&2
        echo "dylab setup: (all of them: apt-get install -y ${packages[*]})" >&2
        exit 1
    fi
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "dylab setup: cargo not found: install Rust with rustup (https://rustup.rs), then re-run" >&2
    exit 1
fi

echo "dylab setup: toolchain present"

# The SQLite amalgamation for the sqlite-* cases (from crates.io, into target/sqlite/, not into git).
bash "$(dirname "$0")/fetch-sqlite.sh"

# The Lua 5.4 sources for the lua-* cases (from crates.io, into target/lua/, not into git).
bash "$(dirname "$0")/fetch-lua.sh"

# The pinned Nodes for the V8 engines (into target/node-v26.10.0/ and node-v22.23.5/, not into git).
bash "$(dirname "$0")/setup-node.sh"
