"""Failed token and link attempts, per client, kept where every API process sees them."""

from datetime import datetime, timedelta

from sqlmodel import Column, Field, SQLModel

from models.types import UTCDateTime

# How long a failure counts against its client's budget.
COUNTED_FOR = timedelta(minutes=1)


class FailedAttempt(SQLModel, table=True):
    __tablename__ = "failed_attempt"

    id: int | None = Field(default=None, primary_key=True)
    # The client's address, as the server saw it or a trusted proxy forwarded it; counted
    # for a minute, purged within the hour.
    client: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
