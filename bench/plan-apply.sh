#!/usr/bin/env bash
# The plan/apply benchmark: flinkform against OpenTofu 1.6.2 on the same configurations
# (bench/gen.py chains: N resources in chains of 10, 100 per file; terraform_data for OpenTofu,
# flinkform_data for flinkform), each N in fresh temporary directories with an empty state.
#
# Times `plan` and `apply -auto-approve` (which plans again, as both tools do) with wall time
# from `date +%s.%N`, and the peak resident memory of each command (GNU time's %M, or Python's
# getrusage when /usr/bin/time is missing). `tofu init` runs first, outside the timing, offline
# (bench/install-opentofu.sh explains how). Prints a Markdown table and the speed-ups; a cell
# whose command failed reads "n/a", a skipped one "skipped". Logs stay in the --out directory.
#
# Usage: bench/plan-apply.sh [options]
#   --sizes "1000 5000 10000"  the Ns (default: those three)
#   --quick                    skip OpenTofu's apply for N >= 5,000 (≈ 7 minutes at 5,000)
#   --parallelism P            passed to both tools (default: theirs, 10)
#   --skip-tofu | --skip-flinkform
#   --sleep                    also the critical-path check: flinkform apply of W chains of L
#                              time_sleep (100ms) against the bound (--width W --length L)
#   --out DIR                  where logs go (default: a new temporary directory)
#   --keep                     keep the generated configurations and states
# Environment: FLINKFORM = the flinkform binary (default target/release/flinkform);
#              TOFU = the tofu binary (default: installed by bench/install-opentofu.sh).
set -uo pipefail

bench_dir="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$bench_dir")"

sizes="1000 5000 10000"
quick=0
parallelism=""
run_tofu=1
run_flinkform=1
run_sleep=0
sleep_width=20
sleep_length=10
out=""
keep=0
while (($#)); do
    case "$1" in
    --sizes) sizes="$2"; shift ;;
    --quick) quick=1 ;;
    --parallelism) parallelism="$2"; shift ;;
    --skip-tofu) run_tofu=0 ;;
    --skip-flinkform) run_flinkform=0 ;;
    --sleep) run_sleep=1 ;;
    --width) sleep_width="$2"; shift ;;
    --length) sleep_length="$2"; shift ;;
    --out) out="$2"; shift ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "plan-apply: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

log() { echo "plan-apply: $*" >&2; }

out="${out:-$(mktemp -d "${TMPDIR:-/tmp}/plan-apply.XXXXXX")}"
mkdir -p "$out"
log "logs in $out"

flinkform="${FLINKFORM:-$repo/target/release/flinkform}"
if ((run_flinkform)) && [[ ! -x "$flinkform" ]]; then
    log "no flinkform binary at $flinkform (cargo build --release, or set FLINKFORM): its cells read n/a"
fi

if ((run_tofu)); then
    tofu="${TOFU:-$("$bench_dir/install-opentofu.sh")}" || { log "installing OpenTofu failed"; exit 1; }
    # Offline: providers may only come from an empty local mirror (see install-opentofu.sh).
    export TF_CLI_CONFIG_FILE="$(dirname "$tofu")/offline.tfrc"
    export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
    log "$("$tofu" version | head -1) at $tofu"
fi

# Peak RSS of a command, in KiB, written to the file given first.
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    peak_rss() { local file="$1"; shift; /usr/bin/time -f %M -o "$file" "$@"; }
else
    peak_rss() {
        local file="$1"; shift
        python3 -c '
import os, resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$file" "$@"
    }
fi

# timed NAME DIR CMD...: runs CMD in DIR, output to $out/NAME.log; sets WALL (s) and RSS_KB,
# both "n/a" when the command fails.
timed() {
    local name="$1" dir="$2"; shift 2
    local start end rc
    start=$(date +%s.%N)
    (cd "$dir" && peak_rss "$out/$name.rss" "$@") >"$out/$name.log" 2>&1
    rc=$?
    end=$(date +%s.%N)
    if ((rc == 0)); then
        WALL=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
        RSS_KB=$(tail -n 1 "$out/$name.rss" 2>/dev/null)
        [[ "$RSS_KB" =~ ^[0-9]+$ ]] || RSS_KB="n/a"
    else
        WALL="n/a"
        RSS_KB="n/a"
        log "$name failed (exit $rc): see $out/$name.log"
    fi
}

# complete NAME N PATTERN: a command that succeeded but whose Terraform-style summary does not
# count N resources is no measurement: WALL becomes n/a. PATTERN has N in place of "%N"; a tool
# whose output lacks the summary line altogether passes only when LENIENT=1.
complete() {
    local name="$1" n="$2" pattern="${3//%N/$2}" summary="${3%%%N*}"
    [[ "$WALL" == "n/a" ]] && return
    grep -q "$pattern" "$out/$name.log" && return
    if [[ "${LENIENT:-0}" == 1 ]] && ! grep -q "$summary" "$out/$name.log"; then
        return
    fi
    log "$name did not report $n resources (\"$pattern\"): see $out/$name.log"
    WALL="n/a"
}

# The larger of two KiB figures, in MB; n/a when neither is known.
peak_mb() {
    local a="$1" b="$2"
    [[ "$a" =~ ^[0-9]+$ ]] || a=""
    [[ "$b" =~ ^[0-9]+$ ]] || b=""
    if [[ -z "$a$b" ]]; then echo "n/a"; return; fi
    awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { m = a > b ? a : b; printf "%.0f", m * 1024 / 1e6 }'
}

