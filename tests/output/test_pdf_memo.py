"""The memo of WeasyPrint's text measurements (output/pdf_memo.py, issue 17): the same PDF,
fewer measurements, and only where it was asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import weasyprint  # type: ignore[import-untyped]
import weasyprint.layout.preferred as preferred  # type: ignore[import-untyped]

from newsletter.core.config import Settings, load_settings
from newsletter.output import pdf, pdf_memo
from newsletter.output.content import IssueView, build_view
from tests.output.test_pdf import make_issue, place_renditions


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[IssueView, Settings, Path]:
    """test_pdf.py's issue (four scripts, logos, photos, facts with addresses and URLs)."""
    root = tmp_path_factory.mktemp("root")
    settings = load_settings(root=root)
    issue = make_issue(tmp_path_factory.mktemp("issue") / "2026-12")
    outbox = tmp_path_factory.mktemp("outbox").resolve()
    view = build_view(issue, settings, place_renditions(issue, settings, outbox))
    return view, settings, outbox


def write(sample: tuple[IssueView, Settings, Path], *, print_shop: bool = False) -> bytes:
    view, settings, outbox = sample
    html = pdf.render_html(view, settings)
    css = pdf._stylesheet(settings) + (pdf.PRINT_SHOP_CSS if print_shop else "")
    return pdf._write_pdf(view, html, css, outbox, print_shop=print_shop)


def test_the_memo_gives_the_same_bytes_with_fewer_measurements(
    sample: tuple[IssueView, Settings, Path],
) -> None:
    alone = write(sample)
    with pdf_memo.remembered() as memo:
        remembered = write(sample)
    assert memo is not None
    assert remembered == alone
    # the facts, the photo captions and the running header are measured again: answered
    assert memo.hits > 0 and memo.misses > 0


def test_the_print_shop_edition_is_the_same_with_the_memo(
    sample: tuple[IssueView, Settings, Path],
) -> None:
    alone = write(sample, print_shop=True)
    with pdf_memo.remembered() as memo:
        remembered = write(sample, print_shop=True)
    assert memo is not None and memo.hits > 0
    # byte for byte: the XMP DocumentID WeasyPrint draws at random is pinned by our finisher
    assert remembered == alone
    assert b"xmp.did:" in remembered


def test_render_pdf_measures_through_the_memo(
    sample: tuple[IssueView, Settings, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view, settings, outbox = sample
    seen: list[pdf_memo.Memo | None] = []
    real = pdf_memo.remembered

    def watched() -> Any:
        context = real()
        seen.append(context.__enter__())
        return _Exiting(context)

    monkeypatch.setattr(pdf_memo, "remembered", watched)
    fresh = settings.model_copy(update={"cache_dir": tmp_path / "cache"})
    assert pdf.render_pdf(view, fresh, outbox) == write(sample)
    assert len(seen) == 1 and seen[0] is not None and seen[0].hits > 0
    # from the cache: nothing laid out, nothing measured
    assert pdf.render_pdf(view, fresh, outbox) and len(seen) == 1


class _Exiting:
    """A context manager that only exits `context` (entered already by the watcher)."""

    def __init__(self, context: Any) -> None:
        self.context = context

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self.context.__exit__(*exc)


def test_outside_the_block_weasyprint_measures_by_itself(
    sample: tuple[IssueView, Settings, Path],
) -> None:
    with pdf_memo.remembered() as memo:
        assert memo is not None
    assert preferred.split_first_line is pdf_memo._measured  # patched once, and stays
    hits = memo.hits
    write(sample)  # not inside remembered(): every call goes to WeasyPrint
    assert memo.hits == hits
    assert getattr(pdf_memo._local, "memo", None) is None


def test_another_weasyprint_version_renders_without_the_memo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(preferred, "split_first_line", pdf_memo._ORIGINAL)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pdf_memo.remembered() as memo:
        assert memo is None
    assert preferred.split_first_line is pdf_memo._ORIGINAL
