#!/usr/bin/env bash
# Build the static Linux binary releases ship (x86_64-unknown-linux-musl, see
# .github/workflows/release.yml) on a Debian or Ubuntu machine whose Rust toolchain has no
# musl standard library and cannot download one: Debian's own compiler (rustc-web) builds the
# standard library for musl from its source (cargo -Zbuild-std), musl-gcc links. To time what
# users run (its allocator is not the glibc build's, see src/jemalloc.rs):
#
#   scripts/musl-build.sh
#   BULWARK=target/x86_64-unknown-linux-musl/release/bulwark scripts/ratios.sh 790
#
# Needs: apt-get install rustc-web cargo-web rust-web-src musl-tools libunwind-14-dev
# (bookworm's rustc-web is 1.96; its std source must match its compiler). Where rustup can add
# the target, `cargo build --release --target x86_64-unknown-linux-musl` does the same.
# Extra arguments go to cargo (e.g. --config profile.release.lto=false for a quicker build).
set -euo pipefail
cd "$(dirname "$0")/.."

rustc=/usr/bin/rustc cargo=/usr/bin/cargo
for needed in "$rustc" "$cargo" /usr/bin/musl-gcc /usr/lib/rustlib/src/rust/library/Cargo.lock; do
  [ -e "$needed" ] || {
    echo "error: $needed is missing; apt-get install rustc-web cargo-web rust-web-src musl-tools libunwind-14-dev" >&2
    exit 2
  }
done
unwind=$(ls /usr/lib/llvm-*/lib/libunwind.a 2>/dev/null | sort -V | tail -n 1)
[ -n "$unwind" ] || { echo "error: no LLVM libunwind.a; apt-get install libunwind-14-dev" >&2; exit 2; }

target_dir=${CARGO_TARGET_DIR:-target}
# Rust's musl standard library unwinds with LLVM's libunwind, which rustup's target ships and
# Debian ships built for glibc: its one glibc-only call (__fprintf_chk, in a debug message)
# is given to it here.
libs="$target_dir/musl-link"
mkdir -p "$libs"
cp "$unwind" "$libs/libunwind.a"
cat >"$libs/fprintf_chk.c" <<'C'
#include <stdarg.h>
#include <stdio.h>
int __fprintf_chk(FILE *stream, int flag, const char *format, ...) {
  va_list arguments;
  va_start(arguments, format);
  int written = vfprintf(stream, format, arguments);
  va_end(arguments);
  (void)flag;
  return written;
}
C
musl-gcc -O2 -c "$libs/fprintf_chk.c" -o "$libs/fprintf_chk.o"
ar rcs "$libs/libunwind.a" "$libs/fprintf_chk.o"

# The system toolchain, not rustup's (whose rustc has no musl std to build against). libgcc
# gives jemalloc the bit-count helpers the compiler emits for it.
PATH="/usr/bin:/bin:$PATH" RUSTC="$rustc" RUSTC_BOOTSTRAP=1 \
  CC_x86_64_unknown_linux_musl=musl-gcc \
  CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER=musl-gcc \
  RUSTFLAGS="-C link-self-contained=no -L $(realpath "$libs") -C link-arg=-lgcc" \
  "$cargo" build --release --locked --bin bulwark --target x86_64-unknown-linux-musl \
  -Zbuild-std=std,panic_unwind "$@"
echo "$target_dir/x86_64-unknown-linux-musl/release/bulwark"
