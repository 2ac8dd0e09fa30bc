"""The sections of the settings (`[rules]`, `[smtp]`, ...): one model per table of newsletter.toml.

`config.Settings` puts them together and `config.load_settings` reads them; import them from
`newsletter.core.config`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RulesSettings(_Section):
    """Limits a submission is checked against."""

    max_text_chars: int = Field(1500, ge=1, description="Most characters of visible text.")
    max_photos: int = Field(3, ge=0, description="Most photos per submission.")
    max_image_bytes: int = Field(
        40_000_000, ge=1, description="Largest accepted photo or logo file, in bytes."
    )
    max_image_pixels: int = Field(
        250_000_000,
        ge=1,
        description="Largest accepted image in pixels: admits 200 MP phone photos, not bombs.",
    )
    max_text_bytes: int = Field(
        1_000_000, ge=1, description="Largest submission.md, text.txt or text.docx, in bytes."
    )
    require_contact: bool = Field(True, description="At least one of email, phone, website.")


class LayoutSettings(_Section):
    """Where the templates place pictures: the slots decide the renditions' sizes."""

    email_photo_width: int = Field(
        600, ge=50, description="CSS pixels a photo spans in the email (the column width)."
    )
    email_logo_width: int = Field(
        320, ge=20, description="Widest a logo is shown in the email, in CSS pixels."
    )
    email_logo_height: int = Field(
        80, ge=10, description="Highest a logo is shown in the email, in CSS pixels."
    )
    email_density: float = Field(
        2.0, ge=1.0, le=4.0, description="Rendition pixels per CSS pixel (2 = sharp on phones)."
    )
    print_photo_width_mm: float = Field(
        80.0, gt=0, description="Printed width of a photo in the PDF, in millimetres."
    )
    print_logo_width_mm: float = Field(
        70.0, gt=0, description="Widest a logo is printed in the PDF, in millimetres."
    )
    print_logo_height_mm: float = Field(
        22.0, gt=0, description="Highest a logo is printed in the PDF, in millimetres."
    )
    print_ppi: int = Field(300, ge=72, description="Print rendition resolution.")
    print_warn_ppi: int = Field(200, ge=1, description="Below this a photo gets a warning.")
    print_error_ppi: int = Field(150, ge=1, description="Below this a photo gets an error.")


class ImageSettings(_Section):
    """How renditions are made (see images.py)."""

    ssimulacra2_target: float = Field(
        75.0, ge=0, le=100, description="Perceptual score every email photo must reach."
    )
    ssimulacra2_floor: float = Field(
        60.0, ge=0, le=100, description="Lowest score the size budget may push a photo to."
    )
    email_budget_bytes: int = Field(
        2_500_000, ge=1, description="All email renditions of one issue together, in bytes."
    )
    print_quality: int = Field(90, ge=50, le=100, description="JPEG quality of print renditions.")
    workers: int = Field(0, ge=0, description="Processes for renditions (0 = one per core).")


class PublisherSettings(_Section):
    """Who publishes the newsletter: the Impressum in every mail and in the PDF."""

    name: str = Field(
        "Kommunales Integrationszentrum Musterstadt", description="Publisher (Herausgeber)."
    )
    address: str = Field("Rathausplatz 1, 12345 Musterstadt", description="Postal address.")
    email: str = Field("integration@example.org", description="Contact e-mail address.")
    phone: str = Field("", description="Contact phone number (optional).")
    website: str = Field("https://example.org", description="The publisher's website.")
    responsible: str = Field(
        "Erika Musterfrau", description="Person responsible for the content (§ 18 Abs. 2 MStV)."
    )
    base_url: str = Field(
        "https://example.org/newsletter/",
        description="Where web versions and PDFs are published; ISSUE/ is appended.",
    )


class EmailSettings(_Section):
    """The HTML email."""

    max_html_bytes: int = Field(
        100_000,
        ge=10_000,
        description="Largest HTML part as sent, transfer-encoded (Gmail clips at about 102 KB).",
    )
    excerpt_chars: int = Field(
        320, ge=80, description="Length of a shortened text when the email would be too long."
    )


