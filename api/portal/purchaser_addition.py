"""Portal pages: requesting a purchaser's addition (being built)."""

from fastapi import APIRouter

router = APIRouter()
