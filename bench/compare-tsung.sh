#!/usr/bin/env bash
# Run fixed-work scenarios through Tsung and Stampede against the same target
# and compare the counts side by side. All logic is in harness/compare.py;
# run with --help for the options.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec python3 "$here/harness/compare.py" "$@"
