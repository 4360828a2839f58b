"""What the mail path adds per mail: build + SMTP send (send_email tool) + parse and inspect.

Sends N mails with a 100 KB attachment through the real loopback server.
Usage: python benchmarks/mail_path.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from chaos.mail import MailServer
from chaos.sinks import EpisodeSinks
from chaos.tools import ToolContext, tools
from chaos.world import generate_world, materialize_world
from chaos.world._assets import mp4_bytes


class _Chain:
    def record_issue(self, *args: object) -> int:
        return 0

    def result_model(self, agent: str) -> None:
        return None


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    world = generate_world("sports_media", 0)
    fs = materialize_world(world)
    attachment = mp4_bytes({"title": "bench"}, 100 * 1024, random.Random(0))
    fs.create("/prod/bench.mp4", attachment, 0)
    send = tools.get("send_email")
    with MailServer() as server:
        sinks = EpisodeSinks("bench/episode", lambda: 0, server)
        ctx = ToolContext("bench", fs, _Chain(), (), sinks)  # type: ignore[arg-type]
        args = send.args.model_validate({
            "to": ["fan@example.org"], "subject": "bench", "body": "x",
            "attachments": [{"path": "/prod/bench.mp4"}]})
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            assert send.run(ctx, args).startswith("sent")
            samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        sinks.close()
        inspect = (time.perf_counter() - start) / n
    assert len(sinks.mail) == n and sinks.mail[0].attachments[0].size == len(attachment)
    send_ms = statistics.median(samples) * 1000
    print(f"mail with a {len(attachment) // 1024} KB attachment, {n} mails:")
    print(f"  build + SMTP send (median): {send_ms:.2f} ms   p90: "
          f"{statistics.quantiles(samples, n=10)[-1] * 1000:.2f} ms")
    print(f"  parse + inspect per mail:   {inspect * 1000:.2f} ms")
    print(f"  total per mail:             {send_ms + inspect * 1000:.2f} ms (aim: <= 10 ms)")


if __name__ == "__main__":
    main()
