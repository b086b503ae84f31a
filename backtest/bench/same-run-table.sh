#!/usr/bin/env bash
# The same-run table of issue 10: every strategy on every shipped scenario and the week slice,
# default policy, one process per scenario, two queues in parallel. Deterministic (fixed seeds):
# wall times vary, results do not. Writes <out-dir>/<scenario>.md; then prints the summary
# against issue 10's Done-when (backtest/bench/same-run-summary.ts).
#
#   bash backtest/bench/same-run-table.sh /tmp/table                       # ~20 min on 2 cores (queue 1 ~3 min more with the plentiful crash pair)
#   STRATEGIES=switchyard bash backtest/bench/same-run-table.sh /tmp/sy    # one strategy (~12 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: same-run-table.sh <out-dir>}
mkdir -p "$out"
all=switchyard,switchyard-v1,greedy-predicted,nearest-region,round-robin,least-connections,random,cheapest-first
S=${STRATEGIES:-$all}
W=${WEEK_STRATEGIES:-${STRATEGIES:-switchyard,nearest-region,least-connections}}
C=${CONTROL_STRATEGIES:-${STRATEGIES:-switchyard,least-connections}}
sim() { local name=$1; shift; npx tsx control/cli/main.ts simulate "$@" --markdown >"$out/$name.md" 2>"$out/$name.err"; }
(
  sim week-12h backtest/bench/week-50-clusters.yaml --hours 12 --strategies "$W"
  sim partial-failure backtest/scenarios/partial-failure.yaml --strategies "$S"
  sim price-crash backtest/scenarios/price-crash.yaml --strategies "$S"
  sim price-crash-control backtest/scenarios/price-crash-control.yaml --strategies "$C"
  sim price-crash-plentiful backtest/scenarios/price-crash-plentiful.yaml --strategies "$S"
  sim price-crash-plentiful-control backtest/scenarios/price-crash-plentiful-control.yaml --strategies "$C"
) &
q1=$!
(
  sim steady-global-12h examples/scenarios/steady-global.yaml --hours 12 --strategies "$S"
  sim regional-outage examples/scenarios/regional-outage.yaml --strategies "$S"
  sim gpu-price-spike examples/scenarios/gpu-price-spike.yaml --strategies "$S"
) &
q2=$!
wait $q1
wait $q2
npx tsx backtest/bench/same-run-summary.ts "$out"
