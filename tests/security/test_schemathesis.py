"""Schemathesis over the served OpenAPI schema: no 5xx, and every answer is as documented.

The real served app (real HTTP, Temporal, database) is fuzzed by a staff user and by a
customer's Management contact, so that requests reach the handlers, not only the 401 path.
Examples are few and derandomized so that CI stays fast and a failure repeats.
"""

import asyncio
from collections import defaultdict
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.errors import FailureGroup

from tests.conftest import Stack
from tests.e2e.profile import submitted
from tests.e2e.purchaser import approval_links, filed_addition, token_of

Operation = APIOperation[Any, Any, Any, Any]
OperationCase = Case[Operation]
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
FUZZ = settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    # No shrinking: each example is a real request; a failure is reported as first found.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# Operations that must answer 2xx at least once for each caller: proof that the fuzzing
# got past authentication and validation into the handlers.
MIN_OPERATIONS_REACHED = 8


@pytest.fixture
def settings_overrides() -> dict[str, int]:
    # Generated links are unknown (404) and would soon throttle the client; the throttle
    # has its own tests, this one wants the handlers' answers.
    return {"failed_attempts_per_minute": 100_000}


async def _existing_path_parameters(stack: Stack) -> dict[str, str]:
    """Ids and a token that exist, so that generated requests also reach real records."""
    request = await submitted(stack)
    await filed_addition(stack)
    links = await approval_links(stack)
    return {
        "customer_id": stack.customer_id,
        "request_id": request["id"],
        "number": request["ticket_number"],
        "token": token_of(links["customer"]),
    }


def _strategy(operation: Operation, existing: dict[str, str]) -> st.SearchStrategy[OperationCase]:
    """What the schema allows or refuses, with generated or with existing path parameters."""
    options = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    names = [parameter.name for parameter in operation.path_parameters]
    fixed = {name: existing[name] for name in names if name in existing}
    if fixed:
        options.append(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=fixed)
        )
    return st.one_of(options)


def _fuzz(
    schema: BaseSchema, base_url: str, headers: dict[str, str], existing: dict[str, str]
) -> tuple[list[str], set[str]]:
    """Each operation in turn: the failures found, and the operations that answered 2xx."""
    failures: list[str] = []
    answered: defaultdict[str, set[int]] = defaultdict(set)
    with requests.Session() as session:
        for operation in (op for methods in schema.values() for op in methods.values()):

            @FUZZ
            @given(case=_strategy(operation, existing))
            def check(case: OperationCase) -> None:
                response = case.call_and_validate(
                    base_url=base_url, session=session, headers=headers, timeout=30
                )
                answered[case.operation.label].add(response.status_code)

            try:
                check()
            except (FailureGroup, Exception) as error:  # all collected, then all reported
                failures.append(f"{operation.label}: {error}")
    reached = {label for label, codes in answered.items() if any(200 <= c < 300 for c in codes)}
    return failures, reached


@pytest.mark.parametrize("who", ["Sam", "Derek"])
async def test_every_operation_answers_as_documented(stack: Stack, who: str) -> None:
    served = (await stack.http.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(served)
    schema.config.checks.update(included_check_names=CHECKS)
    existing = await _existing_path_parameters(stack)
    # The fuzzing blocks: it runs on a thread while the served app answers on this loop.
    failures, reached = await asyncio.to_thread(
        _fuzz, schema, str(stack.http.base_url), stack.auth(who), existing
    )
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
    assert len(reached) >= MIN_OPERATIONS_REACHED, sorted(reached)
