#!/usr/bin/env bash
# Compile cost of the generated crates: lines of generated Rust, and `cargo build` (dev
# profile) times per crate:
#   crate only  the crate itself, its dependencies already built (what its own code costs)
#   cold        from an empty target directory, dependencies included (with --cold)
#
# usage: scripts/compile-cost.sh [--cold] [--record]
#   --record  write the figures to crates/bench/compile-cost.json, which a test holds the
#             generated line counts to (see BENCHMARKS.md)
#
# Builds go to target/compile-cost/ so the usual target directory is left alone. Run it
# on a quiet machine: the times are wall-clock.
set -euo pipefail
cd "$(dirname "$0")/.."

cold=false
record=false
for arg in "$@"; do
  case "$arg" in
    --cold) cold=true ;;
    --record) record=true ;;
    *) echo "usage: $0 [--cold] [--record]" >&2; exit 2 ;;
  esac
done

record_file=crates/bench/compile-cost.json
target=target/compile-cost
crates=()
for dir in crates/*-models crates/*-client; do
  crates+=("$(basename "$dir")")
done

seconds() { # command... -> wall seconds, output silenced
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

declare -A lines only cold_time
for crate in "${crates[@]}"; do
  lines[$crate]=$(find "crates/$crate" -name '*.rs' -exec cat {} + | wc -l)
  package="paysmith-$crate"
  cargo build --quiet -p "$package" --target-dir "$target/shared"
  cargo clean --quiet -p "$package" --target-dir "$target/shared"
  only[$crate]=$(seconds cargo build -p "$package" --target-dir "$target/shared")
  if $cold; then
    rm -rf "$target/cold"
    cold_time[$crate]=$(seconds cargo build -p "$package" --target-dir "$target/cold")
    rm -rf "$target/cold"
  else
    cold_time[$crate]=""
  fi
done

printf '| crate | generated lines | build, crate only (s) | cold build (s) |\n'
printf '| --- | ---: | ---: | ---: |\n'
for crate in "${crates[@]}"; do
  printf '| paysmith-%s | %s | %s | %s |\n' "$crate" "${lines[$crate]}" "${only[$crate]}" "${cold_time[$crate]:-not measured}"
done

if $record; then
  margin=10
  if [[ -f $record_file ]]; then
    margin=$(sed -n 's/.*"margin_percent": *\([0-9.]*\).*/\1/p' "$record_file" | head -n1)
  fi
  cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
  {
    printf '{\n'
    printf '  "margin_percent": %s,\n' "$margin"
    printf '  "measured_on": "%s, %s cores, %s",\n' "${cpu:-unknown CPU}" "$(nproc)" "$(rustc -V)"
    printf '  "crates": {\n'
    last=$(( ${#crates[@]} - 1 ))
    for i in "${!crates[@]}"; do
      crate=${crates[$i]}
      cold_json=${cold_time[$crate]:-null}
      [[ -z $cold_json ]] && cold_json=null
      sep=','
      [[ $i -eq $last ]] && sep=''
      printf '    "paysmith-%s": { "generated_lines": %s, "build_seconds_crate_only": %s, "build_seconds_cold": %s }%s\n' \
        "$crate" "${lines[$crate]}" "${only[$crate]}" "$cold_json" "$sep"
    done
    printf '  }\n}\n'
  } >"$record_file"
  echo "recorded in $record_file"
fi
