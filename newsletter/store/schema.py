"""The store's schema: every table, and every migration that ever changed one.

One SQLite file holds the subscribers, the send journal and runs, the sign-up confirmations,
the register of organisations, receipts, photo withdrawals and upload links. `MIGRATIONS` is
append-only: a file at version n (PRAGMA user_version) gets MIGRATIONS[n:] applied, in one
transaction, by `database.migrate`. Never change or reorder a step that has shipped; add one.
The tables are used by the modules that own their rows (subscribers, organisations,
upload_links in this package; send.journal, web.signup, intake.withdrawals above it), but are
only ever created or altered here, so the store imports nothing from the packages above it.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable


def _v1_subscribers(conn: sqlite3.Connection) -> None:
    """The subscribers: addresses three ways, consent proof, unsubscribe token, status."""
    conn.execute(
        """CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY,
            address TEXT NOT NULL,              -- as given
            address_normalized TEXT NOT NULL,   -- email-validator's form: what mail is sent to
            address_ascii TEXT,                 -- NULL: the local part needs SMTPUTF8
            address_key TEXT NOT NULL,          -- lower(address_normalized): unique
            name TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT 'de',
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
            subscribed_at TEXT NOT NULL,
            subscribed_via TEXT NOT NULL,       -- import, cli, form, ...
            confirmed_at TEXT,
            confirmed_via TEXT,
            consent_version TEXT,
            consent_note TEXT NOT NULL DEFAULT '',
            unsubscribe_token TEXT NOT NULL,
            unsubscribed_at TEXT,
            unsubscribed_via TEXT,
            bounce_count INTEGER NOT NULL DEFAULT 0 CHECK (bounce_count >= 0),
            last_bounce_at TEXT,
            updated_at TEXT NOT NULL,
            -- nobody is mailed without proof of consent
            CHECK (status <> 'active'
                   OR (confirmed_at IS NOT NULL AND consent_version IS NOT NULL)),
            CHECK (status <> 'unsubscribed' OR unsubscribed_at IS NOT NULL)
        ) STRICT"""
    )
    conn.execute("CREATE UNIQUE INDEX subscribers_address_key ON subscribers (address_key)")
    conn.execute("CREATE UNIQUE INDEX subscribers_token ON subscribers (unsubscribe_token)")
    conn.execute("CREATE INDEX subscribers_status ON subscribers (status, language)")


def _v2_send_journal(conn: sqlite3.Connection) -> None:
    """The send journal: one row per issue and person (rebuilt by _send_runs_and_skipped_rows)."""
    conn.execute(
        """CREATE TABLE send_journal (
            id INTEGER PRIMARY KEY,
            issue TEXT NOT NULL,
            address_key TEXT NOT NULL,          -- as in subscribers: one row per person
            address TEXT NOT NULL,              -- the address the message went to
            subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            last_reply_code INTEGER,
            last_reply_text TEXT,
            message_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_attempt_at TEXT,
            next_attempt_at TEXT,
            sent_at TEXT,
            UNIQUE (issue, address_key)
        ) STRICT"""
    )
    conn.execute("CREATE INDEX send_journal_state ON send_journal (issue, state)")
    conn.execute("CREATE INDEX send_journal_subscriber ON send_journal (subscriber_id)")


def _v3_confirmations(conn: sqlite3.Connection) -> None:
    """Confirmations, consent texts, bounce log and the form-signing secret (idempotent)."""
    conn.execute(
        """CREATE TABLE IF NOT EXISTS consent_texts (
            sha256 TEXT PRIMARY KEY,            -- of the text as shown
            version TEXT NOT NULL,
            language TEXT NOT NULL,
            text TEXT NOT NULL,
            first_used_at TEXT NOT NULL
        ) STRICT"""
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS confirmations (
            id INTEGER PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,    -- sha256 of the token; the token is only mailed
            purpose TEXT NOT NULL CHECK (purpose IN ('subscribe', 'change_address')),
            subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
            address TEXT NOT NULL,              -- where the mail went (normalised)
            address_key TEXT NOT NULL,          -- for the per-address limit
            form_id TEXT NOT NULL,              -- which form: web, a named form, preferences
            consent_version TEXT,
            consent_sha256 TEXT REFERENCES consent_texts (sha256),
            language TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        ) STRICT"""
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS confirmations_address"
        " ON confirmations (address_key, created_at)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS confirmations_created ON confirmations (created_at)")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS confirmations_subscriber ON confirmations (subscriber_id)"
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS bounces (
            id INTEGER PRIMARY KEY,
            subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
            address_key TEXT NOT NULL,          -- the address that bounced
            kind TEXT NOT NULL CHECK (kind IN ('hard', 'soft')),
            status TEXT NOT NULL,               -- RFC 3463 status, e.g. 5.1.1
            diagnostic TEXT NOT NULL DEFAULT '',
            mail_sha256 TEXT NOT NULL,          -- the bounce mail: processing twice counts once
            recorded_at TEXT NOT NULL,
            UNIQUE (mail_sha256, subscriber_id)
        ) STRICT"""
    )
    conn.execute("CREATE INDEX IF NOT EXISTS bounces_subscriber ON bounces (subscriber_id)")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS serve_secret (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            secret BLOB NOT NULL                -- signs the forms' anti-forgery tokens
        ) STRICT"""
    )
    conn.execute(
        "INSERT OR IGNORE INTO serve_secret (id, secret) VALUES (1, ?)", (secrets.token_bytes(32),)
    )


