# Sourced by the fetch-*.sh scripts: copies files that a crates.io package ships (C sources the
# corpus builds) into target/<name>/ (beside the lab's cache: $(dirname $DYLAB_CACHE)/<name> when
# DYLAB_CACHE is set), outside git, never vendored. `cargo fetch` on a one-dependency manifest puts the
# crate in cargo's registry; the files are copied from there. Idempotent: does nothing when every
# file of `marks` is present.
#
# The caller sets: label (for messages), name (the folder under target/), crate, version (a cargo
# requirement, "=x.y.z" to pin), features (cargo features, may be empty), folder (inside the crate),
# marks (files whose presence marks a complete copy), copy (globs inside folder), then calls
# fetch_crate_files.

fetch_crate_files() {
    local root target dest fetch home src f
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    # The folder the lab looks in: beside its cache ($DYLAB_CACHE, else target/dylab-cache).
    if [[ -n "${DYLAB_CACHE:-}" ]]; then
        target=$(dirname "$DYLAB_CACHE")
    else
        target=$root/target
    fi
    dest="$target/$name"
    local complete=1
    for f in "${marks[@]}"; do [[ -s "$dest/$f" ]] || complete=0; done
    if ((complete)); then
        echo "dylab setup: $label present in $dest"
        return 0
    fi

    fetch="$target/$name-fetch"
    mkdir -p "$fetch/src"
    cat >"$fetch/Cargo.toml" <<TOML
[package]
name = "dylab-$name-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$crate = { version = "$version", features = [${features}] }

[workspace]
TOML
    : >"$fetch/src/lib.rs"
    cargo fetch --manifest-path "$fetch/Cargo.toml" -q </dev/null

    home=${CARGO_HOME:-$HOME/.cargo}
    src=$(ls -d "$home"/registry/src/*/"$crate-${version#=}/$folder" 2>/dev/null | head -n 1)
    if [[ -z "$src" ]]; then
        echo "dylab setup: cargo fetched $crate ${version#=} but its $folder/ folder is not in $home/registry/src" >&2
        return 1
    fi
    # A fresh folder, renamed into place, so an interrupted copy is never taken for a complete one.
    rm -rf "$dest.tmp"
    mkdir -p "$dest.tmp"
    (cd "$src" && cp ${copy[@]} "$dest.tmp/")
    rm -rf "$dest"
    mv "$dest.tmp" "$dest"
    echo "dylab setup: $label copied from $src to $dest"
}
