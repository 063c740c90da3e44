"""The segment cache's numbers and housekeeping (engine/encode/segment_cache.py)
pinned at their limits (issue 21's mutation score): `--cache-size` units and
their printing, the default 5 GB bound, which leftovers of a killed render are
swept and when (an hour; a day for a render folder), least-recently-used
eviction, and a chunk's key following the bytes of the files it names. Files
on disk, no rendering: milliseconds each.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from storyreel.engine.encode import segment_cache as sc
from storyreel.engine.encode.segment_cache import CacheError, SegmentCache, format_size, parse_size


@pytest.mark.parametrize("text, size", [
    ("2GB", 2_000_000_000), ("500MB", 500_000_000), ("1.5GiB", int(1.5 * 1024**3)), ("1kb", 1000),
    ("1 KiB", 1024), ("3m", 3_000_000), ("1t", 1000**4), ("2TiB", 2 * 1024**4), ("7b", 7), ("1.5k", 1500),
    ("1MiB", 1024**2),
])
def test_cache_sizes_in_both_unit_families(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text, message", [
    ("0GB", "must be more than 0"), ("-2GB", "must be more than 0"), ("5", "has no unit"),
    ("5 parsecs", "is not a size"), ("0.5b", "less than one byte"),
])
def test_cache_sizes_that_are_not_sizes(text, message):
    with pytest.raises(ValueError, match=message):
        parse_size(text)


def test_a_cache_size_of_one_byte_is_a_size():
    assert parse_size("1b") == 1 and parse_size("0.001kb") == 1


@pytest.mark.parametrize("size, text", [
    (0, "0 B"), (999, "999 B"), (1000, "1.0 KB"), (1500, "1.5 KB"), (999_999, "1000.0 KB"), (1_000_000, "1.0 MB"),
    (2_500_000_000, "2.5 GB"), (1000**4, "1000.0 GB"),
])
def test_sizes_print_in_the_largest_unit_they_reach(size, text):
    assert format_size(size) == text


def test_the_default_bound_is_5_gb_and_a_bound_is_at_least_one_byte(tmp_path):
    assert SegmentCache(tmp_path / "a").max_bytes == parse_size("5GB")
    assert SegmentCache(tmp_path / "b", max_bytes=1).max_bytes == 1
    assert SegmentCache(tmp_path / "c", max_bytes=None).max_bytes is None
    for bad in (0, -1):
        with pytest.raises(ValueError, match="more than 0"):
            SegmentCache(tmp_path / "d", max_bytes=bad)


def test_a_missing_cache_folder_is_made_and_a_file_is_refused(tmp_path):
    SegmentCache(tmp_path / "new" / "segments")
    assert (tmp_path / "new" / "segments").is_dir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(CacheError, match="is a file, not a folder"):
        SegmentCache(tmp_path / "file")


# -- what a sweep deletes ------------------------------------------------------------------------

KEY_A, KEY_B, KEY_C = "a" * 32, "b" * 32, "c" * 32


def aged(path: Path, seconds: float, data: bytes | None = b"x" * 100) -> Path:
    """`path` (a file with `data`, or a folder when data is None), last touched `seconds` ago."""
    if data is None:
        path.mkdir()
    else:
        path.write_bytes(data)
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_a_sweep_deletes_leftovers_older_than_an_hour_and_render_folders_older_than_a_day(tmp_path):
    hour, day = sc.LEFTOVER_S, sc.RENDERING_S
    assert (hour, day) == (3600.0, 86400.0)
    keep = [aged(tmp_path / ".k1.123.json", hour - 60), aged(tmp_path / ".rendering-young", day - 60, None),
            aged(tmp_path / ".rendering-hour", hour + 60, None), aged(tmp_path / ".probe-old", day + 60),
            aged(tmp_path / f"{KEY_A}.mp4", hour - 60)]  # a half entry being written
    gone = [aged(tmp_path / ".k2.456.json", hour + 60), aged(tmp_path / ".rendering-old", day + 60, None),
            aged(tmp_path / f"{KEY_B}.json", hour + 60)]  # a half entry a killed render left
    entries = sc.scan_entries(tmp_path, sweep=True)
    assert [p.name for p in keep if not p.exists()] == []
    assert [p.name for p in gone if p.exists()] == []
    assert [(e.key, e.files, e.size) for e in entries] == [(KEY_A, 1, 100)]


def test_a_scan_without_sweep_deletes_nothing(tmp_path):
    old = aged(tmp_path / ".k2.456.json", sc.RENDERING_S * 2)
    half = aged(tmp_path / f"{KEY_B}.json", sc.RENDERING_S * 2)
    assert [e.key for e in sc.scan_entries(tmp_path)] == [KEY_B]
    assert old.exists() and half.exists()


def whole_entry(folder: Path, key: str, seconds_ago: float, size: int = 100) -> None:
    aged(folder / f"{key}.mp4", seconds_ago, b"v" * (size - 10))
    aged(folder / f"{key}.json", seconds_ago, b"j" * 10)


def test_eviction_deletes_the_least_recently_used_until_within_the_bound(tmp_path):
    for key, ago in ((KEY_A, 30), (KEY_B, 20), (KEY_C, 10)):
        whole_entry(tmp_path, key, ago)
    cache = SegmentCache(tmp_path, max_bytes=200)
    cache.evict()
    assert sorted(p.name[:1] for p in tmp_path.glob("*.mp4")) == ["b", "c"]
    assert (cache.stats.evicted, cache.stats.freed, cache.stats.over) == (1, 100, 0)
    assert str(cache.stats) == "cache: 0 chunk(s) reused, 0 rendered, 1 old entry evicted (100 B)"


def test_eviction_keeps_this_renders_entries_and_says_how_far_over_it_is(tmp_path):
    for key, ago in ((KEY_A, 30), (KEY_B, 20), (KEY_C, 10)):
        whole_entry(tmp_path, key, ago, size=1000)
    cache = SegmentCache(tmp_path, max_bytes=1500)
    cache.evict(keep=[KEY_A, KEY_B])
    assert sorted(p.name[:1] for p in tmp_path.glob("*.mp4")) == ["a", "b"]
    assert (cache.stats.evicted, cache.stats.over) == (1, 500)
    assert str(cache.stats).endswith("1 old entry evicted (1.0 KB), still 500 B over --cache-size "
                                     "(this render's chunks alone exceed it)")


def test_within_the_bound_nothing_is_evicted(tmp_path):
    for key, ago in ((KEY_A, 30), (KEY_B, 20)):
        whole_entry(tmp_path, key, ago)
    cache = SegmentCache(tmp_path, max_bytes=200)
    cache.evict()
    assert len(list(tmp_path.glob("*.mp4"))) == 2 and cache.stats.evicted == 0


# -- a chunk's key follows the files it names ---------------------------------------------------------

def test_the_files_a_timeline_names_are_hashed_by_their_bytes(tmp_path):
    picture = tmp_path / "pic.png"
    picture.write_bytes(b"first")
    named = {"layers": [{"src": str(picture)}, {"src": "relative/not-a-file.png"}], "font": str(tmp_path)}
    first = sc._file_hashes(named)
    assert first == {(str(picture), sc.file_sha256(picture))}
    assert sc._file_hashes(named) == first  # the memo gives the same answer
    picture.write_bytes(b"second, longer")
    second = sc._file_hashes(named)
    assert second != first and second == {(str(picture), sc.file_sha256(picture))}
