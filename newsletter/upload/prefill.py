"""What the upload page starts from: this issue's own submission of the organisation, else its
newest one in any issue; and the issue's deadline. Only reads under submissions/; the files it
offers to keep are hard links in a draft (upload.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsletter.core.config import Settings
from newsletter.intake import frontmatter, textfiles
from newsletter.intake.reader import IssueToml, _read_issue_toml
from newsletter.upload.drafts import Draft, FormData, PhotoFields, finish_draft, put_file


def issue_meta(issue_folder: Path) -> IssueToml | None:
    """issue.toml of the issue (deadline, accepted_late), or None when it cannot be read."""
    return _read_issue_toml(issue_folder, [])


def _read_md(folder: Path) -> tuple[dict[str, Any], str] | None:
    md = folder / "submission.md"
    if folder.is_symlink() or md.is_symlink() or not md.is_file():
        return None
    if md.stat().st_size > 1_000_000:
        return None
    front, body, _ = frontmatter.split(textfiles.decode(md.read_bytes())[0])
    try:
        return (frontmatter.parse(front), body.strip()) if front is not None else None
    except frontmatter.FrontMatterError:
        return None


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def prefill(
    settings: Settings, issue_folder: Path, slug: str, draft_folder: Path
) -> tuple[FormData, Draft]:
    """The form from this issue's own submission if there is one (everything, its files into
    the draft), else from the newest submission of the organisation in any issue (name, goal,
    location, contact, logo, language)."""
    root = settings.path(settings.submissions_dir)
    same = issue_folder / slug
    others = sorted((p for p in root.glob(f"*/{slug}") if p.parent != issue_folder), reverse=True)
    form = FormData()
    for folder in [same, *others]:
        read = _read_md(folder)
        if read is None:
            continue
        data, body = read
        form.organisation, form.goal = _str(data.get("organisation")), _str(data.get("goal"))
        form.location = _str(data.get("location"))
        contact = data.get("contact")
        if isinstance(contact, dict):
            form.contact = {k: _str(contact.get(k)) for k in ("name", "email", "phone", "website")}
        form.language = _str(data.get("language")) or "de"
        _seed(folder, "logo", data.get("logo"), draft_folder)
        if folder == same:
            form.text = body
            raw = data.get("photos")
            for i, entry in enumerate(raw if isinstance(raw, list) else [], start=1):
                if i > 3 or not isinstance(entry, dict):
                    continue
                form.photos[i - 1] = PhotoFields(
                    _str(entry.get("caption")),
                    _str(entry.get("alt")),
                    _str(entry.get("credit")),
                    entry.get("consent") is True,
                )
                _seed(folder, f"photo-{i}", entry.get("file"), draft_folder)
        break
    return form, finish_draft(draft_folder)


def _seed(folder: Path, slot: str, name: object, draft_folder: Path) -> None:
    """A file of an earlier submission into the draft (only a plain file inside its folder)."""
    if not isinstance(name, str) or not name.strip() or "/" in name or name.startswith("."):
        return
    path = folder / name.strip()
    if path.is_symlink() or not path.is_file():
        return
    put_file(draft_folder, slot, path.name, path)
