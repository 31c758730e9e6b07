"""Load on the Slack bot, offline: N signed mentions in N threads sent at once to the real `talkscope slack
--http` process, Slack's Web API mocked on 127.0.0.1 (the tests' mock). Reports the time to acknowledge
(p50/p99, the queue full for most of the run), the time to answer, answers per minute against the same
questions asked of an in-process Agent (the bot's overhead), and the bot's peak memory with N live threads.

    .venv/bin/python -m benchmarks.slack_load            # about 3 min; N=50, queue 16
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from slack_mock import MockSlack, event, post  # noqa: E402
from test_slack import Bot  # noqa: E402

from benchmarks.common import machine  # noqa: E402

N, QUEUE = 50, 16
QUESTION = 'Complete "Load test number {i} says" for 4 tokens'


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def in_process(n: int) -> float:
    """Seconds per answer for the same questions asked of one in-process Agent (model loaded beforehand)."""
    from talkscope.agent.core import Agent
    from talkscope.tools.base import ToolContext

    agent = Agent(ToolContext())
    _ = agent.ctx.model, agent.ctx.model.tokenizer
    agent.ask(QUESTION.format(i=-1))
    start = time.perf_counter()
    for i in range(n):
        agent.session.reset()
        agent.ask(QUESTION.format(i=i))
    return (time.perf_counter() - start) / n


def main() -> None:
    import tempfile

    mock = MockSlack()
    with tempfile.TemporaryDirectory() as tmp:
        bot = Bot(mock, Path(tmp), TALKSCOPE_SLACK_QUEUE=str(QUEUE), TALKSCOPE_SLACK_PER_USER_PER_MINUTE="1000")
        try:
            roots = [f"1900000{i:03d}.000100" for i in range(N)]
            sent: dict[str, float] = {}

            def send(i: int) -> float:
                sent[roots[i]] = time.perf_counter()
                status, seconds = post(bot.url, event(f"<@UBOT> {QUESTION.format(i=i)}", roots[i], user=f"U{i}"),
                                       "application/json")
                assert status == 200
                return seconds

            start = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                acks = sorted(pool.map(send, range(N)))
            done: dict[str, float] = {}
            deadline = time.monotonic() + 600
            while len(done) < N and time.monotonic() < deadline:
                for r in roots:
                    texts = mock.final_texts(r)
                    if r not in done and texts and not texts[-1].startswith("Working"):
                        done[r] = time.perf_counter()
                time.sleep(0.05)
            finals = {r: mock.final_texts(r)[-1] for r in done}
            answered = [r for r in done if finals[r].startswith("After")]
            busy = [r for r in done if "busy" in finals[r]]
            span = max(done[r] for r in answered) - start
            waits = sorted(done[r] - sent[r] for r in answered)
            rss = peak_rss_mb(bot.proc.pid)
        finally:
            bot.close()
            mock.close()
    per_answer = in_process(len(answered))
    print(f"# Slack bot under load · {N} mentions in {N} threads at once, queue {QUEUE} · {machine()}")
    print("| measure | value |\n|---|---|")
    print(f"| acknowledgement, p50 / p99 / max | {statistics.median(acks) * 1000:.0f} ms / "
          f"{acks[int(0.99 * (len(acks) - 1))] * 1000:.0f} ms / {acks[-1] * 1000:.0f} ms |")
    print(f"| answered / answered 'busy' (queue full) | {len(answered)} / {len(busy)} |")
    print(f"| time to answer, p50 / max | {statistics.median(waits):.1f} s / {waits[-1]:.1f} s |")
    print(f"| bot: answers per minute | {60 * len(answered) / span:.0f} |")
    print(f"| the same questions to an in-process Agent: answers per minute | {60 / per_answer:.0f} |")
    print(f"| bot's peak resident memory with {N} live threads | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
