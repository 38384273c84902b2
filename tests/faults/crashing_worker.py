"""``signoff worker`` that kills itself (SIGKILL) right after an activity did its work.

Once for each kind of side effect: the first time each activity type finishes, before
Temporal hears that it finished. ``SIGNOFF_TEST_CRASH_MARKERS`` names the directory that
remembers which kills happened, across restarts.

The kill waits for a moment when no other email is being sent: between the SMTP server's
acceptance and the log that records it, a crash repeats that email (README: Reliability).
"""

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import uvloop
from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from settings import get_settings
from telemetry import configure_logging
from worker import run_worker

MARKERS = "SIGNOFF_TEST_CRASH_MARKERS"
EMAIL = "send_email"


class KillAfterEffect(Interceptor):
    def __init__(self, markers: Path) -> None:
        self.markers = markers
        self.emails_in_flight = 0
        self.emails_done = asyncio.Event()

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _KillAfterEffect(next, self)


class _KillAfterEffect(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, crashes: KillAfterEffect) -> None:
        super().__init__(next)
        self._crashes = crashes

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        kind = activity.info().activity_type
        crashes = self._crashes
        if kind == EMAIL:
            crashes.emails_in_flight += 1
            crashes.emails_done.clear()
        try:
            result = await self.next.execute_activity(input)
        finally:
            if kind == EMAIL:
                crashes.emails_in_flight -= 1
                if not crashes.emails_in_flight:
                    crashes.emails_done.set()
        marker = crashes.markers / kind
        if marker.exists():
            return result
        while crashes.emails_in_flight:
            await crashes.emails_done.wait()
        try:
            marker.touch(exist_ok=False)
        except FileExistsError:
            return result
        os.kill(os.getpid(), signal.SIGKILL)
        return result


if __name__ == "__main__":
    settings = get_settings()
    configure_logging(settings.log_json)
    uvloop.run(run_worker(settings, [KillAfterEffect(Path(os.environ[MARKERS]))]))
