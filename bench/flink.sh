#!/usr/bin/env bash
# Flink figures: what a flink_job costs on a running local cluster, against the raw REST calls
# that do the same work.
#
# Starts one local cluster with flinkform (its start time is reported too), then RUNS times:
#   create    `flinkform apply` of a new streaming job (tests/flink_jobs StatefulCounter):
#             load, plan with refresh, jar upload, run, wait until every task runs, state
#             written — against the raw calls: upload, run, poll until every task runs;
#   no-op     `flinkform plan --detailed-exitcode` with the job running (refresh only);
#   upgrade   `flinkform apply` of parallelism 1 -> 2: stop with a savepoint, resubmit from
#             it, wait until every task runs — against the raw calls that do the same;
#   then the job is destroyed (destroy_mode = "cancel") and the raw one cancelled.
# The raw calls are made by one Python process (urllib; timed inside it, so its start-up is
# not counted), polling every 50 ms as flinkform does. flinkform's overhead is the difference
# of the medians. Wall times from `date +%s.%N`. Prints a Markdown table.
#
# Usage: bench/flink.sh [--runs N] [--port P] [--out DIR]
# Environment: FLINKFORM = the flinkform binary (default target/release/flinkform, built with
# cargo build --release when missing).
set -euo pipefail

bench_dir="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$bench_dir")"
runs=5
port=18181
out=""
while (($#)); do
    case "$1" in
    --runs) runs="$2"; shift ;;
    --port) port="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "flink.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

log() { echo "flink.sh: $*" >&2; }

flinkform="${FLINKFORM:-$repo/target/release/flinkform}"
if [[ ! -x "$flinkform" ]]; then
    (cd "$repo" && cargo build --release --locked) >&2
fi
FLINK_HOME="$(bash "$repo/scripts/setup-flink.sh")"
export FLINK_HOME
out="${out:-$(mktemp -d "${TMPDIR:-/tmp}/bench-flink.XXXXXX")}"
mkdir -p "$out"
log "logs in $out"
bash "$repo/tests/flink_jobs/build.sh" "$out/jobs.jar"

dir="$out/config"
mkdir -p "$dir"
cat >"$dir/main.hcl" <<EOF
variable "jobs" {
  type    = number
  default = 0
}
variable "parallelism" {
  type    = number
  default = 1
}

resource "flink_cluster" "bench" {
  local {
    rest_port = $port
    taskmanager {
      slots = 4
    }
  }
}

resource "flink_job" "counter" {
  count        = var.jobs
  cluster_url  = flink_cluster.bench.rest_url
  name         = "bench-counter"
  jar          = "$out/jobs.jar"
  entry_class  = "flinkform.jobs.StatefulCounter"
  args         = ["$out/counts-flinkform", "20"]
  parallelism  = var.parallelism
  destroy_mode = "cancel"
}
EOF

cleanup() {
    (cd "$dir" && "$flinkform" destroy --auto-approve --no-color) >"$out/destroy.log" 2>&1 ||
        log "destroy failed: see $out/destroy.log"
}
trap cleanup EXIT

# ff NAME ARGS...: runs flinkform in the configuration, output to $out/NAME.log, prints the
# wall time in seconds.
ff() {
    local name="$1"; shift
    local start end
    start=$(date +%s.%N)
    if ! (cd "$dir" && "$flinkform" --no-color "$@") >"$out/$name.log" 2>&1; then
        log "flinkform $* failed: see $out/$name.log"
        exit 1
    fi
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}

