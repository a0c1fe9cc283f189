"""The "before you send" check's cost (community/before_you_send.py, issue 14's target: at
most 5 ms for a 4,000-character message on this machine). In process, no server: the check is
pure and runs on every send, on the socket's event loop. Each case is checked --runs times;
the report gives p50/p90/p99/max in milliseconds. Command (docs/performance.md):

    .venv/bin/python -m bench.identity_check --runs 2000
"""

import argparse
import os
import time

from bench.common import Mode, Run, percentiles

TARGET_MS = 5.0
LENGTH = 4000

PROSE = (
    "After the meeting my team lead said again that people like me do not get promoted here. "
    "I wrote down the time and who was in the room, and I kept the chat logs from that week. "
    "Two colleagues saw it happen; one of them told me to stop making a fuss about nothing. "
)


def _sized(text: str, length: int = LENGTH) -> str:
    return (text * (length // len(text) + 1))[:length]


def cases() -> dict[str, tuple[str, dict]]:
    """name → (text, words): the usual and the worst that the check's parts allow."""
    own = tuple(f"ownword{number}" for number in range(100))  # the form's maximum
    watched = tuple(f"watched phrase {number}" for number in range(200))  # likewise
    # Runs of digits that parse but are no valid number: every candidate is tried, up to the cap.
    digits = "1234567 "
    return {
        "chat message, 80 characters": (PROSE[:80], {}),
        "4,000 characters of prose": (_sized(PROSE), {}),
        "4,000 characters, 100 own words and 200 watched": (
            _sized(PROSE),
            {"own": own, "watched": watched},
        ),
        "4,000 characters of digit runs, none a number (worst case for phones)": (
            _sized(digits),
            {},
        ),
        "4,000 characters, a phone number at the end": (
            _sized(PROSE, LENGTH - 16) + " (415) 555-2671",
            {},
        ),
        "4,000 characters of links, emails and handles": (
            _sized("see https://example.org/a or me@example.org or @someone_here "),
            {},
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    run = Run("identity_check", Mode("embedded", 1))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from community.before_you_send import WriterWords, check_text

    results = {}
    for name, (text, words) in cases().items():
        words = WriterWords(**words)
        check_text(text, words=words)  # warm: compiled patterns, phone metadata
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            findings = check_text(text, words=words)
            timings.append(time.perf_counter() - started)
        stats = percentiles(timings, digits=3)
        results[name] = {
            "characters": len(text),
            "found": list(findings.kinds),
            "ms": stats,
            "within_target": stats["p99"] <= TARGET_MS,
        }
    run.finish({"target_ms": TARGET_MS, "runs_per_case": args.runs, "cases": results})


if __name__ == "__main__":
    main()
