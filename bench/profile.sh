#!/usr/bin/env bash
# Instructions per request of Stampede and of wrk against the same private nginx, counted by
# valgrind's callgrind: a figure that does not depend on how busy the machine is.
#
#   bench/profile.sh [--users 50] [--short 4] [--long 12] [--stampede-bin PATH]
#                    [--example PATH] [--tools stampede,wrk] [--keep]
#
# `--tools` also takes `stampede-LABEL=PATH`: another Stampede binary, measured the same way
# (e.g. `--tools stampede-before=/tmp/old/stampede,stampede,wrk`). `--example PATH` measures
# that build of the engine's `loop_get` example instead of the `stampede` binary.
#
# * nginx: a private instance on 127.0.0.1 (config in a temp dir), 1 worker pinned to CPU 1,
#   access log off, keep-alive without limit, serving /100b.txt (100 bytes): the settings of
#   bench/throughput.py.
# * The tools run pinned to CPU 0 under `valgrind --tool=callgrind`: Stampede with the
#   rendered bench/scenarios/loop-get.xml (`stampede -f … -n start`) when the binary can run
#   load, otherwise the engine's `loop_get` example (the same session: 50 keep-alive users
#   looping GET /100b.txt without think time); wrk as `wrk -t1 -c50 -dNs URL`.
# * Each tool runs twice, SHORT and LONG seconds. nginx's stub_status counts the requests of
#   each run. The figure is the marginal cost: (instructions(LONG) − instructions(SHORT)) /
#   (requests(LONG) − requests(SHORT)), which leaves start-up and shut-down out. The plain
#   ratio of the long run (start-up included) is printed too.
# * Under valgrind a tool runs several times slower than nginx, so each event-loop wake-up
#   finds fewer ready connections than in a real run; both tools are measured under the same
#   conditions, and the ratio is the figure to compare.
#
# Also writes the callgrind files (callgrind_annotate FILE shows where the instructions go).
set -euo pipefail

users=50
short=4
long=12
stampede_bin=""
example=""
tools="stampede,wrk"
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --users) users=$2; shift 2 ;;
        --short) short=$2; shift 2 ;;
        --long) long=$2; shift 2 ;;
        --stampede-bin) stampede_bin=$2; shift 2 ;;
        --example) example=$2; shift 2 ;;
        --tools) tools=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
for tool in valgrind callgrind_annotate nginx wrk taskset python3 curl; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

work=$(mktemp -d /tmp/stampede-profile.XXXXXX)
nginx_pid=""
cleanup() {
    if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
    if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "kept: $work"; fi
}
trap cleanup EXIT INT TERM

# --- nginx ------------------------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx/htdocs" "$work/nginx/tmp"
python3 -c 'import sys; open(sys.argv[1],"wb").write((b"0123456789"*10)[:99]+b"\n")' "$work/nginx/htdocs/100b.txt"
chmod -R a+rX "$work"
cat > "$work/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; use epoll; }
http {
    access_log off;
    log_not_found off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000000;
    keepalive_timeout 300s;
    client_body_temp_path $work/nginx/tmp;
    proxy_temp_path $work/nginx/tmp;
    fastcgi_temp_path $work/nginx/tmp;
    uwsgi_temp_path $work/nginx/tmp;
    scgi_temp_path $work/nginx/tmp;
    types { text/plain txt; }
    server {
        listen 127.0.0.1:$port backlog=4096;
        root $work/nginx/htdocs;
        location = /nginx_status { stub_status; }
    }
}
EOF
taskset -c 1 nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
nginx_pid=$!
url="http://127.0.0.1:$port/100b.txt"
for _ in $(seq 50); do curl -fs "$url" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$url" >/dev/null || { echo "nginx did not start" >&2; exit 1; }

served() { curl -fs "http://127.0.0.1:$port/nginx_status" | awk 'NR==3 {print $3}'; }

# --- the Stampede command ---------------------------------------------------------------
bin=${stampede_bin:-$target_dir/release/stampede}
sed -e "s/port=\"8080\"/port=\"$port\"/" "$root/bench/scenarios/probe.xml" > "$work/probe.xml"
stampede_mode=""
if [ -n "$example" ]; then
    stampede_mode=example
