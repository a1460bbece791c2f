"""save/load: exact round trips, atomic writes that survive SIGKILL, and refusal of bad files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import nnfunc as nf
from nnfunc.io import FORMAT_KEY, load, save
from nnfunc.testing import strategies as nst

NET = nf.init_mlp(nf.Key(3), (4, 5, 3))


def _leaves_equal(a: object, b: object) -> None:
    for u, v in zip(nf.tree_leaves(a), nf.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(u, v, strict=True)


# -- round trips --------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=nst.networks(), key=nst.keys())
def test_round_trip_is_exact_and_read_only(tmp_path: Path, params: nf.MLP, key: nf.Key) -> None:
    path = tmp_path / "net.npz"
    save(path, params)
    skeleton = nf.init_mlp(key, params.sizes, hidden=params.layers[0].activation, output=params.layers[-1].activation,
                           dtype=params.dtype)  # fmt: skip
    loaded = load(path, skeleton)
    assert type(loaded) is nf.MLP
    assert [la.activation for la in loaded.layers] == [la.activation for la in params.layers]
    _leaves_equal(loaded, params)
    for leaf in nf.tree_leaves(loaded):
        assert not leaf.flags.writeable
    batch = nst.batch_for(params, key, labels="real")
    np.testing.assert_array_equal(nf.forward(loaded, batch.x), nf.forward(params, batch.x))


class State(NamedTuple):
    step: int
    moments: dict[str, Any]


def test_round_trip_of_any_pytree_keeps_numbers_and_numpy_scalars(tmp_path: Path) -> None:
    tree = State(7, {"m": (np.arange(6.0).reshape(2, 3), np.float32(2.5)), "flag": True, "empty": None})
    save(tmp_path / "s.npz", tree)
    skeleton = State(0, {"m": (np.zeros((2, 3)), np.float32(0)), "flag": False, "empty": None})
    loaded = load(tmp_path / "s.npz", skeleton)
    assert loaded.step == 7 and type(loaded.step) is int
    assert loaded.moments["flag"] is True
    assert loaded.moments["m"][1] == np.float32(2.5) and type(loaded.moments["m"][1]) is np.float32
    np.testing.assert_array_equal(loaded.moments["m"][0], tree.moments["m"][0])


def test_save_overwrites_writes_exactly_the_name_given_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "params"  # no .npz added behind the user's back
    save(path, NET)
    other = nf.init_mlp(nf.Key(4), (4, 5, 3))
    save(str(path), other)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params"]
    _leaves_equal(load(path, NET), other)


def test_saved_file_has_ordinary_permissions(tmp_path: Path) -> None:
    path = tmp_path / "p.npz"
    save(path, NET)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_save_does_not_change_the_parameters(tmp_path: Path) -> None:
    before = [leaf.copy() for leaf in nf.tree_leaves(NET)]
    save(tmp_path / "p.npz", NET)
    _leaves_equal(before, nf.tree_leaves(NET))


# -- bad files ----------------------------------------------------------------------------------


def _expect_refused(path: Path, *words: str, like: object = NET) -> str:
    with pytest.raises(ValueError) as info:
        load(path, like)
    message = str(info.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    return message


def _arrays(params: object = NET) -> dict[str, Any]:
    return {FORMAT_KEY: np.array(1), **dict(nf.tree_leaves_with_paths(params))}  # a format-1 file


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "net.npz"
    save(path, NET)
    return path


@pytest.mark.parametrize("keep", [0, 1, 10, 100, 0.25, 0.5, 0.9, 0.99])
def test_truncated_file_is_refused(saved: Path, keep: float) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[: int(keep * len(data)) if isinstance(keep, float) else keep])
    _expect_refused(saved)


def test_every_corrupted_byte_is_refused_or_harmless(saved: Path) -> None:
    """Flip bytes all over the file: each load either refuses with ValueError or returns the saved values.

    (A flipped byte in zip metadata NumPy never reads, e.g. a timestamp, is harmless.)
    """
    data = saved.read_bytes()
    gen = nf.rng(nf.Key(5))
    positions = sorted({*gen.integers(0, len(data), 150).tolist(), *range(0, len(data), max(1, len(data) // 100))})
    refused = 0
    for pos in positions:
        bad = bytearray(data)
        bad[pos] ^= 0xFF
        saved.write_bytes(bytes(bad))
        try:
            loaded = load(saved, NET)
        except ValueError as e:
            assert str(saved) in str(e)
            refused += 1
        else:
            _leaves_equal(loaded, NET)
    assert refused > len(positions) // 2


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, world", b"PK\x03\x04" + b"\x00" * 40, bytes(range(256)) * 8],
    ids=["empty", "text", "zip_magic_only", "noise"],
)
def test_foreign_bytes_are_refused(saved: Path, content: bytes) -> None:
    saved.write_bytes(content)
    _expect_refused(saved)


def test_a_single_npy_array_is_refused(saved: Path) -> None:
    with saved.open("wb") as f:
        np.save(f, np.zeros(3))
    _expect_refused(saved, "single .npy")


def test_a_pickle_file_is_refused(saved: Path) -> None:
    import pickle

    saved.write_bytes(pickle.dumps(NET))
    _expect_refused(saved)


def test_foreign_npz_without_the_format_entry_is_refused(saved: Path) -> None:
    arrays = _arrays()
    del arrays[FORMAT_KEY]
    np.savez(saved, **arrays)
    _expect_refused(saved, "not written by nnfunc.save")


def test_unknown_format_version_is_refused(saved: Path) -> None:
    np.savez(saved, **{**_arrays(), FORMAT_KEY: np.array(99)})
    _expect_refused(saved, "format")


def test_missing_array_is_refused(saved: Path) -> None:
    arrays = _arrays()
    del arrays[".layers[1].b"]
    np.savez(saved, **arrays)
    _expect_refused(saved, "missing", ".layers[1].b")


def test_extra_array_is_refused(saved: Path) -> None:
    np.savez(saved, **{**_arrays(), ".layers[2].w": np.zeros((3, 3))})
    _expect_refused(saved, "extra", ".layers[2].w")


def test_wrong_shape_is_refused(saved: Path) -> None:
    np.savez(saved, **{**_arrays(), ".layers[0].w": np.zeros((5, 4))})
    _expect_refused(saved, ".layers[0].w", "shape (5, 4)", "(4, 5)")


def test_wrong_dtype_is_refused(saved: Path) -> None:
    np.savez(saved, **{**_arrays(), ".layers[0].b": np.zeros(5, dtype=np.float32)})
    _expect_refused(saved, ".layers[0].b", "float32", "float64")


def test_non_array_member_is_refused(saved: Path) -> None:
    with zipfile.ZipFile(saved, "a") as z:
        z.writestr("readme.txt", "not an array")
    _expect_refused(saved, "readme.txt")


class _Exploit:
    """Unpickling this would create the file ``marker``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.marker, "w"))


