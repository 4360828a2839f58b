"""Episodes waiting on remote models at once: the ready profile through the OpenAI SDK against a
loopback server that takes `delay` seconds per call.

Prints the wall time against the ideal (calls x delay / concurrency) and their ratio.
Usage: python benchmarks/concurrency.py [EPISODES] [CONCURRENCY] [DELAY_S]
(the issue's target: 500 50 0.2 -> ratio <= 1.15)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from chaos.profile import LoadedProfile, parse_profile
from chaos.runner import RunOptions, run_profiles

PROFILE = Path(__file__).resolve().parent.parent / "profiles" / "sports-production.yaml"


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    episodes = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
    os.environ.setdefault("OPENAI_API_KEY", "sk-benchmark-not-a-key")
    # The "remote" model runs in its own process, as a remote model would.
    server = subprocess.Popen([sys.executable, "-m", "chaos.models.loopback", str(delay)],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        text = PROFILE.read_text()
        head, _, tail = text.partition("models:\n")
        text = (head + f"models:\n  - {{provider: openai, model: careful, base_url: "
                f"'http://127.0.0.1:{port}/v1'}}\n" + tail[tail.index("\nlimits:"):])
        loaded = LoadedProfile(parse_profile(text), str(PROFILE), "0" * 64)
        seeds = (episodes + 1) // 2  # both arms per seed
        start, cpu = time.perf_counter(), time.process_time()
        results = run_profiles([loaded], RunOptions(episodes=seeds, concurrency=concurrency))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        server_cpu = _cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    calls = sum(e.usage.model_calls for e in results.episodes)
    ideal = calls * delay / concurrency
    crashed = sum(e.status == "crashed" for e in results.episodes)
    print(f"{len(results.episodes)} episodes, {calls} model calls, {delay * 1000:.0f} ms per "
          f"call, concurrency {concurrency} ({crashed} crashed)")
    print(f"wall {wall:.1f} s, ideal {ideal:.1f} s, ratio {wall / ideal:.2f} (target <= 1.15)")
    print(f"client CPU {cpu:.1f} s = {cpu / calls * 1000:.2f} ms per model call "
          f"(the event loop is busy {cpu / wall:.0%} of the wall time); the model server's "
          f"{server_cpu / calls * 1000:.2f} ms, inside its {delay * 1000:.0f} ms")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
