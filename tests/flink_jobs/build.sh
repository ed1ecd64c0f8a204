#!/usr/bin/env bash
# Builds the test and example Flink jobs into one jar: tests/flink_jobs/build.sh OUT.jar
# Compiled with javac --release 17 against the jars of $FLINK_HOME/lib (scripts/setup-flink.sh
# prints FLINK_HOME). Entry classes: flinkform.jobs.StatefulCounter, flinkform.jobs.BatchSum.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build.sh OUT.jar}"
: "${FLINK_HOME:?FLINK_HOME must name a Flink distribution (scripts/setup-flink.sh prints it)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
classpath="$(printf '%s:' "$FLINK_HOME"/lib/*.jar)"
find "$here/src" -name '*.java' -print0 | sort -z | xargs -0 \
    javac --release 17 -nowarn -encoding UTF-8 -cp "$classpath" -d "$work/classes"
mkdir -p "$(dirname "$out")"
jar --create --file "$work/jobs.jar" -C "$work/classes" .
mv "$work/jobs.jar" "$out"
