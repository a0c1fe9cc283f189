"""Signup timing for a known and an unknown address (issue 14): the page answers the same for
both (DESIGN.md invariant 5), and so must the time it takes. Before the fix an unknown address
took ≈ 600 ms (account created, password hashed) and a known one ≈ 15 ms.

In process, through Django's test client and the real signup view, with the real password
hasher (PBKDF2, as in production) and the embedded mode's SQLite in var/bench/. Known and
unknown signups alternate, so machine load falls on both alike; the cache (signup rate limit)
is cleared before each. Each signup's POST is timed; the report gives p10/p50/p90 per path,
the difference of the medians and whether the spreads (p10–p90) overlap. Command
(docs/performance.md):

    .venv/bin/python -m bench.signup_timing --runs 40
"""

import argparse
import os
import secrets
import time

from bench.common import DATA_DIR, Mode, Run, percentiles

PASSWORD = "a-long-passphrase-for-timing"


def _quantile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="signups per path")
    args = parser.parse_args()
    run = Run("signup_timing", Mode("embedded", 1))
    os.environ.update(Mode("embedded", 1).environment())
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from community.models import User
    from tests.factories import make_member

    setup_test_environment()  # mail to memory, the test client's host allowed
    call_command("migrate", verbosity=0)
    tag = secrets.token_hex(4)
    known = make_member(email=f"known-{tag}@bench.example", pseudonym=f"Known{tag}")
    url = reverse("account_signup")

    def signup(email: str, number: int) -> float:
        cache.clear()
        client = Client()
        data = {
            "email": email,
            "pseudonym": f"Bench{tag}{number}",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        started = time.perf_counter()
        response = client.post(url, data)
        elapsed = time.perf_counter() - started
        assert response.status_code == 302, response.status_code
        return elapsed

    signup(f"warm-{tag}@bench.example", 0)  # templates, hasher, connections
    timings = {"known": [], "unknown": []}
    for number in range(1, args.runs + 1):
        timings["known"].append(signup(known.email, 2 * number))
        timings["unknown"].append(signup(f"new-{tag}-{number}@bench.example", 2 * number + 1))
    User.objects.filter(email__endswith="@bench.example").delete()

    results = {}
    for path, values in timings.items():
        stats = percentiles(values)
        stats["p10"] = round(_quantile(values, 0.10) * 1000, 1)
        results[path] = stats
    known_spread = (_quantile(timings["known"], 0.1), _quantile(timings["known"], 0.9))
    unknown_spread = (_quantile(timings["unknown"], 0.1), _quantile(timings["unknown"], 0.9))
    run.finish(
        {
            "password_hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1],
            "runs_per_path": args.runs,
            "known_address_ms": results["known"],
            "unknown_address_ms": results["unknown"],
            "median_difference_ms": round((results["unknown"]["p50"] - results["known"]["p50"]), 1),
            "median_ratio": round(results["unknown"]["p50"] / results["known"]["p50"], 3),
            "p10_p90_spreads_overlap": known_spread[0] <= unknown_spread[1]
            and unknown_spread[0] <= known_spread[1],
        }
    )


if __name__ == "__main__":
    main()