class SubscriberSettings(_Section):
    """The subscriber store."""

    database: Path = Field(
        Path("subscribers.sqlite3"), description="SQLite file with subscribers and send journal."
    )
    consent_version: str = Field(
        "2026-11", description="Version of the consent text subscribers agree to."
    )


class SenderSettings(_Section):
    """Who the mail comes from, and how a reader leaves the list."""

    from_address: str = Field("newsletter@example.org", description="Sender address (From).")
    from_name: str = Field("Integrationsnetzwerk Musterstadt", description="Sender name (From).")
    reply_to: str = Field("integration@example.org", description="Where replies go (Reply-To).")
    list_id: str = Field(
        "newsletter.integration.example.org", description="List-Id (RFC 2919), a domain-like name."
    )
    unsubscribe_url: str = Field(
        "https://example.org/newsletter/unsubscribe/{token}",
        description="One-click unsubscribe URL (RFC 8058); {token} is the subscriber's token.",
    )
    unsubscribe_mailto: str = Field(
        "abmelden@example.org", description="Address for unsubscribe requests by e-mail."
    )
    unsubscribe_page: str = Field(
        "",
        description="Unsubscribe link of published copies (email.html, web version), which "
        "have no reader's token; empty: a mail to unsubscribe_mailto.",
    )
    dkim_key_file: Path | None = Field(
        None, description="PEM file with the DKIM private key; no signing when empty."
    )
    dkim_selector: str = Field(
        "newsletter", description="DKIM selector (DNS: SELECTOR._domainkey)."
    )
    dkim_domain: str = Field("", description="DKIM signing domain (d=); default: From's domain.")
    attach_pdf: bool = Field(False, description="Attach the PDF edition (else it is linked).")
    attach_pdf_max_bytes: int = Field(
        5_000_000, ge=0, description="Attach the PDF only if it is at most this large."
    )
    images: Literal["inline", "hosted", "auto"] = Field(
        "auto",
        description="Photos inside each mail (inline), loaded from publisher.base_url (hosted), "
        "or hosted once `publish` has put them there and reached them (auto).",
    )


class RelaySettings(_Section):
    """One of several relays (`[[smtp.relays]]`); unset keys take [smtp]'s value."""

    name: str = Field("", description="Name in logs and messages; default: host:port.")
    host: str = Field(..., description="SMTP server.")
    port: int = Field(587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 TLS).")
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls, tls (implicit) or none (only for 127.0.0.1)."
    )
    username: str = Field("", description="Login name; empty: no AUTH.")
    password: SecretStr = Field(SecretStr(""), description="Password (better: password_env).")
    password_env: str = Field(
        "", description="Name of an environment variable that holds the password."
    )
    connections: int = Field(2, ge=1, le=20, description="Connections used at once.")
    per_minute: int = Field(0, ge=0, description="Most messages per minute (0: no limit).")
    per_hour: int = Field(0, ge=0, description="Most messages per hour (0: no limit).")
    weight: int = Field(1, ge=1, le=1000, description="Share of the recipients (relative).")
    ca_file: Path | None = Field(None, description="PEM file of CAs to trust besides the system's.")

    @property
    def label(self) -> str:
        return self.name or f"{self.host}:{self.port}"

    def secret(self) -> str:
        """The password: from `password_env` if named, else `password`."""
        if self.password_env:
            return os.environ.get(self.password_env, "")
        return self.password.get_secret_value()


