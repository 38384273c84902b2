"""What the lifespan builds once and every request shares."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.observability import Metrics
from models.database import SessionFactory
from settings import Settings


@dataclass(frozen=True)
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    temporal: Client
    metrics: Metrics
