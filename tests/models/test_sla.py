"""A ticket's life and its service targets as pure rules."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.portal.due import duration_in_words, next_due_in_words
from models.enums import Side, SlaTarget, TicketStatus
from models.sla import (
    Targets,
    TicketClosed,
    clock_of,
    close,
    closes_at,
    is_breached,
    next_due,
    on_customer_word,
    on_team_reply,
    open_ticket,
    resolve,
    targets_of,
    warning_at,
)
from models.ticket import TargetPublic, Ticket

HOUR = timedelta(hours=1)
TARGETS = Targets(
    first_response_seconds=8 * 3600, resolution_seconds=40 * 3600, close_after_seconds=24 * 3600
)
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def new_ticket() -> Ticket:
    ticket = Ticket(
        id=1, number="SO-00001", customer_id=uuid.uuid4(), side=Side.CUSTOMER, subject="s", body="b"
    )
    open_ticket(ticket, START, TARGETS)
    return ticket


def test_a_new_ticket_waits_for_the_team_with_both_clocks_running() -> None:
    ticket = new_ticket()
    assert ticket.status is TicketStatus.OPEN
    assert ticket.first_response_due_at == START + 8 * HOUR
    assert ticket.resolution_due_at == START + 40 * HOUR
    clock = clock_of(ticket)
    assert warning_at(clock, SlaTarget.FIRST_RESPONSE, TARGETS) == START + 6.4 * HOUR
    assert warning_at(clock, SlaTarget.RESOLUTION, TARGETS) == START + 32 * HOUR
    assert closes_at(clock, TARGETS) is None
    assert next_due(ticket) == START + 8 * HOUR


def test_the_resolution_clock_pauses_while_the_customer_has_to_answer() -> None:
    ticket = new_ticket()
    on_team_reply(ticket, START + 2 * HOUR)
    assert ticket.status is TicketStatus.WAITING_FOR_CUSTOMER
    assert ticket.first_responded_at == START + 2 * HOUR and not ticket.breached
    assert ticket.resolution_due_at is None and ticket.resolution_left_seconds == 38 * 3600
    assert warning_at(clock_of(ticket), SlaTarget.FIRST_RESPONSE, TARGETS) is None
    # A day later the customer answers: the 38 hours left run from then.
    on_customer_word(ticket, START + 26 * HOUR)
    assert ticket.status.value == "open"
    assert ticket.resolution_due_at == START + 64 * HOUR
    assert next_due(ticket) == START + 64 * HOUR


def test_a_late_first_response_is_a_breach_that_stays() -> None:
    ticket = new_ticket()
    assert not is_breached(ticket, START + 7 * HOUR)
    assert is_breached(ticket, START + 9 * HOUR), "missing while nobody answered"
    on_team_reply(ticket, START + 9 * HOUR)
    assert ticket.breached and is_breached(ticket, START + 10 * HOUR)
    first = targets_of(ticket, START + 10 * HOUR)[0]
    assert first.breached and first.met_at == START + 9 * HOUR


def test_resolved_closes_after_its_time_unless_someone_replies() -> None:
    ticket = new_ticket()
    resolve(ticket, START + HOUR)
    assert ticket.status is TicketStatus.RESOLVED and ticket.resolution_due_at is None
    assert closes_at(clock_of(ticket), TARGETS) == START + 25 * HOUR
    assert warning_at(clock_of(ticket), SlaTarget.RESOLUTION, TARGETS) is None
    on_customer_word(ticket, START + 2 * HOUR)
    assert ticket.status.value == "open" and ticket.resolved_at is None
    assert closes_at(clock_of(ticket), TARGETS) is None
    resolve(ticket, START + 3 * HOUR)
    close(ticket, START + 27 * HOUR)
    with pytest.raises(TicketClosed):
        on_customer_word(ticket, START + 28 * HOUR)
    with pytest.raises(TicketClosed):
        on_team_reply(ticket, START + 28 * HOUR)


def test_each_change_counts_so_the_clock_keeps_the_latest() -> None:
    ticket = new_ticket()
    first = clock_of(ticket).revision
    on_team_reply(ticket, START + HOUR)
    on_customer_word(ticket, START + 2 * HOUR)
    assert clock_of(ticket).revision == first + 2
    before = ticket.revision
    on_customer_word(ticket, START + 3 * HOUR)  # open already: nothing changes
    assert ticket.revision == before


def test_the_due_column_in_words() -> None:
    assert duration_in_words(3 * 3600 + 20 * 60) == "3 h 20 min"
    assert duration_in_words(2 * 86400 + 3600) == "2 d 1 h"
    assert duration_in_words(59) == "0 min"
    ticket = new_ticket()
    shown = [
        TargetPublic(
            target=due.target,
            due_at=due.due_at,
            paused_seconds_left=due.paused_seconds_left,
            met_at=due.met_at,
            breached=due.breached,
        )
        for due in targets_of(ticket, START + HOUR)
    ]
    assert next_due_in_words(shown, START + HOUR) == "7 h left"
    on_team_reply(ticket, START + HOUR)
    shown = [TargetPublic(**due.__dict__) for due in targets_of(ticket, START + 2 * HOUR)]
    assert next_due_in_words(shown, START + 2 * HOUR) == "paused (1 d 15 h left)"
