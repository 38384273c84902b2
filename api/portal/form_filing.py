"""A request's form filed from its page by the same services as the API's, every problem
told at once beside its field: the schema's, and the rules' on what of the form they can
still check."""

import uuid
from dataclasses import dataclass
from typing import Any

from api.errors import Conflict, TooMany
from api.portal.forms import FormErrors, sentence
from api.services.filing import Filing, file_request, problems_beside_schema
from models.enums import RequestKind
from models.kinds import KINDS
from models.problems import ValidationProblems
from models.request import ChangeRequest


@dataclass(frozen=True)
class Outcome:
    """The request filed; or none, with every problem put in the page's errors."""

    filed: ChangeRequest | None
    status_code: int


async def file_form(
    filing: Filing,
    customer_id: uuid.UUID,
    kind: RequestKind,
    data: dict[str, Any],
    errors: FormErrors,
) -> Outcome:
    """``data``, the form as the API's JSON, read by the kind's schema into ``errors``
    (which may hold the page's own problems already: then nothing is filed), and filed as
    ``POST /customers/{id}/<kind>-requests`` files it."""
    form = errors.parse(KINDS[kind].form, data)
    try:
        if form is not None and not errors:
            return Outcome(await file_request(filing, customer_id, kind, form), 201)
        problems = await problems_beside_schema(filing, customer_id, kind, data, errors.refused)
    except ValidationProblems as refused:
        problems = refused.problems
    except (Conflict, TooMany) as refused:
        errors.general.append(sentence(refused.detail))
        return Outcome(None, refused.status_code)
    errors.add_problems(problems)
    return Outcome(None, 422)