# A / B with one decimal and "×", or n/a.
ratio() {
    if [[ "$1" =~ ^[0-9.]+$ && "$2" =~ ^[0-9.]+$ ]]; then
        awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else print "n/a" }'
    else
        echo "n/a"
    fi
}

# 10000 -> 10,000
thousands() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }

declare -A plan_s apply_s peak
work_dirs=()

bench_tofu() {
    local n="$1" dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-tofu-$n.XXXXXX")"
    work_dirs+=("$dir")
    python3 "$bench_dir/gen.py" chains --tool tofu --resources "$n" "$dir" 2>/dev/null
    local flags=(-input=false -no-color)
    [[ -n "$parallelism" ]] && flags+=("-parallelism=$parallelism")
    if ! (cd "$dir" && "$tofu" init -input=false -no-color) >"$out/tofu-$n-init.log" 2>&1; then
        log "tofu init failed: see $out/tofu-$n-init.log"
        plan_s[tofu,$n]="n/a"; apply_s[tofu,$n]="n/a"; peak[tofu,$n]="n/a"
        return
    fi
    log "tofu plan, N=$n"
    timed "tofu-$n-plan" "$dir" "$tofu" plan "${flags[@]}"
    complete "tofu-$n-plan" "$n" "Plan: %N to add"
    plan_s[tofu,$n]=$WALL
    local plan_rss=$RSS_KB apply_rss=""
    if ((quick && n >= 5000)); then
        apply_s[tofu,$n]="skipped"
    else
        log "tofu apply, N=$n"
        timed "tofu-$n-apply" "$dir" "$tofu" apply -auto-approve "${flags[@]}"
        complete "tofu-$n-apply" "$n" "Apply complete! Resources: %N added"
        apply_s[tofu,$n]=$WALL
        apply_rss=$RSS_KB
    fi
    peak[tofu,$n]=$(peak_mb "$plan_rss" "$apply_rss")
}

bench_flinkform() {
    local n="$1" dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-flinkform-$n.XXXXXX")"
    work_dirs+=("$dir")
    python3 "$bench_dir/gen.py" chains --tool flinkform --resources "$n" "$dir" 2>/dev/null
    local flags=(--no-color)
    local apply_flags=(--auto-approve)
    [[ -n "$parallelism" ]] && apply_flags+=(--parallelism "$parallelism")
    log "flinkform plan, N=$n"
    timed "flinkform-$n-plan" "$dir" "$flinkform" "${flags[@]}" plan
    LENIENT=1 complete "flinkform-$n-plan" "$n" "Plan: %N to add"
    plan_s[flinkform,$n]=$WALL
    local plan_rss=$RSS_KB
    log "flinkform apply, N=$n"
    timed "flinkform-$n-apply" "$dir" "$flinkform" "${flags[@]}" apply "${apply_flags[@]}"
    LENIENT=1 complete "flinkform-$n-apply" "$n" "Apply complete! Resources: %N added"
    apply_s[flinkform,$n]=$WALL
    peak[flinkform,$n]=$(peak_mb "$plan_rss" "$RSS_KB")
}

for n in $sizes; do
    ((run_tofu)) && bench_tofu "$n"
    ((run_flinkform)) && bench_flinkform "$n"
done

tools=()
((run_tofu)) && tools+=(tofu)
((run_flinkform)) && tools+=(flinkform)

echo
echo "| tool | N | plan s | apply s | peak MB |"
echo "| --- | ---: | ---: | ---: | ---: |"
for n in $sizes; do
    for t in "${tools[@]}"; do
        label=$t
        [[ $t == tofu ]] && label="OpenTofu 1.6.2"
        printf '| %s | %s | %s | %s | %s |\n' "$label" "$(thousands "$n")" \
            "${plan_s[$t,$n]}" "${apply_s[$t,$n]}" "${peak[$t,$n]}"
    done
done

if ((run_tofu && run_flinkform)); then
    echo
    echo "Speed-up of flinkform over OpenTofu (OpenTofu time / flinkform time):"
    echo
    echo "| N | plan | apply |"
    echo "| ---: | ---: | ---: |"
    for n in $sizes; do
        printf '| %s | %s | %s |\n' "$(thousands "$n")" "$(ratio "${plan_s[tofu,$n]}" "${plan_s[flinkform,$n]}")" \
            "$(ratio "${apply_s[tofu,$n]}" "${apply_s[flinkform,$n]}")"
    done
fi

if ((run_sleep)); then
    dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-sleep.XXXXXX")"
    work_dirs+=("$dir")
    p="${parallelism:-10}"
    read -r _ lower by_chains < <(python3 "$bench_dir/gen.py" sleep --width "$sleep_width" \
        --length "$sleep_length" --parallelism "$p" "$dir" 2>/dev/null)
    log "flinkform apply of $sleep_width chains of $sleep_length time_sleep, parallelism $p"
    timed "flinkform-sleep-apply" "$dir" "$flinkform" --no-color apply --auto-approve --parallelism "$p"
    echo
    echo "Critical path: $sleep_width chains of $sleep_length time_sleep (100ms), parallelism $p:"
    [[ "$WALL" == "n/a" ]] || WALL="$WALL s"
    echo "apply $WALL; bound ${by_chains} s (no schedule can beat ${lower} s)."
fi

if ((keep)); then
    log "configurations kept in: ${work_dirs[*]}"
else
    rm -rf "${work_dirs[@]}"
fi
