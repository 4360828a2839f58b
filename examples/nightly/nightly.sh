#!/usr/bin/env bash
# One night of the robustness sweep: run it, publish its report, fail on a regression.
#
#   examples/nightly/nightly.sh                      # from the repository's root
#
# Exit codes: 0 nothing regressed; 1 a gate failed or a rate regressed significantly against
# the previous night; 2 a wrong input; 3 chaos itself failed.
# Cron, every night at 02:30 (the store, sweeps/history.db, stays on this machine):
#   30 2 * * * cd /srv/agents && examples/nightly/nightly.sh >> sweeps/nightly.log 2>&1
set -uo pipefail

store="${CHAOS_STORE:-sweeps/history.db}"
# The same night twice resumes the sweep, never duplicates it.
night="${CHAOS_SWEEP_ID:-nightly-$(date -u +%Y-%m-%d)}"

chaos sweep examples/nightly/sweep.yaml --sweep-id "$night" --store "$store" --quiet
swept=$?
if [ "$swept" -gt 1 ]; then exit "$swept"; fi   # 2 bad input, 3 chaos failed, 130 interrupted

# The previous night in the store (none on the first night).
previous=$(chaos history --store "$store" --json --last 2 | python3 -c '
import json, sys
sweeps = [s["id"] for s in json.load(sys.stdin)["sweeps"]]
print(sweeps[0] if len(sweeps) == 2 else "")')

compared=0
if [ -n "$previous" ]; then
  chaos compare "$previous" "$night" --store "$store"
  compared=$?
fi
echo "report: sweeps/$night/report.html"
if [ "$swept" -ne 0 ] || [ "$compared" -ne 0 ]; then exit 1; fi
