"""A ticket's service targets in words, for the lists' Due column and the ticket's page."""

from datetime import datetime, timedelta

from models.ticket import TargetPublic as Due


def duration_in_words(seconds: float) -> str:
    """``2 d 3 h``, ``3 h 20 min``, ``12 min``: the two largest units, as a list's column
    has room for."""
    minutes = max(int(seconds // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def due_in_words(due: Due, now: datetime) -> str:
    """Where one target stands: met, breached, paused with what is left, or due in how long."""
    if due.met_at is not None:
        return "breached" if due.breached else "met"
    if due.breached:
        return "breached"
    if due.paused_seconds_left is not None:
        return f"paused ({duration_in_words(due.paused_seconds_left)} left)"
    if due.due_at is None:
        return ""
    return f"{duration_in_words((due.due_at - now) / timedelta(seconds=1))} left"


def next_due_in_words(targets: list[Due], now: datetime) -> str:
    """The lists' Due column: "breached" once any target was missed, else the target being
    worked to and its time left; empty for a ticket no target applies to."""
    if any(due.breached for due in targets):
        return "breached"
    for due in targets:
        if due.met_at is None and (due.due_at is not None or due.paused_seconds_left is not None):
            return due_in_words(due, now)
    return ""
