#!/usr/bin/env bash
# Differential check of stampede-erl against the real Erlang: every deterministic entry of the
# snippet table (crates/stampede-erl/tests/snippets.rs) is evaluated by `erl` (erl_eval, as Tsung
# does) and by Stampede, and the results must print identically with ~w and ~p.
#
# Needs Erlang/OTP on PATH (Debian: apt-get install erlang-base; erlang-edoc adds the
# edoc_lib:escape_uri cases). Without erl the test reports that it skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v erl >/dev/null 2>&1; then
    echo "erl is not installed: apt-get install -y erlang-base erlang-edoc" >&2
    exit 1
fi
erl -noshell -eval 'io:format("OTP ~s~n", [erlang:system_info(otp_release)]), halt().'
exec cargo test -p stampede-erl --test snippets differential_against_erl -- --nocapture
