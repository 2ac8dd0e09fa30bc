"""The upload page's routes in the service (`newsletter serve`): /einreichen/TOKEN.

    GET  /einreichen/TOKEN   the form, prefilled (?lang=de|en|tr|ar|uk switches the language)
    POST /einreichen/TOKEN   "Prüfen" (action=check) or "Absenden" (action=send)

A token opens one organisation's submission for one issue (upload_links.py); any other token
gets one generic page that says nothing about who exists. A POST must come from this site
(Origin / Sec-Fetch-Site) and carry a form token signed for this link; it is counted against
the link's limit ([serve] upload_limit per hour). The route alone takes a large body
([serve] upload_max_bytes); each file is held to [rules] max_image_bytes before it is kept.
What happens on disk is upload.py; how it looks, upload_pages.py.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, TYPE_CHECKING
from zoneinfo import ZoneInfo

from werkzeug.datastructures import FileStorage

from newsletter.core.models import Finding
from newsletter.store import upload_links
from newsletter.store.subscribers import open_store
from newsletter.texts.i18n import when
from newsletter.texts.numbers import human_bytes
from newsletter.upload import drafts as upload
from newsletter.upload import prefill as upload_prefill
from newsletter.upload import texts as T
from newsletter.upload.pages import CSP, PAGE_LANGUAGES, UploadPages, grouped, page_language, say
from newsletter.web import ratelimit
from newsletter.web.http import Request, Response, html_response

if TYPE_CHECKING:
    from newsletter.web.app import App

log = logging.getLogger(__name__)

CONTACT_KEYS = ("name", "email", "phone", "website")
MAX_FIELD_CHARS = 20_000  # far above every rule's limit; a bigger field is not a person typing
_ANCHORS = {"contact": "contact", "logo": "logo-field", "general": "result"}
_ANCHORS |= {f"photo-{i}": f"photo-{i}-box" for i in (1, 2, 3)}


class UploadRoutes:
    """The upload page of one App."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.serve = app.serve
        self.pages = UploadPages(app.settings)
        self.per_link = ratelimit.SlidingWindow(self.serve.upload_limit, 3600.0)
        app.add_route(
            "/einreichen/<token>",
            "upload",
            self.page,
            methods=("GET", "POST"),
            max_form_bytes=self.serve.upload_max_bytes,
            max_form_fields=60,
            too_large=self.too_large,
            file_stream=self.file_stream,
            max_field_bytes=MAX_FIELD_CHARS * 4,  # UTF-8: at most 4 bytes a character
        )

    def file_stream(self, *_: object, **__: object) -> IO[bytes]:
        """Uploaded files go straight into the state (renamed into a draft, not copied)."""
        return upload.incoming_file(self.settings)

    # --- answers that say nothing about the link ----------------------------------------------

    def _message(
        self,
        lang: str,
        status: HTTPStatus,
        title: str,
        paragraphs: list[tuple[str, str]],
        **kw: object,
    ) -> Response:
        body = self.pages.render(
            "upload_message.html.j2", lang, title=title, paragraphs=paragraphs, **kw
        )
        return self._answer(status, body)

    def _answer(self, status: HTTPStatus, body: bytes) -> Response:
        response = html_response(status, body)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def invalid(self, req: Request) -> Response:
        """One page for every link that opens nothing: guessed, rotated, expired, removed."""
        lang = req.query.get("lang", "")
        lang = lang if lang in PAGE_LANGUAGES else "de"
        contact = self.settings.publisher.email
        paragraphs = say(T.INVALID_TEXT, lang, contact=contact)
        if lang == "de":
            paragraphs += say(T.INVALID_TEXT, "en", contact=contact)
        title = " / ".join(text for _, text in say(T.INVALID_TITLE, lang))
        return self._message(lang, HTTPStatus.NOT_FOUND, title, paragraphs)

    def too_large(self, req: Request) -> Response:
        lang = page_language(req.query.get("lang"), "de")
        size = human_bytes(self.serve.upload_max_bytes, "en" if lang == "en" else "de")
        paragraphs = say(T.TOO_LARGE, lang, size=size)
        title = " / ".join(text for _, text in say(T.ERROR, lang))
        return self._message(
            lang,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            title,
            paragraphs,
            back=req.url(req.path, lang=lang),
        )

    # --- the page -------------------------------------------------------------------------------

    def page(self, req: Request, token: str) -> Response:
        """GET: the form; POST: check, and with action=send write the submission."""
        try:
            return self._page(req, token)
        finally:
            if req.method == "POST":
                spooled = [f.stream for _, fs in req.wz.files.lists() for f in fs]
                upload.drop_incoming(self.settings, spooled)

    def _page(self, req: Request, token: str) -> Response:
        db = self.app.db_path
        with open_store(db) as conn:
            opened = upload_links.lookup(conn, self.settings, token, self.serve.upload_link_days)
        issue_folder = self.settings.path(self.settings.submissions_dir) / (
            opened.issue if opened else ""
        )
        if opened is None or not issue_folder.is_dir() or issue_folder.is_symlink():
            return self.invalid(req)
        lang = page_language(req.query.get("lang"), opened.language)
        if req.method == "POST" and self.app.cross_site(req):
            return self.app.pages.forbidden("en" if lang == "en" else "de")
        meta = upload_prefill.issue_meta(issue_folder)
        tz = ZoneInfo(self.settings.timezone)
        deadline = meta.deadline if meta else None
        if deadline is not None and deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=tz)
        closed = bool(
            deadline
            and datetime.now(tz) > deadline
            and opened.slug not in (meta.accepted_late if meta else [])
        )
        view = _View(self, req, token, opened, lang, issue_folder, deadline, closed)
        if req.method != "POST":
            draft_folder = upload.new_draft(self.settings, opened.token_hash)
            form, draft = upload_prefill.prefill(
                self.settings, issue_folder, opened.slug, draft_folder
            )
            return view.form_page(form, draft, [], checked=False)
        wait = self.per_link.hit(opened.token_hash)
        if wait:
            minutes = max(1, round(wait / 60))
            response = self._message(
                lang,
                HTTPStatus.TOO_MANY_REQUESTS,
                view.title,
                say(T.LIMITED, lang, minutes=minutes),
            )
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        if closed:
            return view.form_page(
                upload.FormData(), None, [], checked=False, status=HTTPStatus.FORBIDDEN
            )
        return view.post()


