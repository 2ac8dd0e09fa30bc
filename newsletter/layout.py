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


SizeFinding = tuple[Literal["error", "warning"], str, dict[str, object]]


def size_findings(
    layout: LayoutSettings, role: Role, index: int | None, name: str, width: int, height: int
) -> list[SizeFinding]:
    """Is a picture this wide enough for its email and print slots? (severity, code, params)

    The header check (rules.py) and the image pipeline (after decoding, images.py) both ask here.
    A photo gets at most one message: the email slot needs more pixels than the print slot
    with the default layout, so print is judged only once the email is satisfied.
    """
    if role == "logo":
        needed = max(email_pixel_width(layout, "logo"), print_pixel_width(layout, "logo"))
        small = width < email_pixel_width(layout, "logo")
        if small or ppi_at(layout, "logo", width) < layout.print_warn_ppi:
            return [
                (
                    "warning",
                    "LOGO_SMALL",
                    {"name": name, "width": width, "height": height, "needed": needed},
                )
            ]
        return []
    needed = email_pixel_width(layout, "photo")
    minimum = email_css_width(layout, "photo")
    size: dict[str, object] = {"index": index, "name": name, "width": width, "height": height}
    if width < minimum:
        return [("error", "PHOTO_EMAIL_TOO_SMALL", {**size, "needed": needed, "minimum": minimum})]
    if width < needed:
        return [("warning", "PHOTO_EMAIL_SMALL", {**size, "needed": needed})]
    ppi = ppi_at(layout, "photo", width)
    mm, target = layout.print_photo_width_mm, print_pixel_width(layout, "photo")
    if ppi < layout.print_error_ppi:
        return [
            (
                "error",
                "PHOTO_PRINT_TOO_LOW",
                {
                    **size,
                    "ppi": round(ppi),
                    "mm": mm,
                    "minimum": layout.print_error_ppi,
                    "needed": target,
                },
            )
        ]
    if ppi < layout.print_warn_ppi:
        return [
            (
                "warning",
                "PHOTO_PRINT_LOW",
                {**size, "ppi": round(ppi), "mm": mm, "target": layout.print_ppi, "needed": target},
            )
        ]
    return []
