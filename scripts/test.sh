#!/usr/bin/env bash
# Runs every test: unit, fixture, snapshot, CLI and no-panic property tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshot tests must match the committed snapshots exactly (never write new ones here).
export INSTA_UPDATE=no
cargo test --locked --lib --bins --tests
cargo test --locked --doc