class _View:
    """One request on one link."""

    def __init__(
        self,
        routes: UploadRoutes,
        req: Request,
        token: str,
        opened: upload_links.Opened,
        lang: str,
        issue_folder: Path,
        deadline: datetime | None,
        closed: bool,
    ) -> None:
        self.r, self.req, self.token, self.opened, self.lang = routes, req, token, opened, lang
        self.issue_folder, self.deadline, self.closed = issue_folder, deadline, closed
        self.settings = routes.settings
        self.title = " / ".join(t for _, t in say(T.PAGE_TITLE, lang, issue=opened.issue))
        self.scope = opened.token_hash[:24]

    def switch(self) -> list[tuple[str, str, str]]:
        return [
            (code, label, self.req.url(self.req.path, lang=code))
            for code, label in T.LANGUAGES.items()
        ]

    def form_page(
        self,
        form: upload.FormData,
        draft: upload.Draft | None,
        findings: list[Finding],
        *,
        checked: bool,
        names: dict[str, str] | None = None,
        notices: list[tuple[str, str]] | None = None,
        status: HTTPStatus = HTTPStatus.OK,
    ) -> Response:
        notices = list(notices or [])
        if self.closed:
            deadline = when(self.deadline, self.lang)
            notices += say(
                T.DEADLINE_PASSED,
                self.lang,
                deadline=deadline,
                contact=self.settings.publisher.email,
            )
        errors = grouped(findings, names or {}, form.contact)
        ordered = [(field, f) for field, fs in errors.items() for f in fs]
        with open_store(self.r.app.db_path) as conn:
            csrf = self.r.app.tokens.sign(conn, "upload", self.scope)
        body = self.r.pages.render(
            "upload.html.j2",
            self.lang,
            title=self.title,
            name=self.opened.name or form.organisation or self.opened.slug,
            deadline=when(self.deadline, self.lang) if self.deadline else "",
            notices=notices,
            checked=checked,
            findings=ordered,
            has_errors=any(f.severity == "error" for f in findings),
            errors=errors,
            anchors=_ANCHORS,
            closed=self.closed,
            form=form,
            files={slot: shown for slot, (_, shown, _) in (draft.files.items() if draft else [])},
            draft_id=draft.id if draft else "",
            csrf=csrf,
            action=self.req.url(self.req.path, lang=self.lang),
            switch=self.switch(),
        )
        return self.r._answer(status, body)

    def _fields(self) -> upload.FormData:
        f = self.req.form

        def get(name: str) -> str:
            return f.get(name, "")[:MAX_FIELD_CHARS].replace("\r\n", "\n").strip()

        form = upload.FormData(
            organisation=get("organisation"),
            goal=get("goal"),
            location=get("location"),
            contact={k: get(f"contact_{k}") for k in CONTACT_KEYS},
            language=get("language") or "de",
            text=get("text"),
        )
        for i in range(1, 4):
            slot = f"photo-{i}"
            form.photos[i - 1] = upload.PhotoFields(
                get(f"{slot}_caption"),
                get(f"{slot}_alt"),
                get(f"{slot}_credit"),
                f.get(f"{slot}_consent") == "yes",
            )
        return form

    def _draft(self, fresh: bool) -> tuple[upload.Draft, list[Finding], list[tuple[str, str]]]:
        """A new draft: kept files of the last one, new files in their place (within limits)."""
        settings, form = self.settings, self.req.form
        previous = (
            None
            if fresh
            else upload.open_draft(settings, self.opened.token_hash, form.get("draft", ""))
        )
        notices = []
        if form.get("draft") and previous is None and not fresh:
            notices += say(T.FILES_LOST, self.lang)
        folder = upload.new_draft(settings, self.opened.token_hash)
        findings: list[Finding] = []
        files = self.req.wz.files
        limit = settings.rules.max_image_bytes
        extra = sum(len(files.getlist(k)) for k in files if k not in upload.SLOTS)
        extra += sum(max(0, len(files.getlist(k)) - 1) for k in upload.SLOTS)
        if extra:
            findings.append(
                Finding(
                    code="UPLOAD_EXTRA_FILES",
                    submission=self.opened.slug,
                    params={"count": extra, "limit": settings.rules.max_photos},
                )
            )
        for slot in upload.SLOTS:
            new: FileStorage | None = files.get(slot)
            if new is not None and new.filename:
                size = new.stream.seek(0, 2)
                new.stream.seek(0)
                if size > limit:
                    role = "logo" if slot == "logo" else "photo"
                    findings.append(
                        Finding(
                            code="IMAGE_TOO_MANY_BYTES",
                            submission=self.opened.slug,
                            file=None,
                            params={
                                "role": role,
                                "name": _shown(new.filename),
                                "size_bytes": size,
                                "limit_bytes": limit,
                                "index": _index(slot),
                            },
                        )
                    )
                    continue
                if size > 0:
                    upload.put_file(folder, slot, _shown(new.filename), None, new.stream)
                    continue
            if previous and slot in previous.files and form.get(f"{slot}_keep") == "yes":
                path, shown, _ = previous.files[slot]
                upload.put_file(folder, slot, shown, path)
        return upload.finish_draft(folder), findings, notices

    def post(self) -> Response:
        form = self._fields()
        with open_store(self.r.app.db_path) as conn:
            fresh = not self.r.app.tokens.verify(
                conn, self.req.form.get("csrf", ""), "upload", self.scope
            )
        if fresh:  # a stale or forged form: its values are shown again, nothing is taken from it
            return self.form_page(
                form,
                None,
                [],
                checked=False,
                notices=say(T.STALE, self.lang),
                status=HTTPStatus.BAD_REQUEST,
            )
        began = time.monotonic()
        draft, extra, notices = self._draft(fresh)
        checked = upload.build_and_check(
            self.settings, self.issue_folder, self.opened.slug, form, draft
        )
        findings = extra + checked.findings
        log.info(
            "upload: %s/%s checked in %.2fs: %d findings",
            self.opened.issue,
            self.opened.slug,
            time.monotonic() - began,
            len(findings),
        )
        errors = any(f.severity == "error" for f in findings)
        if self.req.form.get("action") == "send" and not errors:
            upload.publish(self.settings, checked, self.issue_folder, self.opened.slug)
            paragraphs = say(
                T.THANKS_TEXT, self.lang, name=form.organisation, issue=self.opened.issue
            )
            title = " / ".join(t for _, t in say(T.THANKS_TITLE, self.lang))
            back = self.req.url(self.req.path, lang=self.lang)
            return self.r._message(
                self.lang, HTTPStatus.OK, title, paragraphs, findings=findings, back=back, switch=[]
            )
        if self.req.form.get("action") == "send":
            notices += say(T.NOT_SENT, self.lang)
        response = self.form_page(
            form, draft, findings, checked=True, names=checked.names, notices=notices
        )
        response.call_on_close(lambda: upload.discard(checked))  # after the page is sent
        return response


def _shown(filename: str) -> str:
    """The browser's file name, only to show it back (never used on disk)."""
    return Path(filename.replace("\\", "/")).name[:80] or "?"


def _index(slot: str) -> int | None:
    return int(slot[-1]) if slot.startswith("photo-") else None
