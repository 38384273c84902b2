"""Dependencies the routes declare: settings, a database session, Temporal, the caller."""

from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.identity import Principal, authenticate
from api.services.filing import Filing
from api.services.onboarding import Onboarding
from api.state import AppState
from settings import Settings


def _state(request: Request) -> AppState:
    return request.app.state.signoff  # type: ignore[no-any-return]


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    session = _state(request).sessions()
    try:
        yield session
    finally:
        # On a connection the database dropped, rolling back fails too; the error that
        # matters has been answered already.
        with suppress(DBAPIError):
            await session.close()


# Dependencies are coroutines even when they do no I/O: FastAPI runs a plain function in a
# thread pool, a round trip between threads on every request.
async def _temporal(request: Request) -> Client:
    return _state(request).temporal


async def _settings(request: Request) -> Settings:
    return _state(request).settings


SessionDep = Annotated[AsyncSession, Depends(_session)]
TemporalDep = Annotated[Client, Depends(_temporal)]
SettingsDep = Annotated[Settings, Depends(_settings)]

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer so_…`")


async def _current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    principal = await authenticate(session, credentials.credentials) if credentials else None
    if principal is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="a valid API token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


CurrentUser = Annotated[Principal, Depends(_current_user)]


async def _filing(
    session: SessionDep, temporal: TemporalDep, settings: SettingsDep, user: CurrentUser
) -> Filing:
    return Filing(session, temporal, settings, user)


FilingDep = Annotated[Filing, Depends(_filing)]


async def _onboarding(
    session: SessionDep, temporal: TemporalDep, settings: SettingsDep, user: CurrentUser
) -> Onboarding:
    return Onboarding(session, temporal, settings, user)


OnboardingDep = Annotated[Onboarding, Depends(_onboarding)]
