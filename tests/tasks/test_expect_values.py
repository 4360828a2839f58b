"""Value expressions: any input is a value, a clear refusal, or a located error; never a crash."""

from hypothesis import given, settings
from hypothesis import strategies as st

from chaos.runner import build_world
from chaos.tasks.expect._values import OPS, Scope, ValueError_, check_expression, evaluate, fill
from tests.tasks.expect_profiles import load

WORLD = build_world(load(), 0)
paths = st.sampled_from(["/clinic/patients.csv", "/clinic/reports/P001.txt", "/nope.csv",
                         "/clinic/patients.csv#amount", "/clinic/patients.csv#name",
                         "/clinic/patients.csv#zz", "relative", ""])
expressions = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.builds(lambda op, p: {op: p}, st.sampled_from([*OPS, "summ"]), paths),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(expressions)
def test_any_expression_is_checked_and_evaluated_or_refused_clearly(value):
    problem = check_expression(value)
    assert problem is None or isinstance(problem, str)
    if problem is None:
        try:
            evaluate(value, Scope(WORLD, {"email": "a@b.example"}))
        except ValueError_ as exc:
            assert str(exc)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="{}:#/ abcsumx_email.", max_size=40))
def test_any_template_is_filled_or_refused_with_the_reason(text):
    try:
        filled = fill(text, Scope(WORLD, {"email": "a@b.example"}))
    except ValueError_ as exc:
        assert str(exc)
    else:
        assert isinstance(filled, str)


def test_a_table_too_large_to_judge_row_by_row_is_a_located_error():
    import dataclasses

    from chaos.tasks.expect import Expect
    from chaos.tasks.expect._plan import make_plan
    from chaos.world import WorldFile

    rows = "".join(f"P{n},N,p{n}@clinic.example,1\n" for n in range(10_001))
    table = WorldFile("/clinic/patients.csv", f"patient_id,name,email,amount\n{rows}".encode(),
                      0)
    world = dataclasses.replace(WORLD, files={**WORLD.files, table.path: table})
    profile = load()
    (problem,) = make_plan(world, Expect.params_of(profile.task)).problems
    assert problem == (("task", "expect", 0, "for_each"),
                       "/clinic/patients.csv has 10,001 rows: the expectations would be judged "
                       "10,000+ times; keep the tables an expectation runs over under 10,000 "
                       "rows")
