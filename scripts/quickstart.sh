#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the quickstart for real.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked
ff=./target/release/flinkform

echo "==> flinkform version"
$ff version
echo "==> flinkform validate (examples/quickstart)"
$ff --chdir examples/quickstart validate
echo "==> flinkform fmt --check (examples/quickstart, modules)"
$ff fmt --check --recursive examples modules
echo "==> flinkform graph (examples/quickstart)"
$ff --chdir examples/quickstart graph
