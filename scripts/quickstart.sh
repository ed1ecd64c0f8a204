#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the quickstart for real: builds flinkform,
# then validates, plans and applies examples/quickstart, and shows that a second plan finds
# nothing to do. Run it again: it converges to "No changes".
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked
ff="$PWD/target/release/flinkform"
qs=examples/quickstart

step() { printf '\n==> %s\n' "$*"; }

step "flinkform version"
"$ff" version
step "flinkform fmt --check --recursive examples modules"
"$ff" fmt --check --recursive examples modules
step "flinkform validate"
"$ff" --chdir "$qs" validate
step "flinkform plan --out quickstart.plan"
"$ff" --chdir "$qs" plan --out quickstart.plan
step "flinkform apply quickstart.plan"
"$ff" --chdir "$qs" apply quickstart.plan
rm -f "$qs/quickstart.plan"
step "flinkform plan --detailed-exitcode (expect no changes)"
"$ff" --chdir "$qs" plan --detailed-exitcode
step "flinkform state list"
"$ff" --chdir "$qs" state list
step "flinkform output"
"$ff" --chdir "$qs" output
printf '\nThe files the quickstart wrote are in %s/out; "flinkform --chdir %s destroy" removes everything.\n' "$qs" "$qs"
