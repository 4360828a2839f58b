"""Adaptive seeds (`--until-decided`): run seeds in rounds until every gate is decided.

Episode gates (one trial per episode) get an anytime-valid confidence sequence of their rate
(`confidence_sequence`, `decide_gate`: pass when the whole interval is on the passing side of
the threshold, fail when it is all on the failing side). Fault-outcome gates count faults,
several per episode and correlated within one, so they are decided by betting on the episodes
(`bet_on_episodes`, `decide_outcome_gate`). Either decision is wrong with probability at most
alpha however many times the rounds looked. `AdaptiveRun` plans the rounds (doubling the
seeds, only for undecided models, within `--max-episodes` and `--budget-usd`) and builds
`summary.adaptive`; `run_until_decided` drives `chaos run` through it.
"""

from chaos.adaptive._betting import BettingTest, EpisodeBets, bet_on_episodes
from chaos.adaptive._decide import (
    Decision,
    Evidence,
    GateTrack,
    ModelTrack,
    decide_gate,
    decide_outcome_gate,
    gate_label,
)
from chaos.adaptive._engine import RULE, AdaptiveRun, require_data, require_gates
from chaos.adaptive._rounds import (
    DEFAULT_MAX_EPISODES,
    MAX_ALPHA,
    AdaptiveSettings,
    Cut,
    RoundPlan,
    RoundRun,
    next_seed_count,
)
from chaos.adaptive._run import closing_lines, decided_line, round_line, run_until_decided
from chaos.adaptive._sequence import (
    PRIOR,
    SequenceInterval,
    confidence_sequence,
    log_mixture_martingale,
)
from chaos.adaptive._simulate import Simulation, clustered_episode, simulate, simulate_episodes

__all__ = [
    "DEFAULT_MAX_EPISODES",
    "MAX_ALPHA",
    "PRIOR",
    "RULE",
    "AdaptiveRun",
    "AdaptiveSettings",
    "BettingTest",
    "Cut",
    "Decision",
    "EpisodeBets",
    "Evidence",
    "GateTrack",
    "ModelTrack",
    "RoundPlan",
    "RoundRun",
    "SequenceInterval",
    "Simulation",
    "bet_on_episodes",
    "closing_lines",
    "clustered_episode",
    "confidence_sequence",
    "decide_gate",
    "decide_outcome_gate",
    "decided_line",
    "gate_label",
    "log_mixture_martingale",
    "next_seed_count",
    "require_data",
    "require_gates",
    "round_line",
    "run_until_decided",
    "simulate",
    "simulate_episodes",
]
