#!/usr/bin/env bash
# Time the bulwark CLI against the I/O floor, side by side in one run, and print the ratios
# issue 14 sets as goals:
#   generate into an empty folder     vs  `cp -r` of the same tree       (goal ≤ 1.5×)
#   generate into an up-to-date folder vs `cat` of every file of the tree (goal ≤ 2×)
#   check of an up-to-date folder      vs  `cat` of every file            (goal ≤ 2×)
#   peak memory of generate            vs  2 × output size + 16 MB        (goal ≤ 1×)
# Each figure is the median of RUNS runs (default 5), with a warm page cache for all of them.
#
#   scripts/ratios.sh [SIZE ...]          default sizes: 100 790 (790 components is the most
#                                         one resource group takes: README, limits table)
#   BULWARK=path/to/bulwark RUNS=7 scripts/ratios.sh 790
#   TMPDIR=/dev/shm scripts/ratios.sh     the trees on tmpfs: no disk, so generation's own CPU
#                                         shows
#
# Every run writes into folders of its own and nothing is deleted before the script ends: on
# ext4 without a journal, the kernel will not reuse an inode freed within the last minute
# (five while its inode table block is unwritten; Linux fs/ext4/ialloc.c, recently_deleted,
# RECENTCY_MIN 60 and RECENTCY_DIRTY 300) and skips such inodes one by one when it creates a
# file, so a `cp -r` right after removing its previous copy took 3 to 10 times as long as one
# into a fresh folder: a ratio measured after deleting measured the deletion. (Leave a few
# minutes between two runs of the script on such a disk for the same reason.) Disk space
# needed: about RUNS × 3 × the output.
#
# Without BULWARK it builds the release binary and the synthetic-blueprint example
# (`cargo build --release`); synthetic blueprints are those of `cargo bench` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-5}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 790)
target=${CARGO_TARGET_DIR:-target}
if [ -z "${BULWARK:-}" ]; then
  cargo build --quiet --locked --release --bin bulwark --example synthetic
  BULWARK="$target/release/bulwark"
fi
synthetic=${SYNTHETIC:-$target/release/examples/synthetic}
[ -x "$BULWARK" ] || { echo "error: no bulwark binary at $BULWARK" >&2; exit 2; }
[ -x "$synthetic" ] || { echo "error: no synthetic example at $synthetic" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Wall seconds of a command (its output discarded), from bash's microsecond clock.
seconds() {
  local start=$EPOCHREALTIME
  "$@" >/dev/null 2>&1
  local end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
cat_tree() { find "$1" -type f -exec cat {} + >/dev/null; }

printf 'bulwark %s; %s; %s cores; median of %s runs\n' \
  "$("$BULWARK" --version | awk '{print $2}')" "$(uname -srm)" "$(nproc)" "$runs"
printf '%-6s %8s | %8s %8s %5s | %8s %8s %5s | %8s %5s | %8s %8s %5s\n' \
  size "out MB" gen "cp -r" ratio regen cat ratio check ratio "peak MB" budget ratio
for size in "${sizes[@]}"; do
  dir="$work/$size"
  mkdir -p "$dir"
  "$synthetic" "$size" >"$dir/bulwark.toml"
  # An estate ARM cannot take even in stages is refused; say so and go on.
  if ! "$BULWARK" generate "$dir/bulwark.toml" --out "$dir/probe" >"$dir/refused" 2>&1; then
    printf '%-6s generate refuses it: %s\n' "$size" \
      "$(grep -m1 -o 'would [^;]*; ARM accepts [^ ]* [^ ]*' "$dir/refused" || echo 'see its diagnostics')"
    continue
  fi
  gen=() copy=() regen=() cats=() checks=()
  for run in $(seq "$runs"); do
    # Each run in a folder of its own, nothing deleted until the script ends (see above).
    mkdir "$dir/$run"
    cp "$dir/bulwark.toml" "$dir/$run/"
    gen+=("$(seconds "$BULWARK" generate "$dir/$run/bulwark.toml" --out "$dir/$run/infra")")
    copy+=("$(seconds cp -r "$dir/$run/infra" "$dir/$run/copy")")
    regen+=("$(seconds "$BULWARK" generate "$dir/$run/bulwark.toml" --out "$dir/$run/infra")")
    cats+=("$(seconds cat_tree "$dir/$run/infra")")
    checks+=("$(seconds "$BULWARK" check "$dir/$run/bulwark.toml" --out "$dir/$run/infra")")
  done
  # Peak memory of a generation into an empty folder, in MB.
  mkdir "$dir/peak"
  cp "$dir/bulwark.toml" "$dir/peak/"
  peak=$(/usr/bin/time -f '%M' "$BULWARK" generate "$dir/peak/bulwark.toml" --out "$dir/peak/infra" 2>&1 >/dev/null | tail -1)
  peak=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
  # The output size: every file bulwark writes (the lock beside the blueprint is tiny).
  out=$(du -sb "$dir/peak/infra" | awk '{ printf "%.1f", $1 / 1e6 }')
  budget=$(awk -v o="$out" 'BEGIN { printf "%.1f", 2 * o * 1e6 / 1048576 + 16 }')
  g=$(printf '%s\n' "${gen[@]}" | median) c=$(printf '%s\n' "${copy[@]}" | median)
  r=$(printf '%s\n' "${regen[@]}" | median) t=$(printf '%s\n' "${cats[@]}" | median)
  k=$(printf '%s\n' "${checks[@]}" | median)
  printf '%-6s %8s | %8s %8s %5s | %8s %8s %5s | %8s %5s | %8s %8s %5s\n' \
    "$size" "$out" "$g" "$c" "$(ratio "$g" "$c")" "$r" "$t" "$(ratio "$r" "$t")" \
    "$k" "$(ratio "$k" "$t")" "$peak" "$budget" "$(ratio "$peak" "$budget")"
done
