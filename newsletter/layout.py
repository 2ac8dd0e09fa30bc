"""Slot sizes: how many pixels a picture needs where the templates place it.

Rules (is the upload big enough?) and renditions (what size to make) both ask here, so the
two can never disagree.
"""

from __future__ import annotations

from typing import Literal

from newsletter.config import LayoutSettings

Role = Literal["photo", "logo"]

MM_PER_INCH = 25.4


def email_css_width(layout: LayoutSettings, role: Role) -> int:
    """CSS pixels the email template gives a photo or logo."""
    return layout.email_photo_width if role == "photo" else layout.email_logo_width


def email_pixel_width(layout: LayoutSettings, role: Role) -> int:
    """Pixels of the email rendition: the slot at the configured density (2x)."""
    return round(email_css_width(layout, role) * layout.email_density)


def print_width_mm(layout: LayoutSettings, role: Role) -> float:
    """Printed width in the PDF, in millimetres."""
    return layout.print_photo_width_mm if role == "photo" else layout.print_logo_width_mm


def print_pixel_width(layout: LayoutSettings, role: Role, ppi: float | None = None) -> int:
    """Pixels needed to print the slot at `ppi` (default: the print resolution)."""
    return round(print_width_mm(layout, role) / MM_PER_INCH * (ppi or layout.print_ppi))


def ppi_at(layout: LayoutSettings, role: Role, pixel_width: int) -> float:
    """Resolution a picture `pixel_width` wide reaches in its print slot."""
    return pixel_width / (print_width_mm(layout, role) / MM_PER_INCH)
