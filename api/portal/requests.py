"""Portal pages: requests (being built)."""

from fastapi import APIRouter

router = APIRouter()
