"""The parsed data files are kept in the user cache folder between runs (JSON, 0600,
named by the TOML's length and CRC-32); whatever is wrong with the cache, the data is the TOML's."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tomllib
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.impact import loading

NAMES = ("factors", "models", "grids", "equivalents", "calibration")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty ``$XDG_CACHE_HOME``; ``load`` forgets what it read before and after."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    loading.clear()
    yield tmp_path / "xdg-cache" / "tokenprint"
    loading.clear()


def parsed(name: str, folder: Path = loading.DATA_DIR) -> dict:
    return tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))


def cache_file(folder: Path, name: str, data_dir: Path = loading.DATA_DIR) -> Path:
    raw = (data_dir / f"{name}.toml").read_bytes()
    return folder / f"impact-data-{loading.CACHE_FORMAT}-{name}-{len(raw)}-{zlib.crc32(raw):08x}.json"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG cache folder")
def test_first_load_writes_a_private_cache_that_gives_the_same_data(cache: Path) -> None:
    for name in NAMES:
        assert loading.load(name) == parsed(name)
    assert sorted(p.name for p in cache.iterdir()) == sorted(cache_file(cache, n).name for n in NAMES)
    for p in cache.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    loading.clear()
    for name in NAMES:  # now from the cache
        assert loading.load(name) == parsed(name)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG cache folder")
def test_the_cache_is_what_a_second_run_reads(cache: Path) -> None:
    """Proof that the cache is read: a second process, without tomllib, gets the data."""
    loading.load("grids")
    code = ("import sys; sys.modules['tomllib'] = None\n"
            "from ledger.impact import loading; print(len(loading.grids()['zone']))")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == len(parsed("grids")["zone"])


@pytest.mark.parametrize("damage", [b"", b"{not json", b"[1, 2]", b"\xff\xfe", b"null"])
def test_a_damaged_cache_is_parsed_again_and_rewritten(cache: Path, damage: bytes) -> None:
    loading.load("factors")
    path = cache_file(cache, "factors")
    path.write_bytes(damage)
    loading.clear()
    assert loading.load("factors") == parsed("factors")
    assert path.read_bytes() != damage  # rewritten


def test_no_usable_cache_folder_is_no_error(cache: Path) -> None:
    cache.parent.mkdir()
    cache.write_text("a file where the folder would be")
    assert loading.load("models") == parsed("models")
    assert cache.read_text() == "a file where the folder would be"


def test_a_changed_data_file_is_parsed_again_and_its_old_cache_dropped(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(loading.DATA_DIR, data)
    monkeypatch.setattr(loading, "DATA_DIR", data)
    loading.load("grids")
    old = cache_file(cache, "grids", data)
    assert old.is_file()
    (data / "grids.toml").write_text((data / "grids.toml").read_text() + '\n[zone.ZZ]\nname = "Test"\n')
    loading.clear()
    assert loading.load("grids")["zone"]["ZZ"] == {"name": "Test"}
    assert not old.exists()
    assert cache_file(cache, "grids", data).is_file()


def test_data_json_would_not_give_back_is_not_cached(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "dated.toml").write_text("when = 2026-01-01\n")
    monkeypatch.setattr(loading, "DATA_DIR", data)
    assert loading.load("dated")["when"].isoformat() == "2026-01-01"
    assert not cache.exists() or not list(cache.iterdir())


def test_a_broken_data_file_is_still_a_data_error(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "bad.toml").write_text("x = = 1\n")
    monkeypatch.setattr(loading, "DATA_DIR", data)
    with pytest.raises(loading.DataError, match="bad.toml"):
        loading.load("bad")


def test_only_this_file_s_old_caches_are_dropped(cache: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "grid.toml").write_text("a = 1\n")
    (data / "grid-x.toml").write_text("b = 2\n")
    monkeypatch.setattr(loading, "DATA_DIR", data)
    assert (loading.load("grid-x"), loading.load("grid")) == ({"b": 2}, {"a": 1})
    other = cache_file(cache, "grid-x", data)
    mine = cache_file(cache, "grid", data)
    foreign = cache / "notes.json"
    foreign.write_text("{}")
    (data / "grid.toml").write_text("a = 10\n")
    loading.clear()
    assert loading.load("grid") == {"a": 10}
    assert other.is_file() and foreign.is_file() and not mine.exists()
    assert cache_file(cache, "grid", data).is_file()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to give a file away")
def test_someone_else_s_cache_file_is_not_trusted(cache: Path) -> None:
    loading.load("grids")
    path = cache_file(cache, "grids")
    path.write_text('{"zone": {}}')
    os.chown(path, 12345, 12345)
    loading.clear()
    assert loading.load("grids") == parsed("grids")
