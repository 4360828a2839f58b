"""Small stand-ins the tests share."""


class StubChain:
    """Chain services for calling tools outside an episode: reports are counted, nothing else."""

    def __init__(self):
        self.issues = []

    def record_issue(self, *args):
        self.issues.append(args)
        return len(self.issues)

    def delegate(self, agent, to, task):  # pragma: no cover - tools tested here never delegate
        raise AssertionError("no delegation outside an episode")

    def result_model(self, agent):
        return None

    def sleep(self, ms):  # pragma: no cover
        yield None

