"""Atomic writes: whole or not at all, fsynced, and never a temporary file left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from newsletter.core.files import atomic_binary, atomic_text, create_new, exchange, write_atomic


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_bytes_and_text(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.bin", b"\x00\x01")
    write_atomic(tmp_path / "b.txt", "Grüße")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_bytes() == "Grüße".encode()
    assert _names(tmp_path) == ["a.bin", "b.txt"]


def test_replaces_an_old_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("alt", encoding="utf-8")
    write_atomic(path, "neu")
    assert path.read_text(encoding="utf-8") == "neu"
    assert _names(tmp_path) == ["state.json"]


def test_text_with_encoding_and_newline(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    with atomic_text(path, encoding="utf-8-sig", newline="") as fh:
        fh.write("a;b\r\nä;ö\r\n")
    assert path.read_bytes() == "\ufeffa;b\r\nä;ö\r\n".encode()


def test_owner_only_by_default_and_mode_on_request(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "secret", b"x")
        write_atomic(tmp_path / "public", b"x", mode=0o666)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "public").stat().st_mode) == 0o644  # the umask applies


@pytest.mark.parametrize("failure", [ValueError("kaputt"), KeyboardInterrupt()])
def test_failure_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, failure: BaseException
) -> None:
    path = tmp_path / "subscribers.csv"
    path.write_bytes(b"old content")
    with pytest.raises(type(failure)), atomic_binary(path) as fh:
        fh.write(b"half of the new ")
        fh.flush()
        assert len(_names(tmp_path)) == 2  # the temporary file exists meanwhile
        raise failure
    assert path.read_bytes() == b"old content"
    assert _names(tmp_path) == ["subscribers.csv"]


def test_failure_in_a_text_block_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new.md"
    with pytest.raises(KeyboardInterrupt), atomic_text(path) as fh:
        fh.write("begonnen")
        raise KeyboardInterrupt
    assert _names(tmp_path) == []


def test_failed_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "entry.json"
    path.write_bytes(b"old")

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert _names(tmp_path) == ["entry.json"]


def test_file_and_folder_are_fsynced_before_and_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "key"
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: str | Path, dst: str | Path) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_atomic(path, b"k" * 32)
    assert events == ["fsync file", "rename", "fsync dir"]
    assert path.read_bytes() == b"k" * 32


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "from_a").touch()
    (b / "from_b").touch()
    if not exchange(a, b):
        pytest.skip("no renameat2 on this system")
    assert _names(a) == ["from_b"] and _names(b) == ["from_a"]


def test_exchange_with_a_missing_path_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    try:
        swapped = exchange(tmp_path / "a", tmp_path / "missing")
    except FileNotFoundError:
        return
    assert swapped is False  # only where the system has no renameat2


def test_create_new_writes_once_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "upload-links.key"
    assert create_new(path, b"k" * 32) is True
    assert path.read_bytes() == b"k" * 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert create_new(path, b"x" * 32) is False  # another process was quicker: its file stays
    assert path.read_bytes() == b"k" * 32
    assert _names(tmp_path) == ["upload-links.key"]


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_create_new_interrupted_leaves_no_file_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    """Ctrl+C (or a full disk) while the data is written: no empty or half file is left that a
    second run would take for the real one (before, the key and issue.toml were created empty
    first and filled afterwards)."""
    path = tmp_path / "issue.toml"

    def fail(fd: int) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(type(failure)):
        create_new(path, "titel = 'x'\n", mode=0o644)
    monkeypatch.undo()
    assert _names(tmp_path) == []
    assert create_new(path, "titel = 'x'\n", mode=0o644) is True
    assert path.read_text() == "titel = 'x'\n"


def test_create_new_without_hard_links_claims_the_name_then_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without hard links (FAT on a USB stick, some network shares): the file
    is still made whole, once, and a second call still leaves it alone."""

    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "upload-links.key"
    assert create_new(path, b"k" * 32) is True
    assert create_new(path, b"x" * 32) is False
    assert path.read_bytes() == b"k" * 32
    assert _names(tmp_path) == ["upload-links.key"]
