#!/usr/bin/env bash
# The Azure benchmark (tests/azure_bench.rs) against the ARM stand-in, in a release build:
# flinkform's own cost per resource for plan and apply, and refreshing 200 resources with the
# stand-in answering every call after 100 ms at the default parallelism (floor 2.0 s, target
# 2.5 s). Prints Markdown tables.
#
#   bench/azure-refresh.sh                     # 100 and 500 resource groups, median of 5 runs
#   AZURE_BENCH_N=1000 bench/azure-refresh.sh  # 100 and 1,000 resource groups
#   AZURE_BENCH_RUNS=9 bench/azure-refresh.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test --release --test azure_bench -- --ignored --nocapture --test-threads=1
