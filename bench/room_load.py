r"""Room load: N members in one live room, messages sent at a fixed total rate R for T seconds
by senders spread over all members; every member receives every message.

With `--baseline` (the default) the same generator, members and rate first run against a bare
`websockets` broadcast server (bench/bare_broadcast.py), then against Kindred, and both reports
are printed side by side. Reports delivery latency p50/p99 (send → each member's receipt, in
this process, so the generator's own delays count), deliveries lost (not received within 5 s of
the last send), duplicated, out of order and seq gaps, send → ack latency, and the CPU seconds
of the generator and of each server process with its peak RSS. Commands (docs/performance.md):

    .venv/bin/python -m bench.room_load --mode embedded --members 200 --rate 150 --seconds 60
    .venv/bin/python -m bench.room_load --mode production --procs 2 --members 200 --rate 150 \
        --seconds 60
    # where the server's time goes (cProfile of the first daphne process; ~2x slower):
    .venv/bin/python -m bench.room_load --members 200 --rate 150 --seconds 15 --no-baseline \
        --profile var/room.prof
"""

import argparse
import sys

from bench.common import (
    Run,
    ServerProcess,
    add_mode_arguments,
    free_port,
    make_room,
    mode_from_args,
    prepare,
    print_profile,
    raise_open_files_limit,
    run_async,
    start_all,
    start_kindred_servers,
    stop_all,
)
from bench.load import steady_load


def measure(servers: list[ServerProcess], room, args) -> dict:
    try:
        summary, _ledger = run_async(
            steady_load(
                room=room,
                ports=[server.port for server in servers],
                servers=servers,
                rate=args.rate,
                seconds=args.seconds,
                drain=args.drain,
            )
        )
        return summary
    finally:
        stop_all(servers)


def bare_server(mode) -> ServerProcess:
    port = free_port()
    return ServerProcess(
        name="bare-broadcast",
        argv=[sys.executable, "-m", "bench.bare_broadcast", "--port", str(port)],
        env=mode.server_env(),
        port=port,
    )


def side_by_side(baseline: dict | None, kindred: dict) -> str:
    def row(label, pick):
        values = [pick(report) if report else "" for report in (baseline, kindred)]
        return f"{label:<34}{values[0]!s:>22}{values[1]!s:>22}"

    def servers(report, key):
        return " + ".join(str(server[key]) for server in report["servers"])

    lines = [
        row("", lambda report: "bare websockets" if report is baseline else "kindred"),
        row("messages sent", lambda r: r["messages_sent"]),
        row(
            "deliveries received / expected",
            lambda r: "{received}/{expected}".format(**r["deliveries"]),
        ),
        row("lost", lambda r: r["deliveries"]["lost"]),
        row("duplicates", lambda r: r["deliveries"]["duplicates"]),
        row("out of order", lambda r: r["deliveries"]["out_of_order"]),
        row("seq gaps", lambda r: r["deliveries"]["seq_gaps"]),
        row("delivery p50 ms", lambda r: r["latency_ms"].get("p50")),
        row("delivery p99 ms", lambda r: r["latency_ms"].get("p99")),
        row("delivery max ms", lambda r: r["latency_ms"].get("max")),
        row("ack p99 ms", lambda r: r["acks"]["latency_ms"].get("p99")),
        row("send lag max ms", lambda r: r["send_lag_ms"].get("max")),
        row("server CPU s (load window)", lambda r: " + ".join(map(str, r["cpu"]["server_cpu_s"]))),
        row("server peak RSS MB", lambda r: servers(r, "peak_rss_mb")),
        row("generator CPU s (load window)", lambda r: r["cpu"]["generator_cpu_s"]),
        row("load window s", lambda r: r["cpu"]["wall_s"]),
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_mode_arguments(parser)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rate", type=float, default=150, help="messages per second, in all")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--drain", type=float, default=5, help="seconds to wait after the last send"
    )
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="first run the same load against a bare websockets broadcast server",
    )
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="run the (first) daphne under cProfile and print where its time goes",
    )
    args = parser.parse_args()
    mode = mode_from_args(parser, args)
    run = Run("room_load", mode)
    raise_open_files_limit(args.members * 2 + 256)
    prepare(mode)
    room = make_room(members=args.members, name="Load room")
    results = {"members": args.members, "rate_per_s": args.rate, "seconds": args.seconds}
    baseline = None
    if args.baseline:
        bare = bare_server(mode)
        start_all([bare])
        baseline = results["baseline"] = measure([bare], room, args)
    kindred = results["kindred"] = measure(
        start_kindred_servers(mode, profile_path=args.profile), room, args
    )
    run.finish(results)
    print("\n" + side_by_side(baseline, kindred), file=sys.stderr)
    if args.profile:
        print_profile(args.profile)


if __name__ == "__main__":
    main()
