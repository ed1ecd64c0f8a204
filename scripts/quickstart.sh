#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the quickstart for real: builds flinkform,
# installs Java 17 and Flink (scripts/setup-flink.sh), builds the example Flink job, then
# validates, plans and applies examples/quickstart — built-in resources and a local Flink
# cluster with a stateful streaming job — and shows that a second plan finds nothing to do.
# Then it upgrades the job through a savepoint (parallelism 1 -> 2) and shows the counts
# carrying on. Run it again: it converges the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked
ff="$PWD/target/release/flinkform"
qs=examples/quickstart

step() { printf '\n==> %s\n' "$*"; }

step "Java 17 and Flink (scripts/setup-flink.sh)"
FLINK_HOME="$(bash scripts/setup-flink.sh)"
export FLINK_HOME
echo "FLINK_HOME=$FLINK_HOME"
step "the example Flink job: tests/flink_jobs -> $qs/out/jobs.jar"
bash tests/flink_jobs/build.sh "$qs/out/jobs.jar"

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

# The job's output: one file per job id and subtask, "seq key count" per line.
last_line_of_job() { cat "$qs/out/counts/$1"-*.txt 2>/dev/null | sort -n | tail -n 1; }
first_line_of_job() { cat "$qs/out/counts/$1"-*.txt 2>/dev/null | sort -n | head -n 1; }
counter_job_id() { "$ff" --chdir "$qs" output --json counter_job | tr -d ' \n' | sed -n 's/.*"job_id":"\([0-9a-f]*\)".*/\1/p'; }

old_job="$(counter_job_id)"
step "the counter job ($old_job) is running; let it count for a few seconds"
sleep 5
echo "last line so far (seq key count): $(last_line_of_job "$old_job")"

step "upgrade through a savepoint: flinkform plan --var counter_parallelism=2"
"$ff" --chdir "$qs" plan --var counter_parallelism=2
step "flinkform apply --auto-approve --var counter_parallelism=2"
"$ff" --chdir "$qs" apply --auto-approve --var counter_parallelism=2
new_job="$(counter_job_id)"
sleep 3
step "the counts carry on from the savepoint"
echo "old job $old_job stopped at:  $(last_line_of_job "$old_job")"
echo "new job $new_job started at:  $(first_line_of_job "$new_job")"
"$ff" --chdir "$qs" output counter_job

printf '\nThe quickstart wrote files under %s/out; the Flink cluster keeps running (REST API and web UI on http://localhost:8081).\n"flinkform --chdir %s destroy" stops the job with a savepoint and the cluster, and removes everything else.\n' "$qs" "$qs"
