"""Portal pages: the service team's customer directory (being built)."""

from fastapi import APIRouter

router = APIRouter()
