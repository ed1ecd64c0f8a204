#!/usr/bin/env bash
# Installs what the Flink provider's tests, the quickstart and bench/flink.sh need, and prints
# FLINK_HOME on standard output (everything else goes to standard error):
#
#   - Java 17 or newer with javac and jar (the test jobs are compiled from source): when
#     missing, installed from Debian with `apt-get install -y openjdk-17-jdk-headless`.
#   - Flink 2.3.0 from the PyPI wheels apache-flink and apache-flink-libraries, installed with
#     `pip install --no-deps --target` into a cache directory and reused when present:
#
#       ${XDG_CACHE_HOME:-$HOME/.cache}/flinkform/flink/2.3.0/pyflink     (= FLINK_HOME)
#
#     The wheels hold a complete Flink distribution (bin/, lib/, conf/) in the pyflink
#     package; the Python parts are not used. About 330 MB, 10-60 s the first time, 0.1 s after.
#
# Usage:  FLINK_HOME="$(bash scripts/setup-flink.sh)"
# Environment: FLINKFORM_CACHE_DIR overrides ${XDG_CACHE_HOME:-$HOME/.cache}/flinkform.
set -euo pipefail

readonly FLINK_VERSION="2.3.0"

cache_root="${FLINKFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flinkform}"
install_dir="$cache_root/flink/$FLINK_VERSION"
flink_home="$install_dir/pyflink"

log() { echo "setup-flink: $*" >&2; }

# The major version of the java on PATH, or 0.
java_major() {
    local line
    line="$(java -version 2>&1 | head -n 1)" || { echo 0; return; }
    # openjdk version "17.0.15" 2025-04-15 / java version "1.8.0_392"
    local v="${line#*\"}"
    v="${v%%\"*}"
    v="${v#1.}"
    v="${v%%[.+-]*}"
    [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

java_ok() {
    command -v java >/dev/null && command -v javac >/dev/null && command -v jar >/dev/null \
        && (( $(java_major) >= 17 ))
}

# apt_install PACKAGE: installs a Debian package (as root, or through sudo), updating the
# package lists first when the package is not found.
apt_install() {
    if ! command -v apt-get >/dev/null; then
        log "apt-get is not available: install $1 and run this again"
        exit 1
    fi
    local sudo=()
    if (( EUID != 0 )); then
        command -v sudo >/dev/null || { log "root (or sudo) is needed to install $1"; exit 1; }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! "${sudo[@]}" apt-get install -y -q "$1" >&2; then
        "${sudo[@]}" apt-get update -q >&2
        "${sudo[@]}" apt-get install -y -q "$1" >&2
    fi
}

install_java() {
    log "Java 17 (java, javac, jar) not found: installing openjdk-17-jdk-headless from Debian"
    apt_install openjdk-17-jdk-headless
    java_ok || { log "Java 17 is still not usable after installing it"; exit 1; }
}

# Complete only when the marker written after a successful install is there.
installed_ok() {
    [[ -f "$install_dir/.complete" && -x "$flink_home/bin/jobmanager.sh" \
        && -f "$flink_home/lib/flink-dist-$FLINK_VERSION.jar" ]]
}

install_flink() {
    local pip=()
    if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
        pip=(python3 -m pip)
    elif command -v pip3 >/dev/null; then
        pip=(pip3)
    else
        log "pip not found: installing python3-pip from Debian"
        apt_install python3-pip
        pip=(python3 -m pip)
    fi
    log "installing Flink $FLINK_VERSION from PyPI (apache-flink, apache-flink-libraries) into $install_dir"
    mkdir -p "$cache_root/flink"
    local work
    work="$(mktemp -d "$cache_root/flink/.install.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    PIP_ROOT_USER_ACTION=ignore "${pip[@]}" install --quiet --disable-pip-version-check --no-deps --no-compile \
        --target "$work/target" \
        "apache-flink==$FLINK_VERSION" "apache-flink-libraries==$FLINK_VERSION" >&2
    local home="$work/target/pyflink"
    if [[ ! -f "$home/lib/flink-dist-$FLINK_VERSION.jar" || ! -f "$home/bin/jobmanager.sh" ]]; then
        log "the wheels did not contain a Flink distribution (no pyflink/lib/flink-dist-$FLINK_VERSION.jar)"
        exit 1
    fi
    chmod +x "$home"/bin/*.sh "$home"/bin/flink 2>/dev/null || true
    touch "$work/target/.complete"
    # Rename into place, so that a concurrent run never uses half an installation.
    rm -rf "$install_dir.old"
    [[ -e "$install_dir" ]] && mv "$install_dir" "$install_dir.old"
    mv "$work/target" "$install_dir"
    rm -rf "$install_dir.old" "$work"
    trap - EXIT
}

java_ok || install_java
installed_ok || install_flink
echo "$flink_home"
