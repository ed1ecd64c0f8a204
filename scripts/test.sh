#!/usr/bin/env bash
# Runs every test: unit, fixture, snapshot, CLI and no-panic property tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Flink provider's tests run a real Flink: Java 17 and Flink from the PyPI wheels, installed
# once into a cache directory (fast when present).
FLINK_HOME="$(bash scripts/setup-flink.sh)"
export FLINK_HOME

# Snapshot tests must match the committed snapshots exactly (never write new ones here).
export INSTA_UPDATE=no
cargo test --locked --lib --bins --tests
cargo test --locked --doc
