"""A small office world (no generator's words): contracts, a price list, reports, a logo-less
shop; and a way to inject one fault into it and meet it through the agents' tools."""

import json
import random

import pytest

from chaos.faults import ChainHooks, FaultContext, fault_kinds
from chaos.tasks import TaskFacts
from chaos.tools import ToolContext, tools
from chaos.world import World, WorldFile, materialize_world
from chaos.world._assets import pdf_bytes, png_bytes
from tests.helpers import StubChain

T0 = 1_767_000_000

PRICES = "sku,name,price\nA-1,Crème brûlée,4.50\nA-2,Jalapeño salsa,3.20\nA-3,Plain bread,2.00\n"
CONTRACT = "Contract 7\nSigned by Zoë Müller\n"
VERSION = '{"name": "desk", "version": "1.4.2"}\n'


def office_world():
    """Files of an office, tagged as a profile's `world.files` would tag them."""
    files = [
        WorldFile("/shop/prices.csv", PRICES.encode(), T0, frozenset({"prices"})),
        WorldFile("/legal/contract-7.txt", CONTRACT.encode(), T0, frozenset({"contract"})),
        WorldFile("/legal/archive/contract-3.txt", b"Contract 3\nSigned by Bo\n", T0 - 9_000,
                  frozenset({"old"})),
        WorldFile("/release/version.json", VERSION.encode(), T0, frozenset({"release"})),
        WorldFile("/clinic/reports/P001.pdf", pdf_bytes("Lab report P001", ["Hb 13.2"]), T0,
                  frozenset({"report"})),
        WorldFile("/clinic/reports/P002.pdf", pdf_bytes("Lab report P002", ["Hb 12.1"]), T0,
                  frozenset({"report"})),
        WorldFile("/clinic/old/P001.pdf", pdf_bytes("Lab report P001 (superseded)", ["Hb 9"]),
                  T0 - 86_400, frozenset({"stale"})),
        WorldFile("/shop/photos/A-1.png", png_bytes(8, 8, (200, 10, 10), {"Title": "A-1"}), T0,
                  frozenset({"photo"})),
        WorldFile("/shop/blob.bin", bytes(range(256)) * 2, T0, frozenset({"blob"})),
        WorldFile("/out/README.txt", b"Outputs go here.\n", T0, frozenset()),
    ]
    return World("office", 0, {f.path: f for f in files}, None)


FACTS = TaskFacts(
    needed=("/clinic/reports/P001.pdf", "/clinic/reports/P002.pdf", "/legal/contract-7.txt",
            "/release/version.json", "/shop/prices.csv"),
    recipients=("ana@example.org", "bo@example.org"),
    outputs=("/out/summary.json",),
    names={"/clinic/reports/P001.pdf": "P001", "/clinic/reports/P002.pdf": "P002"},
)


@pytest.fixture(scope="module")
def world():
    return office_world()


class Injected:
    """One fault injected into a fresh copy of the world; `call(tool, **args)` meets it."""

    def __init__(self, world, kind, targets, facts=FACTS, seed=1, **params):
        self.world, self.fs = world, materialize_world(world)
        self.chain = ChainHooks()
        cls = fault_kinds.get(kind)
        self.hits = []
        self.taint = cls(cls.Params.model_validate(params)).inject(FaultContext(
            world, self.fs, random.Random(seed), [world.files[t] for t in targets],
            hit=self.hits.append, chain=self.chain, facts=facts))
        self.ctx = ToolContext("finder", self.fs, StubChain())

    def call(self, name, **arguments):
        definition = tools.get(name)
        return definition.run(self.ctx, definition.args.model_validate(arguments))

    def read(self, path):
        return self.fs.read(path, 1 << 20)

    def info(self, path):
        return json.loads(self.call("file_info", path=path))

    def answer(self, caller, callee, text):
        """The answer `callee` hands back to `caller`, after the chain faults' hooks."""
        for hook in self.chain.on_answer:
            text = hook(caller, callee, text)
        return text


@pytest.fixture
def inject(world):
    """inject(kind, [target paths], **params) -> Injected."""
    return lambda kind, targets=(), **params: Injected(world, kind, list(targets), **params)
