#!/usr/bin/env bash
# Install what the benchmarks need from Debian and build Stampede in release.
# Idempotent: packages already installed are not touched again.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bench/setup.sh [--no-apt] [--no-build] [--help]

Installs the benchmark peers and tools from Debian's packages:
  nginx-light      the target server (each run starts a private one on 127.0.0.1)
  wrk              the reference HTTP load generator
  tsung            Tsung 1.7 (with Erlang/OTP), plus gnuplot-nox and
                   libtemplate-perl for its report script
  apache2-utils    ab
  hey              optional; skipped if this Debian has no such package
  time, util-linux /usr/bin/time and taskset
and builds Stampede in release (cargo build --release -p stampede-cli).

Package installation does not start any system service (a policy-rc.d that
refuses service starts is in place during the install).

Options:
  --no-apt     skip package installation
  --no-build   skip the cargo build
  --help       this text

Exit status: 0 on success, 3 if only the Stampede build failed, other
non-zero values if package installation failed.
EOF
}

do_apt=1
do_build=1
for arg in "$@"; do
    case "$arg" in
        --no-apt) do_apt=0 ;;
        --no-build) do_build=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

required=(nginx-light wrk tsung gnuplot-nox libtemplate-perl apache2-utils time util-linux python3)
optional=(hey)

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

has_candidate() {
    local cand
    cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    [[ -n "$cand" && "$cand" != "(none)" ]]
}

if [[ $do_apt -eq 1 ]]; then
    missing=()
    for p in "${required[@]}"; do is_installed "$p" || missing+=("$p"); done
    missing_optional=()
    for p in "${optional[@]}"; do is_installed "$p" || missing_optional+=("$p"); done

    if [[ ${#missing[@]} -gt 0 || ${#missing_optional[@]} -gt 0 ]]; then
        sudo=""
        [[ $(id -u) -ne 0 ]] && sudo="sudo"
        $sudo apt-get update
        to_install=("${missing[@]}")
        for p in "${missing_optional[@]}"; do
            if has_candidate "$p"; then
                to_install+=("$p")
            else
                echo "note: optional package '$p' is not available from apt here; skipping it"
            fi
        done
        if [[ ${#to_install[@]} -gt 0 ]]; then
            # Keep package scripts from starting the system nginx (port 80).
            policy=/usr/sbin/policy-rc.d
            added_policy=0
            if [[ ! -e $policy ]]; then
                printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
                $sudo chmod +x "$policy"
                added_policy=1
                trap '[[ $added_policy -eq 1 ]] && $sudo rm -f "$policy"' EXIT
            fi
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${to_install[@]}"
        fi
    else
        echo "packages: all present"
    fi
    for p in "${required[@]}" "${optional[@]}"; do
        printf '  %-18s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo 'not installed')"
    done
fi

if [[ $do_build -eq 1 ]]; then
    if (cd "$repo_root" && cargo build --release -p stampede-cli); then
        echo "stampede: ${CARGO_TARGET_DIR:-$repo_root/target}/release/stampede"
    else
        echo "WARNING: cargo build --release -p stampede-cli failed; the peers can still be" >&2
        echo "measured, and the stampede arm will report 'not available'." >&2
        exit 3
    fi
fi
