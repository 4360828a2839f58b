"""What `--until-decided` saves, and how often it is wrong, for a range of true rates.

Simulated (no episodes run): one gate, rounds as `chaos run --until-decided` takes them
(first round, then doubling up to the max), decided by the same rule. Episode gates: one
Bernoulli trial per seed, the confidence sequence. Fault-outcome gates: 6 faults per episode
going wrong together (the strongest clustering), the bets on episodes. Prints, per true rate:
the decisions, the observed error rate (against the stated alpha), the mean seeds used and the
share of the fixed-n design's seeds saved.

Usage: python benchmarks/adaptive_savings.py [RUNS] [FIRST] [MAX] [ALPHA]
(defaults 2000 10 200 0.05; gates `propagated: {max: 0.05}` (6 clustered faults per
episode) and `handled: {min: 0.8}`)
"""

from __future__ import annotations

import sys
import time

from chaos.adaptive import simulate
from chaos.adaptive._simulate import clustered_episode, simulate_episodes

CASES = [
    ("max", 0.05, (0.0, 0.01, 0.03, 0.05, 0.07, 0.1, 0.2, 0.5)),
    ("min", 0.8, (1.0, 0.95, 0.9, 0.8, 0.75, 0.6, 0.3)),
]


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    most = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    alpha = float(sys.argv[4]) if len(sys.argv) > 4 else 0.05
    print(f"{runs} simulated runs per rate; rounds {first}, doubling, at most {most} seeds; "
          f"alpha {alpha:g}")
    started = time.perf_counter()
    for op, threshold, rates in CASES:
        kind = "propagated (6 faults per episode)" if op == "max" else "handled"
        print(f"\ngate {kind} {op} {threshold:g}")
        print(f"{'true rate':>9}  {'pass':>5}  {'fail':>5}  {'open':>5}  {'wrong':>6}  "
              f"{'mean seeds':>10}  {'saved':>6}")
        for rate in rates:
            if op == "max":  # a fault-outcome gate: clustered faults, bets on episodes
                s = simulate_episodes(clustered_episode(rate, 6), rate, threshold, op,
                                      bound=6, runs=runs, first=first, max_episodes=most,
                                      alpha=alpha, seed=2026)
            else:
                s = simulate(rate, threshold, op,  # type: ignore[arg-type]
                             runs=runs, first=first, max_episodes=most, alpha=alpha,
                             seed=2026)
            print(f"{rate:>9g}  {s.passed:>5}  {s.failed:>5}  {s.undecided:>5}  "
                  f"{s.error_rate:>6.2%}  {s.episodes / runs:>10.1f}  {s.saved:>6.1%}")
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
