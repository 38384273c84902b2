"""Only for the services, which import LinkProblem from here: it lives in api.errors now.
Once api/services import it from there, this module goes."""

from api.errors import LinkProblem

__all__ = ["LinkProblem"]
