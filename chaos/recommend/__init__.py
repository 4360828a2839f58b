"""Can we switch to the cheaper model? The answer, per profile, from a run's summary.

`recommend(summary)` ranks the models that meet every gate at strict confidence and are not
significantly worse than the baseline on any paired comparison by cost per episode, with the
saving, and gives the evidence behind every "no" and the seeds an undecided model still needs.
`gate_decision` is the strict pass / fail / undecided rule; `seeds_to_settle` the estimate.
`chaos recommend` is its command; `summary.recommendation` in results.json its default answer.
"""

from chaos.recommend._answer import DEFAULT_ALPHA, cost_per_episode, recommend
from chaos.recommend._decide import (
    MAX_MORE_SEEDS,
    Decision,
    evidence,
    gate_decision,
    gate_from_json,
    seeds_to_settle,
)
from chaos.recommend._inputs import (
    check_baseline,
    judge_gates,
    load_gates_file,
    run_profiles,
    run_summary,
    sweep_summary,
)
from chaos.recommend._models import (
    EXIT_CODES,
    RECOMMENDATION_VERSION,
    GateVerdict,
    ModelAnswer,
    ProfileAnswer,
    Recommendation,
)
from chaos.recommend._paired import WorseRow, comparison_of, paired_notes, worse_rows
from chaos.recommend._render import (
    answer_lines,
    recommend_line,
    recommendation_json,
    run_recommend_line,
    summary_recommendation,
    with_recommendation,
)
from chaos.recommend._text import safe_text

__all__ = [
    "DEFAULT_ALPHA",
    "EXIT_CODES",
    "MAX_MORE_SEEDS",
    "RECOMMENDATION_VERSION",
    "Decision",
    "GateVerdict",
    "ModelAnswer",
    "ProfileAnswer",
    "Recommendation",
    "WorseRow",
    "answer_lines",
    "check_baseline",
    "comparison_of",
    "cost_per_episode",
    "evidence",
    "gate_decision",
    "gate_from_json",
    "judge_gates",
    "paired_notes",
    "load_gates_file",
    "recommend",
    "recommend_line",
    "recommendation_json",
    "run_recommend_line",
    "run_profiles",
    "run_summary",
    "safe_text",
    "seeds_to_settle",
    "summary_recommendation",
    "sweep_summary",
    "with_recommendation",
    "worse_rows",
]
