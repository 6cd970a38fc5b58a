"""The scorecard as HTML (Jinja2) and PDF (WeasyPrint), offline.

Candidate and recruiter text is untrusted: the template autoescapes everything, and WeasyPrint gets
a URL fetcher that allows no scheme at all, so even markup that slipped through could fetch nothing
(the template itself references no URL: fonts are the system's DejaVu, the chart is inline SVG).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, StrictUndefined
from weasyprint import HTML, URLFetcher  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from talentcrew.models import ReviewOutcome, SignalKind, utcnow
from talentcrew.scorecard.card import Scorecard, SkillSummary


class _QuietFallback(logging.Filter):
    """Drops WeasyPrint's notice, once per font of every PDF, that it subsets fonts with fontTools:
    expected wherever the system has no HarfBuzz-Subset >= 4.1 (fontTools is pinned for that path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset")


logging.getLogger("weasyprint").addFilter(_QuietFallback())

# One per process: the template is compiled once, on first use.
_ENV = Environment(
    loader=PackageLoader("talentcrew.scorecard"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# No allowed protocol: every fetch is refused (WeasyPrint logs it and draws nothing).
_NO_FETCH = URLFetcher(allowed_protocols=frozenset(), allow_redirects=False, timeout=1)
# A font configuration loads Fontconfig and keeps Pango's font cache: made once per thread (WeasyPrint
# documents are not meant to share one across threads), it saves a good part of every render.
_THREAD = threading.local()

SIGNAL_NAMES = {
    SignalKind.LONG_PAUSE: "Long pause",
    SignalKind.UNIFORM_PAUSES: "Uniform pauses",
    SignalKind.FLUENCY_SPIKE: "Fluency spike",
    SignalKind.TEXTBOOK_ANSWER: "Textbook answer",
    SignalKind.IDEAL_SIMILARITY: "Close to the ideal answer",
    SignalKind.PASTE: "Pasted text",
    SignalKind.FOCUS_LOST: "Left the page",
    SignalKind.TYPING_CADENCE: "Typing cadence",
}
REVIEW_NAMES = {ReviewOutcome.UPHELD: "Upheld", ReviewOutcome.DISMISSED: "Dismissed"}

# Chart geometry, in SVG user units (the SVG is scaled to the column's width).
_CHART_WIDTH = 680
_LABEL_WIDTH = 200
_PLOT_LEFT = _LABEL_WIDTH + 12
_PLOT_WIDTH = _CHART_WIDTH - _PLOT_LEFT - 40
_ROW = 26
_TOP = 8
_LABEL_CHARS = 30


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    width: float | None
    value: float | None


@dataclass(frozen=True)
class Chart:
    """Horizontal bars of mean confidence (0-10) per skill, and the HIRE line at threshold / 10."""

    width: int
    height: int
    plot_left: int
    plot_top: int
    plot_width: int
    axis_y: float
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, int], ...]
    threshold_x: float
    threshold: float


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1].rstrip() + "…"


def chart(skills: tuple[SkillSummary, ...], hire_threshold: int) -> Chart:
    """The per-skill chart's geometry; the template draws it as inline SVG (no image to fetch)."""
    scale = _PLOT_WIDTH / 10
    bars = tuple(
        Bar(
            label=_short(skill.skill),
            y=_TOP + i * _ROW,
            width=None if skill.confidence is None else skill.confidence * scale,
            value=skill.confidence,
        )
        for i, skill in enumerate(skills)
    )
    axis_y = _TOP + max(len(skills), 1) * _ROW
    threshold = min(max(hire_threshold / 10, 0), 10)
    return Chart(
        width=_CHART_WIDTH,
        height=int(axis_y + 34),
        plot_left=_PLOT_LEFT,
        plot_top=_TOP,
        plot_width=_PLOT_WIDTH,
        axis_y=axis_y,
        bars=bars,
        ticks=tuple((_PLOT_LEFT + t * scale, t) for t in range(0, 11, 2)),
        threshold_x=_PLOT_LEFT + threshold * scale,
        threshold=threshold,
    )


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def render_html(card: Scorecard, *, generated_at: datetime | None = None) -> str:
    """The scorecard page; `generated_at` (default now, UTC) appears in the footer, not in the card."""
    return _ENV.get_template("scorecard.html.j2").render(
        card=card,
        chart=chart(card.skills, card.hire_threshold),
        generated=_when(generated_at or utcnow()),
        when=_when,
        signal_names=SIGNAL_NAMES,
        review_names=REVIEW_NAMES,
    )


def _font_config() -> FontConfiguration:
    config = getattr(_THREAD, "font_config", None)
    if config is None:
        config = _THREAD.font_config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint with every URL fetch refused: nothing reaches the network or the file system."""
    pdf: bytes = HTML(string=html, base_url=None, url_fetcher=_NO_FETCH).write_pdf(font_config=_font_config())
    return pdf


def render_pdf(card: Scorecard, *, generated_at: datetime | None = None) -> bytes:
    """The scorecard as an A4 PDF; `generated_at` as for `render_html`."""
    return html_to_pdf(render_html(card, generated_at=generated_at))
