#!/usr/bin/env bash
# Builds the Debian package target/debian/scantrail_VERSION_ARCH.deb: the binary, then the
# man page and the bash, zsh and fish completions that this binary prints (made from its own
# command-line definitions, so every subcommand is in them), then `cargo deb --no-build`
# with the metadata in Cargo.toml. Needs cargo-deb (`cargo install cargo-deb --locked`).
#   debian/package.sh                      release build (what a kiosk should get)
#   debian/package.sh --profile dev        package the debug build instead (CI: no second build)
#   debian/package.sh [--profile P] -- ARGS  ARGS go to cargo deb (e.g. --fast, --deb-version)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

profile=release
if [ "${1:-}" = --profile ]; then profile=$2; shift 2; fi
if [ "${1:-}" = -- ]; then shift; fi
case $profile in dev) dir=debug ;; *) dir=$profile ;; esac

if ! cargo deb --version >/dev/null 2>&1; then
  echo "package.sh: cargo-deb is missing: cargo install cargo-deb --locked" >&2
  exit 1
fi

cargo build --locked --profile "$profile" --bin scantrail
target=${CARGO_TARGET_DIR:-$repo/target}
bin=$target/$dir/scantrail
assets=$target/$dir/deb-assets
rm -rf "$assets"
mkdir -p "$assets"
# gzip -n: no name or time in it, so the same page packs the same.
"$bin" man | gzip -9n > "$assets/scantrail.1.gz"
"$bin" completions bash > "$assets/scantrail.bash"
"$bin" completions zsh > "$assets/_scantrail"
"$bin" completions fish > "$assets/scantrail.fish"

# --strip: the release profile keeps line tables for backtraces and profiling, which would
# make the installed binary six times larger (62 MB instead of 10). --compress-system uses
# xz(1), so cargo-deb may be built without its own compressor.
cargo deb --no-build --locked --profile "$profile" --strip --compress-system "$@"
