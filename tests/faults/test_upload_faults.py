"""Upload faults: which uploads the platform refuses, counted as a platform would see them."""

import random

from chaos.faults import FaultContext, fault_kinds
from chaos.sinks import UploadRules


def install(kind, rules, **params):
    cls = fault_kinds.get(kind)
    hits = []
    ctx = FaultContext(world=None, fs=None, rng=random.Random(0), targets=[],
                       hit=hits.append, uploads=rules)
    taint = cls(cls.Params(**params)).inject(ctx)
    return taint, hits


def test_two_faults_count_the_same_attempts():
    rules = UploadRules()
    _, first = install("upload.transient", rules, nth=[1])
    _, second = install("upload.rejected", rules, nth=[2])
    answers = [rules.refusal("shop", (f"/p/{i}.jpg",)) for i in range(3)]
    assert answers[0].startswith("503") and answers[1].startswith("403")
    assert answers[2] is None
    assert first == ["upload 1"] and second == ["upload 2"]


def test_a_platform_filter_counts_only_that_platform_and_names_the_refused_files():
    rules = UploadRules()
    taint, hits = install("upload.transient", rules, nth=[1], platform="Shop")
    assert rules.refusal("releases", ("/a.zip",)) is None
    assert rules.refusal(" shop ", ("/p/1.jpg", "/p/2.jpg")) is not None
    assert rules.refusal("shop", ("/p/1.jpg",)) is None
    assert taint.targets == ["/p/1.jpg", "/p/2.jpg"]
    assert hits == ["upload 1"]
