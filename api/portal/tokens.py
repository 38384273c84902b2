"""Portal pages: tokens (being built)."""

from fastapi import APIRouter

router = APIRouter()
