"""Slot sizes: how many pixels a picture needs where the templates place it.

Rules (is the upload big enough?) and renditions (what size to make) both ask here, so the
two can never disagree. A photo spans the column's width. A logo fits a box, bounded in width
and in height (320 x 80 CSS px in the email, 70 x 22 mm in the PDF): a square logo is shown
80 px high, a wide banner logo up to the box's width, so that neither becomes a sliver
(a 2400 x 300 banner in a 160 px slot was 20 px high and unreadable).
"""

from __future__ import annotations

from typing import Literal

from newsletter.core.config import LayoutSettings

Role = Literal["photo", "logo"]

MM_PER_INCH = 25.4


def email_css_width(layout: LayoutSettings, role: Role) -> int:
    """CSS pixels the email template gives a photo or logo."""
    return layout.email_photo_width if role == "photo" else layout.email_logo_width


def email_pixel_width(layout: LayoutSettings, role: Role) -> int:
    """Pixels of the email rendition: the slot at the configured density (2x)."""
    return round(email_css_width(layout, role) * layout.email_density)


def fit_box(width: float, height: float, box_w: float, box_h: float) -> tuple[float, float]:
    """The size of a width x height picture scaled to fit a box_w x box_h box (keeping shape)."""
    scale = min(box_w / max(width, 1), box_h / max(height, 1))
    return width * scale, height * scale


def logo_email_pixels(layout: LayoutSettings, width: int, height: int) -> tuple[int, int]:
    """Pixels a logo of this shape needs for the email box at the density (e.g. 2x)."""
    w, h = fit_box(
        width,
        height,
        layout.email_logo_width * layout.email_density,
        layout.email_logo_height * layout.email_density,
    )
    return max(1, round(w)), max(1, round(h))


def logo_print_mm(layout: LayoutSettings, width: int, height: int) -> tuple[float, float]:
    """Printed size in mm of a logo of this shape in the PDF box."""
    return fit_box(width, height, layout.print_logo_width_mm, layout.print_logo_height_mm)


def logo_print_pixels(
    layout: LayoutSettings, width: int, height: int, ppi: float | None = None
) -> tuple[int, int]:
    """Pixels a logo of this shape needs for the PDF box at `ppi` (default: print_ppi)."""
    w_mm, h_mm = logo_print_mm(layout, width, height)
    dots = (ppi or layout.print_ppi) / MM_PER_INCH
    return max(1, round(w_mm * dots)), max(1, round(h_mm * dots))


def print_width_mm(layout: LayoutSettings, role: Role) -> float:
    """Printed width in the PDF, in millimetres."""
    return layout.print_photo_width_mm if role == "photo" else layout.print_logo_width_mm


def print_pixel_width(layout: LayoutSettings, role: Role, ppi: float | None = None) -> int:
    """Pixels needed to print the slot at `ppi` (default: the print resolution)."""
    return round(print_width_mm(layout, role) / MM_PER_INCH * (ppi or layout.print_ppi))


def ppi_at(layout: LayoutSettings, role: Role, pixel_width: int) -> float:
    """Resolution a picture `pixel_width` wide reaches in its print slot."""
    return pixel_width / (print_width_mm(layout, role) / MM_PER_INCH)


SizeFinding = tuple[str, dict[str, object]]


def size_findings(
    layout: LayoutSettings, role: Role, index: int | None, name: str, width: int, height: int
) -> list[SizeFinding]:
    """Is a picture this wide enough for its email and print slots? (code, params) pairs.

    The header check (rules.py) and the image pipeline (after decoding, images.py) both ask here.
    A photo gets at most one message: the email slot needs more pixels than the print slot
    with the default layout, so print is judged only once the email is satisfied.
    """
    if role == "logo":  # judged for its own shape in the box
        email_w = logo_email_pixels(layout, width, height)[0]
        needed = max(email_w, logo_print_pixels(layout, width, height)[0])
        printed_mm = logo_print_mm(layout, width, height)[0]
        ppi = width / (printed_mm / MM_PER_INCH)
        if width < email_w or ppi < layout.print_warn_ppi:
            return [
                (
                    "LOGO_SMALL",
                    {"name": name, "width": width, "height": height, "needed": needed},
                )
            ]
        return []
    needed = email_pixel_width(layout, "photo")
    minimum = email_css_width(layout, "photo")
    size: dict[str, object] = {"index": index, "name": name, "width": width, "height": height}
    if width < minimum:
        return [("PHOTO_EMAIL_TOO_SMALL", {**size, "needed": needed, "minimum": minimum})]
    if width < needed:
        return [("PHOTO_EMAIL_SMALL", {**size, "needed": needed})]
    ppi = ppi_at(layout, "photo", width)
    mm, target = layout.print_photo_width_mm, print_pixel_width(layout, "photo")
    if ppi < layout.print_error_ppi:
        return [
            (
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
                "PHOTO_PRINT_LOW",
                {**size, "ppi": round(ppi), "mm": mm, "target": layout.print_ppi, "needed": target},
            )
        ]
    return []
