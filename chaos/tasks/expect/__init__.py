"""The `expect` task kind: the right outcome is the end state the profile declares.

`task.expect` lists expectations (mail, upload, sms, write, answer, must_not), each for every
row of a world table or once; values are literals, `{column}` templates, or computed from the
world's files as generated. The oracle judges them from the end state alone.
"""

from chaos.tasks.expect._kind import Expect, ExpectResult, WorldLacks
from chaos.tasks.expect._spec import Expectation, ExpectParams, Find
from chaos.tasks.expect._values import same_value

__all__ = ["Expect", "ExpectParams", "ExpectResult", "Expectation", "Find", "WorldLacks",
           "same_value"]
