"""Portal pages: queue (being built)."""

from fastapi import APIRouter

router = APIRouter()