def test_object_array_is_refused_and_never_unpickled(saved: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = np.empty(2, dtype=object)
    evil[0], evil[1] = _Exploit(str(marker)), 1.0
    np.savez(saved, **{**_arrays(), ".layers[1].b": evil})  # np.savez pickles object arrays
    _expect_refused(saved, "object array", ".layers[1].b")
    assert not marker.exists()


def test_object_array_under_an_unexpected_name_is_refused_and_never_unpickled(saved: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = _Exploit(str(marker))
    np.savez(saved, **_arrays(), extra=evil)
    _expect_refused(saved)
    assert not marker.exists()


def test_loading_a_directory_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        load(tmp_path, NET)


def test_failed_save_leaves_the_old_file_and_no_temporary(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(f: Any, **arrays: Any) -> None:
        f.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space"):
        save(saved, nf.init_mlp(nf.Key(9), (4, 5, 3)))
    monkeypatch.undo()
    _leaves_equal(load(saved, NET), NET)
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]


# -- kill -9 during save ------------------------------------------------------------------------

_WRITER = """
import sys
import numpy as np
from nnfunc.io import save

path, first = sys.argv[1], int(sys.argv[2])
shapes = [(400, 1000), (1000,), (1000, 300), (300,)]
arrays = tuple(np.empty(s) for s in shapes)
for version in range(first, first + 10_000):
    for a in arrays:
        a.fill(version)
    save(path, arrays)
    print(version, flush=True)
"""
_SHAPES = [(400, 1000), (1000,), (1000, 300), (300,)]
KILLS = 24


def _version(path: Path) -> int:
    """The one version every array of the file holds; fails if the file is torn or mixed."""
    like = tuple(np.zeros(s) for s in _SHAPES)
    leaves = load(path, like)
    values = {float(v) for leaf in leaves for v in np.unique(leaf)}
    assert len(values) == 1, f"arrays from different versions: {sorted(values)[:5]}"
    return int(values.pop())


def test_kill_during_save_always_leaves_a_complete_file(tmp_path: Path) -> None:
    path = tmp_path / "params.npz"
    save(path, tuple(np.full(s, -1.0) for s in _SHAPES))
    last_done = -1  # the newest version known to be completely saved
    gen = nf.rng(nf.Key(2024))
    survived = 0
    mid_write = 0  # kills that left their writer's temporary behind: they landed during a write
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    for kill in range(KILLS):
        first = 1000 * (kill + 1)
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), str(first)], stdout=subprocess.PIPE, text=True, env=env
        )
        assert proc.stdout is not None
        if kill % 4:  # three kills in four land after some saves completed, the others at start-up or the first
            line = proc.stdout.readline()
            assert line, "writer died before saving"
            time.sleep(float(gen.uniform(0.0, 0.15)))
        else:
            time.sleep(float(gen.uniform(0.15, 0.4)))  # python + numpy start-up, then into the first save
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        printed = [int(v) for v in ((line if kill % 4 else "") + out).split()]
        version = _version(path)
        newest_printed = max(printed, default=last_done)
        # The file holds the newest completed save, or the one after it that was being renamed into place.
        assert version in (newest_printed, newest_printed + 1 if printed else first), (version, newest_printed)
        last_done = version
        survived += 1
        leftovers = [p.name for p in tmp_path.iterdir() if p.name != path.name]
        assert all(name.startswith(".params.npz.") and name.endswith(".tmp") for name in leftovers), leftovers
        mid_write += any(f"-{proc.pid}." in name for name in leftovers)  # temporaries name their writer
        # every earlier dead writer's temporary was removed by a later completed save
        assert len(leftovers) <= 1 or not printed, leftovers
    assert mid_write >= KILLS // 4, f"only {mid_write} of {KILLS} kills landed during a write"
    assert survived == KILLS
    save(path, tuple(np.full(s, 0.0) for s in _SHAPES))  # the next save removes what the dead writers left
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
