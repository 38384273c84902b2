"""A form the schema refuses answers one 422 with its rules' problems too: the route's
dependency, once it knows the caller may send the form, leaves ``request.state.beside_schema``,
which checks the rules on what of the body can be read."""

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from models.problems import Loc, Problem

# The rules' problems with a body its schema refused at these locations.
BesideSchema = Callable[[Any, list[Loc]], Awaitable[list[Problem]]]


class RulesBesideSchemaRoute(APIRoute):
    """The typed body stays, so that the schema validates and documents it as for any
    route; its refusal gains the rules' problems it does not already cover."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                rules: BesideSchema | None = getattr(request.state, "beside_schema", None)
                schema = list(error.errors())
                if rules is None or any(e["loc"][:1] != ("body",) for e in schema):
                    raise
                problems = await rules(error.body, [tuple(e["loc"]) for e in schema])
                if not problems:
                    raise
                details = [problem.detail() for problem in problems]
                raise RequestValidationError([*schema, *details], body=error.body) from None

        return answer