# The raw REST calls, one run: prints "create upgrade" in seconds.
raw() {
    python3 - "http://localhost:$port/v1" "$out/jobs.jar" "$out/counts-raw" <<'PY'
import json, sys, time, uuid, urllib.request

base, jar, out_dir = sys.argv[1:4]

def call(method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read()
    return json.loads(text) if text.strip() else {}

def post(path, obj):
    return call("POST", path, json.dumps(obj).encode(), {"Content-Type": "application/json"})

def upload():
    boundary = uuid.uuid4().hex
    data = open(jar, "rb").read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"jobs.jar\"\r\n"
            "Content-Type: application/x-java-archive\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    r = call("POST", "/jars/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return r["filename"].rsplit("/", 1)[-1]

def wait(pred):
    while True:
        v = pred()
        if v:
            return v
        time.sleep(0.05)

def running(job):
    j = call("GET", f"/jobs/{job}")
    return j["state"] == "RUNNING" and all(v["status"] in ("RUNNING", "FINISHED") for v in j["vertices"])

def run(jar_id, parallelism, savepoint=None):
    job = uuid.uuid4().hex
    body = {"entryClass": "flinkform.jobs.StatefulCounter", "programArgsList": [out_dir, "20"],
            "parallelism": parallelism, "jobId": job}
    if savepoint:
        body["savepointPath"] = savepoint
    post(f"/jars/{jar_id}/run", body)
    wait(lambda: running(job))
    return job

t0 = time.monotonic()
jar_id = upload()
job = run(jar_id, 1)
t1 = time.monotonic()
time.sleep(3)
t2 = time.monotonic()
rid = post(f"/jobs/{job}/stop", {"drain": False})["request-id"]
def savepoint_done():
    s = call("GET", f"/jobs/{job}/savepoints/{rid}")
    return s["operation"].get("location") if s["status"]["id"] == "COMPLETED" else None
location = wait(savepoint_done)
wait(lambda: call("GET", f"/jobs/{job}")["state"] == "FINISHED")
job2 = run(jar_id, 2, location)
t3 = time.monotonic()
call("PATCH", f"/jobs/{job2}?mode=cancel")
wait(lambda: call("GET", f"/jobs/{job2}")["state"] == "CANCELED")
call("DELETE", f"/jars/{jar_id}")
print(f"{t1 - t0:.3f} {t3 - t2:.3f}")
PY
}

log "starting the cluster"
cluster_s=$(ff cluster apply --auto-approve)
declare -a ff_create ff_noop ff_upgrade raw_create raw_upgrade
for ((i = 1; i <= runs; i++)); do
    log "run $i of $runs"
    ff_create+=("$(ff "create-$i" apply --auto-approve --var jobs=1 --var parallelism=1)")
    sleep 3
    ff_noop+=("$(ff "noop-$i" plan --detailed-exitcode --var jobs=1 --var parallelism=1)")
    ff_upgrade+=("$(ff "upgrade-$i" apply --auto-approve --var jobs=1 --var parallelism=2)")
    ff "remove-$i" apply --auto-approve --var jobs=0 >/dev/null
    read -r c u < <(raw)
    raw_create+=("$c")
    raw_upgrade+=("$u")
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s–%s", lo, hi }'; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.0f ms", (a - b) * 1000 }'; }

mc=$(median "${ff_create[@]}"); rc=$(median "${raw_create[@]}")
mu=$(median "${ff_upgrade[@]}"); ru=$(median "${raw_upgrade[@]}")
cat <<EOF

Flink local cluster (2.3.0) started by flinkform in ${cluster_s} s. $runs runs; seconds, median (range).

| step | flinkform | raw REST calls | flinkform's overhead |
| --- | ---: | ---: | ---: |
| create a streaming job, apply to RUNNING | $mc ($(range "${ff_create[@]}")) | $rc ($(range "${raw_create[@]}")) | $(ms "$mc" "$rc") |
| parallelism 1 -> 2 through a savepoint, to RUNNING | $mu ($(range "${ff_upgrade[@]}")) | $ru ($(range "${raw_upgrade[@]}")) | $(ms "$mu" "$ru") |
| plan with the job running (refresh, no changes) | $(median "${ff_noop[@]}") ($(range "${ff_noop[@]}")) | | |
EOF
