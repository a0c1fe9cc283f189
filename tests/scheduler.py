"""The scheduler's own machinery, driven from a test: one pass of what `manage.py run_huey`
does every minute, at whatever time the test moved the clock to (time-machine).

Tests that use it need `transaction=True`: the timers commit, close old connections and run
their `on_commit` announcements, as they do in the scheduler process.
"""

from django.conf import settings
from huey import signals
from huey.contrib.djhuey import HUEY

FAILED = (signals.SIGNAL_ERROR, signals.SIGNAL_LOCKED, signals.SIGNAL_EXPIRED)


def run_due_timers() -> set[str]:
    """The consumer `run_huey` builds, from the same settings: its scheduler asks Huey which
    periodic tasks are due now and enqueues them, and its worker runs the queue until it is
    empty. Returns the names of the timers that ran; fails if one did not finish."""
    HUEY.flush()  # nothing left over from another test's pass
    consumer = HUEY.create_consumer(**settings.HUEY["consumer"])
    scheduler = consumer._create_scheduler()
    worker, _thread = consumer.worker_threads[0]
    finished, failed = set(), []

    def on_complete(signal, task, *args, **kwargs):
        finished.add(task.name)

    def on_failure(signal, task, *args, **kwargs):
        failed.append((task.name, signal, args))

    HUEY.signal(signals.SIGNAL_COMPLETE)(on_complete)
    HUEY.signal(*FAILED)(on_failure)
    try:
        scheduler.enqueue_periodic_tasks(None)
        while HUEY.pending_count():
            worker.loop()
    finally:
        HUEY.disconnect_signal(on_complete, signals.SIGNAL_COMPLETE)
        HUEY.disconnect_signal(on_failure, *FAILED)
    assert not failed, f"timers did not finish: {failed}"
    return finished
