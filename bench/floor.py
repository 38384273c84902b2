"""The floor: a bare workflow of a profile change's original shape, each step doing nothing.

Four activities and one Update, as a profile change had before its database steps became
local activities. It runs in the workflow sandbox, as Signoff's workflows do: the same
worker settings. Kept in its own small module because the sandbox imports a workflow's
module afresh for every run.
"""

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def nothing(step: str) -> str:
    return step


@workflow.defn
class FloorWorkflow:
    def __init__(self) -> None:
        self._go = False

    @workflow.run
    async def run(self) -> str:
        for step in ("ticket", "received"):
            await workflow.execute_activity(
                nothing, step, start_to_close_timeout=timedelta(seconds=30)
            )
        await workflow.wait_condition(lambda: self._go)
        for step in ("apply", "outcome"):
            await workflow.execute_activity(
                nothing, step, start_to_close_timeout=timedelta(seconds=30)
            )
        return "done"

    @workflow.update
    async def implement(self) -> str:
        self._go = True
        return "ok"
