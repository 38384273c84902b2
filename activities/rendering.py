"""Rendering emails from their Jinja2 templates (``email_templates/``)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "email_templates"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailRenderer:
    """``<event>.txt`` sets ``subject`` and renders the text part; ``<event>.html`` the HTML."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, event: str, context: dict[str, Any]) -> RenderedEmail:
        text_module = self._env.get_template(f"{event}.txt").make_module(context)
        subject = " ".join(str(getattr(text_module, "subject", "")).split())
        if not subject:
            raise ValueError(f"template {event}.txt does not set a subject")
        html = self._env.get_template(f"{event}.html").render(context)
        return RenderedEmail(subject=subject, text=str(text_module).strip() + "\n", html=html)