def _v4_organisations(conn: sqlite3.Connection) -> None:
    """The register's tables and the journal of reminders and feedback."""
    conn.execute(
        """CREATE TABLE organisations (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,          -- the submission folder's name
            name TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',   -- the contact person
            language TEXT NOT NULL DEFAULT 'de',  -- BCP 47, canonical case
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT"""
    )
    conn.execute(
        """CREATE TABLE organisation_addresses (
            organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            address TEXT NOT NULL,              -- normalised: what mail is sent to
            address_key TEXT NOT NULL UNIQUE,   -- lower-cased: one organisation per address
            PRIMARY KEY (organisation_id, position)
        ) STRICT"""
    )
    conn.execute(
        """CREATE TABLE organisation_mail (
            id INTEGER PRIMARY KEY,
            issue TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('remind', 'feedback')),
            slug TEXT NOT NULL,
            round TEXT NOT NULL,                -- remind: the day; feedback: the result's hash
            addresses TEXT NOT NULL,            -- the recipients, comma-separated
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
            reply_code INTEGER,
            reply_text TEXT,
            message_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT
        ) STRICT"""
    )
    conn.execute(
        "CREATE INDEX organisation_mail_round ON organisation_mail (issue, kind, slug, round)"
    )


def _send_runs_and_skipped_rows(conn: sqlite3.Connection) -> None:
    """One row per issue's send run (its build, fixed recipients); journal rows may be skipped.

    SQLite cannot change a CHECK constraint, so send_journal is rebuilt with the new state
    `skipped` (the person left during the run) and the build each row was sent with.
    """
    conn.execute(
        """CREATE TABLE send_journal_new (
            id INTEGER PRIMARY KEY,
            issue TEXT NOT NULL,
            address_key TEXT NOT NULL,          -- as in subscribers: one row per person
            address TEXT NOT NULL,              -- the address the message went to
            subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            last_reply_code INTEGER,
            last_reply_text TEXT,
            message_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_attempt_at TEXT,
            next_attempt_at TEXT,
            sent_at TEXT,
            build_id TEXT,                      -- the build this row's message came from
            UNIQUE (issue, address_key)
        ) STRICT"""
    )
    conn.execute(
        "INSERT INTO send_journal_new (id, issue, address_key, address, subscriber_id, state,"
        " attempts, last_reply_code, last_reply_text, message_id, created_at, updated_at,"
        " last_attempt_at, next_attempt_at, sent_at) SELECT id, issue, address_key, address,"
        " subscriber_id, state, attempts, last_reply_code, last_reply_text, message_id,"
        " created_at, updated_at, last_attempt_at, next_attempt_at, sent_at FROM send_journal"
    )
    conn.execute("DROP TABLE send_journal")
    conn.execute("ALTER TABLE send_journal_new RENAME TO send_journal")
    conn.execute("CREATE INDEX send_journal_state ON send_journal (issue, state)")
    conn.execute("CREATE INDEX send_journal_subscriber ON send_journal (subscriber_id)")
    conn.execute(
        """CREATE TABLE send_runs (
            issue TEXT PRIMARY KEY,
            build_id TEXT NOT NULL,             -- hash of the build's manifest (file list)
            snapshot TEXT NOT NULL,             -- where its message inputs are kept
            started_at TEXT NOT NULL,           -- recipients were fixed at this moment
            updated_at TEXT NOT NULL,
            finished_at TEXT                    -- nothing pending or unknown any more
        ) STRICT"""
    )


def _receipts(conn: sqlite3.Connection) -> None:
    """When each submission was first seen complete (see receipts.py): recorded once."""
    conn.execute(
        """CREATE TABLE IF NOT EXISTS receipts (
            issue TEXT NOT NULL,                -- the issue folder's name, e.g. 2026-12
            slug TEXT NOT NULL,                 -- the submission folder's name
            received_at TEXT NOT NULL,          -- UTC; newest file's mtime when first seen
            recorded_at TEXT NOT NULL,          -- UTC; when the pipeline first saw it
            PRIMARY KEY (issue, slug)
        ) STRICT"""
    )


def _photo_withdrawals(conn: sqlite3.Connection) -> None:
    """Withdrawn photo releases (`newsletter withdraw`), honoured by `publish` (append-only)."""
    conn.execute(
        """CREATE TABLE photo_withdrawals (
            id INTEGER PRIMARY KEY,
            issue TEXT NOT NULL,        -- the issue folder's name
            slug TEXT NOT NULL,         -- the submission (organisation) folder
            photo TEXT NOT NULL,        -- the photo's file name as submission.md names it
            reason TEXT NOT NULL,
            withdrawn_at TEXT NOT NULL, -- ISO 8601 with offset
            UNIQUE (issue, slug, photo)
        ) STRICT"""
    )


def _upload_links(conn: sqlite3.Connection) -> None:
    """The hashes of the organisations' upload links (the token itself is not kept)."""
    conn.execute(
        """CREATE TABLE upload_links (
            token_hash TEXT PRIMARY KEY,          -- sha256 of the token; the token is not kept
            organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
            issue TEXT NOT NULL,
            generation INTEGER NOT NULL,          -- goes up with each `--new`
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            UNIQUE (organisation_id, issue, generation)
        ) STRICT"""
    )


# Append only: a file at version n gets MIGRATIONS[n:] applied, each in the same transaction.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1_subscribers,
    _v2_send_journal,
    _v3_confirmations,
    _v4_organisations,
    _send_runs_and_skipped_rows,
    _receipts,
    _photo_withdrawals,
    _upload_links,
)
SCHEMA_VERSION = len(MIGRATIONS)
