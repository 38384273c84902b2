"""The answers the API gives for failures outside its control."""

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from api.errors import Unavailable, after_the_decision


def test_a_database_outage_after_a_decision_does_not_claim_nothing_changed() -> None:
    with pytest.raises(Unavailable) as raised, after_the_decision():
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    assert "delivered and is being applied" in raised.value.detail
    assert "nothing was changed" not in raised.value.detail


def test_other_database_errors_are_not_taken_for_an_outage() -> None:
    with pytest.raises(IntegrityError), after_the_decision():
        raise IntegrityError("INSERT", {}, ValueError("duplicate"))