class SmtpSettings(_Section):
    """The relay that delivers the mail."""

    host: str = Field("127.0.0.1", description="SMTP server.")
    port: int = Field(1025, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 TLS).")
    security: Literal["starttls", "tls", "none"] = Field(
        "none", description="starttls, tls (implicit) or none (only for 127.0.0.1)."
    )
    username: str = Field("", description="Login name; empty: no AUTH.")
    password: SecretStr = Field(
        SecretStr(""), description="Password (better: NEWSLETTER_SMTP__PASSWORD)."
    )
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for the server.")
    connections: int = Field(2, ge=1, le=20, description="Connections used at once.")
    per_minute: int = Field(0, ge=0, description="Most messages per minute (0: no limit).")
    per_hour: int = Field(0, ge=0, description="Most messages per hour (0: no limit).")
    ca_file: Path | None = Field(
        None, description="PEM file of CAs to trust besides the system's (a private relay)."
    )
    max_attempts: int = Field(
        5, ge=1, description="Tries per recipient on temporary errors (4xx, dropped connection)."
    )
    retry_seconds: float = Field(
        30.0, gt=0, description="First wait before a retry; doubles with every further try."
    )
    retry_window: float = Field(
        900.0, ge=0, description="Longest a send run waits for retries before it stops."
    )
    relays: list[RelaySettings] = Field(
        default_factory=list,
        description="Several relays, each a [[smtp.relays]] table (name, host, port, security,"
        " username, password_env, connections, per_minute, per_hour, weight, ca_file); send"
        " spreads the recipients by weight and fails over. Empty: the one relay above.",
    )

    def relay_list(self) -> list[RelaySettings]:
        """The relays to send through: [[smtp.relays]], or the one [smtp] relay."""
        if self.relays:
            return list(self.relays)
        return [
            RelaySettings(
                name="",
                host=self.host,
                port=self.port,
                security=self.security,
                username=self.username,
                password=self.password,
                connections=self.connections,
                per_minute=self.per_minute,
                per_hour=self.per_hour,
                ca_file=self.ca_file,
                password_env="",
                weight=1,
            )
        ]


class ServeSettings(_Section):
    """The sign-up service (`newsletter serve`) and its limits against abuse."""

    host: str = Field("127.0.0.1", description="Address to listen on (the web server proxies).")
    port: int = Field(8780, ge=0, le=65535, description="Port to listen on.")
    base_url: str = Field(
        "https://example.org/newsletter/",
        description="Public address of the service as readers reach it; links in mails use it.",
    )
    token_ttl_hours: float = Field(
        48.0, gt=0, description="How long a confirmation link stays valid, in hours."
    )
    form_ttl_hours: float = Field(
        24.0, gt=0, description="How long a loaded form may be sent, in hours."
    )
    address_limit: int = Field(
        3, ge=1, description="Most confirmation mails to one address per address window."
    )
    address_window_hours: float = Field(
        24.0, gt=0, description="Window of the per-address limit, in hours."
    )
    ip_limit: int = Field(
        20, ge=1, description="Most form submissions per IP address (IPv6: per /64) per window."
    )
    ip_window_minutes: float = Field(
        60.0, gt=0, description="Window of the per-IP limit, in minutes (kept in memory only)."
    )
    mails_per_hour: int = Field(
        200, ge=1, description="Most confirmation mails per hour in all (protects the relay)."
    )
    trusted_proxies: str = Field(
        "127.0.0.1, ::1",
        description="Proxies whose X-Forwarded-For is believed (comma-separated IPs or CIDRs).",
    )
    privacy_url: str = Field(
        "https://example.org/datenschutz", description="The privacy notice linked from the form."
    )
    consent_text_de: str = Field(
        "", description="Consent text on the German form; empty: the built-in text."
    )
    consent_text_en: str = Field(
        "", description="Consent text on the English form; empty: the built-in text."
    )
    pending_days: int = Field(
        30, ge=1, description="Days after which unconfirmed sign-ups are erased."
    )
    signup_answer_ms: int = Field(
        50,
        ge=0,
        le=5000,
        description="Least time a sign-up's answer takes (ms): subscribed or not looks alike.",
    )
    # The server's limits (waitress; see webapp_server.py). A slow or stalled client costs a
    # connection, never a worker thread: requests are read whole before a thread sees them.
    threads: int = Field(
        8, ge=1, le=64, description="Worker threads that answer requests (read ones only)."
    )
    max_connections: int = Field(
        500, ge=10, le=10_000, description="Most open connections; more wait to be accepted."
    )
    idle_timeout_seconds: int = Field(
        30, ge=1, description="A connection that sends or reads nothing this long is closed."
    )
    read_timeout_seconds: int = Field(
        60,
        ge=1,
        description="Most seconds one request (headers and body) may take to arrive.",
    )
    max_header_bytes: int = Field(
        32_768, ge=1024, description="Largest request line plus headers, in bytes (else 431)."
    )
    max_body_bytes: int = Field(
        1_048_576,
        ge=1024,
        description="Largest request body, in bytes (else 413, unread); uploads need more.",
    )
    max_form_bytes: int = Field(
        16_384,
        ge=1024,
        description="Largest form without files (sign-up, unsubscribe), in bytes (else 413).",
    )
    max_form_fields: int = Field(
        100, ge=10, description="Most fields (multipart parts) in one form (else 413)."
    )
    # The upload page (/einreichen/TOKEN, upload_routes.py): the only route with a larger body.
    upload_max_bytes: int = Field(
        80_000_000,
        ge=1_048_576,
        description="Largest upload form (text, logo, three photos), in bytes (else 413).",
    )
    upload_link_days: int = Field(
        120, ge=1, description="Days an organisation's upload link stays valid after it is made."
    )
    upload_limit: int = Field(
        30, ge=1, description="Most sends (Prüfen or Absenden) per upload link per hour."
    )