elif [ -x "$bin" ] && timeout 60 "$bin" -f "$work/probe.xml" -l "$work/probe-run" -n start >/dev/null 2>&1; then
    stampede_mode=cli
else
    example=$target_dir/release/examples/loop_get
    if [ ! -x "$example" ]; then
        (cd "$root" && cargo build --release -q -p stampede-engine --example loop_get)
    fi
    stampede_mode=example
fi
echo "stampede: $([ "$stampede_mode" = cli ] && echo "$bin -f loop-get.xml -n start" || echo "$example (engine example; \`stampede start\` is not available)")"

stampede_cmd() { # seconds
    if [ "$stampede_mode" = cli ]; then
        sed -e "s/port=\"8080\"/port=\"$port\"/" \
            -e "s/<load duration=\"10\"/<load duration=\"$1\"/" \
            -e "s/phase=\"1\" duration=\"10\"/phase=\"1\" duration=\"$1\"/" \
            -e "s/maxnumber=\"50\"/maxnumber=\"$users\"/" \
            "$root/bench/scenarios/loop-get.xml" > "$work/loop-get-$1.xml"
        echo "$bin -f $work/loop-get-$1.xml -l $work/run-$1-$RANDOM -n start"
    else
        echo "$example $url $users $1 1"
    fi
}
wrk_cmd() { echo "wrk -t1 -c$users -d${1}s $url"; }
other_cmd() { # binary seconds: another Stampede build, always through `start`
    sed -e "s/port=\"8080\"/port=\"$port\"/" \
        -e "s/<load duration=\"10\"/<load duration=\"$2\"/" \
        -e "s/phase=\"1\" duration=\"10\"/phase=\"1\" duration=\"$2\"/" \
        -e "s/maxnumber=\"50\"/maxnumber=\"$users\"/" \
        "$root/bench/scenarios/loop-get.xml" > "$work/loop-get-$2.xml"
    echo "$1 -f $work/loop-get-$2.xml -l $work/run-$2-$RANDOM -n start"
}

# --- measure ----------------------------------------------------------------------------
measure() { # name command-fn seconds [binary] -> prints "instructions requests"
    local name=$1 fn=$2 secs=$3 binary=${4:-}
    local out="$work/callgrind.$name.$secs"
    local before after
    before=$(served)
    # shellcheck disable=SC2046
    taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$out" $($fn $binary "$secs") \
        >"$work/$name.$secs.stdout" 2>"$work/$name.$secs.stderr"
    after=$(served)
    local ir
    ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
    echo "$ir $((after - before - 1))"
}

printf '%-9s %14s %10s %14s %16s\n' tool "instr (long)" requests "instr/request" "marginal instr/req"
declare -A marginal
for spec in ${tools//,/ }; do
    tool=${spec%%=*}
    binary=""
    case "$spec" in
        stampede|wrk) fn=${tool}_cmd ;;
        stampede-*=*) fn=other_cmd; binary=${spec#*=} ;;
        *) echo "unknown tool: $spec" >&2; exit 2 ;;
    esac
    read -r ir1 n1 < <(measure "$tool" "$fn" "$short" "$binary")
    read -r ir2 n2 < <(measure "$tool" "$fn" "$long" "$binary")
    m=$(python3 -c "print(round(($ir2-$ir1)/max(1,$n2-$n1)))")
    marginal[$tool]=$m
    printf '%-9s %14s %10s %14s %16s\n' "$tool" "$ir2" "$n2" "$(python3 -c "print(round($ir2/max(1,$n2)))")" "$m"
    if [ "$keep" = 1 ]; then cp "$work/callgrind.$tool.$long" "./callgrind.$tool.out"; fi
done
if [ -n "${marginal[wrk]:-}" ]; then
    for tool in "${!marginal[@]}"; do
        [ "$tool" = wrk ] && continue
        python3 -c "print('ratio $tool/wrk (marginal instructions per request): %.2f' % (${marginal[$tool]}/${marginal[wrk]}))"
    done
fi
