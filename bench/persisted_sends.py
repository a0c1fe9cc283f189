r"""Persisted sends: M members in one room, every one of them sending, R messages per second in
all, on PostgreSQL (production mode by default). Reports send → ack latency (an ack means the
message is committed), whether every send was acknowledged, and checks afterwards that every
acknowledged message is in the database exactly once; delivery to the room's members is
measured as in bench.room_load. Commands (docs/performance.md):

    .venv/bin/python -m bench.persisted_sends --mode production --procs 2 --members 50 --rate 300 \
        --seconds 30
"""

import argparse

from bench.common import (
    Run,
    add_mode_arguments,
    make_room,
    mode_from_args,
    prepare,
    raise_open_files_limit,
    run_async,
    start_kindred_servers,
    stop_all,
)
from bench.load import steady_load


def stored_messages(*, conversation_id: int, acked_ids: list[int]) -> dict:
    from django.db.models import Count

    from messaging.models import Message

    messages = Message.objects.filter(conversation_id=conversation_id)
    repeated = (
        messages.values("client_id").annotate(copies=Count("id")).filter(copies__gt=1).count()
    )
    acked = set(acked_ids)
    return {
        "rows_in_room": messages.count(),
        "acked_ids_distinct": len(acked),
        "acked_ids_stored": messages.filter(pk__in=acked).count(),
        "client_ids_stored_twice": repeated,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_mode_arguments(parser)
    parser.set_defaults(mode="production")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--rate", type=float, default=300, help="messages per second, in all")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--drain", type=float, default=5)
    args = parser.parse_args()
    mode = mode_from_args(parser, args)
    run = Run("persisted_sends", mode)
    raise_open_files_limit(args.members * 2 + 256)
    prepare(mode)
    room = make_room(members=args.members, name="Sends room")
    servers = start_kindred_servers(mode)
    try:
        summary, ledger = run_async(
            steady_load(
                room=room,
                ports=[server.port for server in servers],
                servers=servers,
                rate=args.rate,
                seconds=args.seconds,
                drain=args.drain,
            )
        )
    finally:
        stop_all(servers)
    acks = summary["acks"]
    database = stored_messages(
        conversation_id=room.conversation_id,
        acked_ids=[message_id for _at, message_id in ledger.acks.values()],
    )
    run.finish(
        {
            "members": args.members,
            "rate_per_s": args.rate,
            "seconds": args.seconds,
            "ack_latency_ms": acks["latency_ms"],
            "all_acked": acks["missing"] == 0,
            "all_acked_stored_once": (
                database["acked_ids_stored"] == database["acked_ids_distinct"] == acks["received"]
                and database["client_ids_stored_twice"] == 0
            ),
            "database": database,
            "load": summary,
        }
    )


if __name__ == "__main__":
    main()
