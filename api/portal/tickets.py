"""Portal pages: tickets (being built)."""

from fastapi import APIRouter

router = APIRouter()
