#!/bin/sh
# Test double for the harness's Stampede arm, NOT Stampede: it accepts the
# command line the harness uses for Stampede and runs Tsung instead, so the
# arm (probe, throughput, memory, compare) can be exercised end to end before
# the engine exists:
#
#   python3 bench/throughput.py --rounds 1 --duration 3 --tools stampede,wrk \
#       --stampede-bin bench/tests/tsung-as-stampede.sh
#   bench/compare-tsung.sh --stampede-bin bench/tests/tsung-as-stampede.sh   # expect IDENTICAL
#
# Usage (as the harness calls it): tsung-as-stampede.sh -f X.xml -l DIR -n [--target H:P] start
set -eu
file= logdir= target=
while [ $# -gt 0 ]; do
    case "$1" in
        -f) file=$2; shift 2 ;;
        -l) logdir=$2; shift 2 ;;
        --target) target=$2; shift 2 ;;
        *) shift ;;
    esac
done
if [ -n "$target" ]; then
    mkdir -p "$logdir"
    sed -E "s#<server host=\"[^\"]*\" port=\"[0-9]+\"#<server host=\"${target%:*}\" port=\"${target##*:}\"#" \
        "$file" > "$logdir/target.xml"
    file="$logdir/target.xml"
fi
exec env ERL_EPMD_ADDRESS=127.0.0.1 tsung -n -i "double$$" -f "$file" -l "$logdir" start
