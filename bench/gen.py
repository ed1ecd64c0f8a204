#!/usr/bin/env python3
"""Generates the configurations of the plan/apply benchmark (python3, standard library only).

chains: N resources in chains of 10 (each one's input is the previous one's output), 100
resources per file, as the same configuration for both tools:

    gen.py chains --tool tofu --resources 1000 OUT_DIR        # terraform_data, *.tf
    gen.py chains --tool flinkform --resources 1000 OUT_DIR   # flinkform_data, *.hcl

sleep (flinkform only; OpenTofu's time_sleep is in the hashicorp/time provider, which the
offline benchmark cannot install): W parallel chains of L `time_sleep` resources of
`create_duration = "100ms"` each, to check that apply keeps P operations in flight:

    gen.py sleep --width 20 --length 10 --parallelism 10 OUT_DIR

prints the bound on the apply time for each parallelism P. Two bounds: no schedule can beat
max(L, ceil(W*L/P)) * 100ms (the critical path, and the work spread over P slots); a scheduler
that starts any ready operation when a slot frees reaches ceil(W/P) * L * 100ms when W is a
multiple of P (then both bounds are equal; choose such a shape).
"""

import argparse
import math
import os
import sys

CHAIN_LENGTH = 10
PER_FILE = 100


def chains(tool, resources, chain_length, per_file):
    """The files {name: text} of `resources` resources in chains of `chain_length`."""
    if tool == "tofu":
        rtype, ext = "terraform_data", "tf"
    else:
        rtype, ext = "flinkform_data", "hcl"
    files = {}
    blocks = []
    for i in range(resources):
        chain, link = divmod(i, chain_length)
        name = f"c{chain}_{link}"
        if link == 0:
            value = f'"chain-{chain}"'
        else:
            value = f"{rtype}.c{chain}_{link - 1}.output"
        blocks.append(f'resource "{rtype}" "{name}" {{\n  input = {value}\n}}\n')
        if len(blocks) == per_file or i == resources - 1:
            files[f"r{len(files):04d}.{ext}"] = "\n".join(blocks)
            blocks = []
    return files


def sleep_chains(width, length, duration_ms):
    """W chains of L time_sleep resources, each waiting for the previous one of its chain."""
    files = {}
    for chain in range(width):
        blocks = []
        for link in range(length):
            lines = [f'resource "time_sleep" "w{chain}_{link}" {{', f'  create_duration = "{duration_ms}ms"']
            if link > 0:
                lines.append(f"  depends_on      = [time_sleep.w{chain}_{link - 1}]")
            lines.append("}\n")
            blocks.append("\n".join(lines))
        files[f"w{chain:04d}.hcl"] = "\n".join(blocks)
    return files


def sleep_bounds(width, length, duration_ms, parallelism):
    """(lower bound, chain-at-a-time bound) in seconds for parallelism P."""
    lower = max(length, math.ceil(width * length / parallelism)) * duration_ms / 1000
    by_chains = math.ceil(width / parallelism) * length * duration_ms / 1000
    return lower, by_chains


def write(out_dir, files):
    os.makedirs(out_dir, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(text)


def positive(text):
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    c = sub.add_parser("chains", help="N chained terraform_data / flinkform_data resources")
    c.add_argument("--tool", choices=["tofu", "flinkform"], required=True)
    c.add_argument("--resources", type=positive, required=True)
    c.add_argument("--chain-length", type=positive, default=CHAIN_LENGTH)
    c.add_argument("--per-file", type=positive, default=PER_FILE)
    c.add_argument("out_dir")
    s = sub.add_parser("sleep", help="W parallel chains of L time_sleep resources (flinkform)")
    s.add_argument("--width", type=positive, default=20)
    s.add_argument("--length", type=positive, default=10)
    s.add_argument("--duration-ms", type=positive, default=100)
    s.add_argument("--parallelism", type=positive, action="append",
                   help="print the bound for this parallelism (repeatable; default 10)")
    s.add_argument("out_dir")
    args = parser.parse_args(argv)

    if args.kind == "chains":
        files = chains(args.tool, args.resources, args.chain_length, args.per_file)
        write(args.out_dir, files)
        print(f"{args.resources} resources in chains of {args.chain_length}, "
              f"{len(files)} files in {args.out_dir}", file=sys.stderr)
    else:
        write(args.out_dir, sleep_chains(args.width, args.length, args.duration_ms))
        print(f"{args.width} chains of {args.length} time_sleep ({args.duration_ms}ms each) "
              f"in {args.out_dir}", file=sys.stderr)
        # One line per parallelism, for scripts: P lower_bound_s chain_bound_s
        for p in args.parallelism or [10]:
            lower, by_chains = sleep_bounds(args.width, args.length, args.duration_ms, p)
            print(f"{p} {lower:.3f} {by_chains:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
