"""Portal pages: requesting a purchaser's addition or removal (being built)."""

from fastapi import APIRouter

router = APIRouter()
