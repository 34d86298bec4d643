"""What every dashboard screen shares: the one handler for worker failures."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from tui.widgets.safe import error_text


def report_worker_failure(node: Any, event: Worker.StateChanged) -> None:
    """Show a failed worker's error as a notification (the one place that does it)."""
    if event.state != WorkerState.ERROR:
        return
    error = event.worker.error
    what = event.worker.name or "work"
    message = f"{what} failed: {error_text(error)}" if error else f"{what} failed"
    node.app.log.error(message)
    node.notify(message, title="tokenprint", severity="error", timeout=8)
    hook = getattr(node, "worker_failed", None)
    if hook is not None:
        hook(event.worker)


class BaseScreen(Screen[Any]):
    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)


class BaseModal(ModalScreen[Any]):
    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_worker_failure(self, event)