class MailboxSettings(_Section):
    """The mailbox that receives unsubscribe requests and bounces (`newsletter mailbox`)."""

    host: str = Field("imap.example.org", description="IMAP server.")
    port: int = Field(993, ge=1, le=65535, description="IMAP port (993 TLS, 143 STARTTLS).")
    security: Literal["tls", "starttls", "none"] = Field(
        "tls", description="tls (implicit), starttls, or none (only for 127.0.0.1)."
    )
    username: str = Field("", description="Login name; empty: the mailbox is not set up.")
    password: SecretStr = Field(
        SecretStr(""), description="Password (better: NEWSLETTER_MAILBOX__PASSWORD)."
    )
    folder: str = Field("INBOX", description="Folder to read.")
    processed_folder: str = Field(
        "Newsletter-Erledigt", description="Where handled mails are moved (created if missing)."
    )
    hard_bounce_limit: int = Field(
        2, ge=1, description="Hard bounces after which an address is marked bounced."
    )
    soft_bounce_limit: int = Field(
        5, ge=0, description="Soft bounces within soft_bounce_days that do the same (0: never)."
    )
    soft_bounce_days: int = Field(90, ge=1, description="Window for counting soft bounces.")
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for the server.")
    ca_file: Path | None = Field(
        None, description="PEM file of CAs to trust besides the system's (a private server)."
    )
    max_messages: int = Field(1000, ge=1, description="Most mails looked at in one run.")


class PublishSettings(_Section):
    """`newsletter publish`: where the site goes and what it shows."""

    target: str = Field(
        "",
        description="Folder the web server serves (a symlink publish manages), or "
        "[user@]host:/path or ssh://user@host:port/path for rsync over SSH.",
    )
    state_dir: Path = Field(
        Path(".publish"), description="What has been published (keep it: not a cache)."
    )
    keep_releases: int = Field(3, ge=2, description="Complete site versions kept at the target.")
    districts: list[str] = Field(
        default_factory=list,
        description="District names; an organisation's is the first found in its location.",
    )
    ssh_options: list[str] = Field(
        default_factory=list, description="Extra ssh options, e.g. ['-i', 'key']."
    )
    timeout: float = Field(120.0, gt=0, description="Seconds an upload step may take.")


class PreviewSettings(_Section):
    """The editor's preview page (`newsletter preview`, only ever on 127.0.0.1)."""

    port: int = Field(8765, ge=0, le=65535, description="Port; a free one if it is taken.")
