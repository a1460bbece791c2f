"""save/load and the file system: permissions kept, temporaries named by their writer and cleaned up,
a missing directory named, format-1 files still read, the configuration entry checked."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nnfunc as nf
from nnfunc.io import _HOST, CONFIG_KEY, FORMAT_KEY, FORMAT_VERSION, load, save
from nnfunc.tree import static_field

NET = nf.init_mlp(nf.Key(3), (4, 5, 3), hidden=nf.tanh)


def _leaves_equal(a: object, b: object) -> None:
    for u, v in zip(nf.tree_leaves(a), nf.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(u, v, strict=True)


def _refused(path: Path, like: object, *words: str) -> str:
    with pytest.raises(ValueError) as info:
        load(path, like)
    message = str(info.value)
    for word in (str(path), *words):
        assert word in message, message
    return message


# -- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o400, 0o755, 0o604])
def test_replacing_a_file_keeps_its_permission_bits(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "net.npz"
    save(path, NET)
    path.chmod(mode)
    save(path, nf.init_mlp(nf.Key(4), (4, 5, 3), hidden=nf.tanh))
    assert path.stat().st_mode & 0o7777 == mode


def test_a_new_file_gets_the_umasks_permissions(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        save(tmp_path / "net.npz", NET)
    finally:
        os.umask(old)
    assert (tmp_path / "net.npz").stat().st_mode & 0o777 == 0o600


# -- missing directory ----------------------------------------------------------------------------


def test_saving_into_a_missing_directory_names_the_users_path(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "net.npz"
    with pytest.raises(FileNotFoundError) as info:
        save(path, NET)
    assert info.value.filename == str(path)
    assert str(path) in str(info.value) and ".tmp" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_saving_under_a_file_names_the_users_path(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    path = tmp_path / "file" / "net.npz"
    with pytest.raises(NotADirectoryError) as info:
        save(path, NET)
    assert info.value.filename == str(path) and ".tmp" not in str(info.value)


def test_saving_to_a_directory_names_it(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as info:
        save(tmp_path, NET)
    assert info.value.filename == str(tmp_path)
    assert list(tmp_path.iterdir()) == []


# -- temporary files ------------------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_the_temporary_file_names_the_writing_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append(os.path.basename(src))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    save(tmp_path / "net.npz", NET)
    (name,) = seen
    prefix = f".net.npz.{_HOST}-{os.getpid()}."
    assert name.startswith(prefix) and name.endswith(".tmp") and len(name) == len(prefix) + 16 + 4, name


@pytest.mark.skipif(os.name != "posix", reason="stale temporaries are recognised on POSIX systems only")
def test_save_removes_stale_temporaries_of_dead_writers_only(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getppid()
    hexa = "0123456789abcdef"
    stale = [f".net.npz.{_HOST}-{dead}.{hexa}.tmp"]
    kept = [
        f".net.npz.{_HOST}-{alive}.{hexa}.tmp",  # its writer is still running
        f".net.npz.{_HOST}-{os.getpid()}.{hexa}.tmp",  # this process's own (another thread may be writing it)
        f".net.npz.{'f' * 8 if _HOST != 'f' * 8 else '0' * 8}-{dead}.{hexa}.tmp",  # another machine's
        f".other.npz.{_HOST}-{dead}.{hexa}.tmp",  # another target's
        f".net.npz.{hexa}.tmp",  # format-1 writer: no pid to check
        f".net.npz.{_HOST}-{dead}.{hexa}.tmp.bak",  # not a temporary
        f".net.npz.{_HOST}-{dead}.notahexnumber!.tmp",
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"half a file")
    save(tmp_path / "net.npz", NET)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "net.npz"])


# -- format versions and the configuration entry --------------------------------------------------


def test_format_1_files_still_load_unchecked_for_configuration(tmp_path: Path) -> None:
    path = tmp_path / "old.npz"
    np.savez(path, **{FORMAT_KEY: np.array(1), **dict(nf.tree_leaves_with_paths(NET))})
    _leaves_equal(load(path, NET), NET)
    relu = nf.init_mlp(nf.Key(0), (4, 5, 3), hidden=nf.relu)
    loaded = load(path, relu)  # format 1 recorded no activations: the skeleton's are used, as before
    assert loaded.layers[0].activation == nf.relu
    _leaves_equal(loaded, NET)


def test_files_record_format_2_with_each_layers_kind_and_activation(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    save(path, NET)
    assert FORMAT_VERSION == 2
    with np.load(path) as f:
        assert int(f[FORMAT_KEY]) == 2
        config = json.loads(f[CONFIG_KEY].tobytes().decode("utf-8"))
    assert config == {
        "nodes": {
            "": {"kind": "nnfunc.MLP", "static": {}},
            ".layers[0]": {"kind": "nnfunc.Dense", "static": {"activation": "'tanh'"}},
            ".layers[1]": {"kind": "nnfunc.Dense", "static": {"activation": "'identity'"}},
        }
    }


def _rewrite(path: Path, name: str, content: bytes | None) -> None:
    """Replace (or, with ``None``, drop) the entry ``name`` of the archive ``path``."""
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for member, data in members:
            if member != name:
                z.writestr(member, data)
            elif content is not None:
                z.writestr(member, content)


def _npy(a: Any) -> bytes:
    out = io.BytesIO()
    np.save(out, a)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, ("format 2 without", CONFIG_KEY)),
        (_npy(np.frombuffer(b"{not json", dtype=np.uint8)), ("not UTF-8 JSON",)),
        (_npy(np.frombuffer(b"\xff\xfe", dtype=np.uint8)), ("not UTF-8 JSON",)),
        (_npy(np.frombuffer(b'{"nodes": [1, 2]}', dtype=np.uint8)), ("not a configuration",)),
        (_npy(np.frombuffer(b'{"nodes": {"": {"kind": 3}}}', dtype=np.uint8)), ("not a configuration",)),
        (_npy(np.zeros(4, dtype=np.int32)), ("at most",)),
        (_npy(np.zeros((2, 2), dtype=np.uint8)), ("at most",)),
    ],
    ids=["missing", "bad_json", "bad_utf8", "nodes_list", "kind_number", "int32", "2d"],
)
def test_a_bad_configuration_entry_is_refused(tmp_path: Path, content: bytes | None, words: tuple[str, ...]) -> None:
    path = tmp_path / "net.npz"
    save(path, NET)
    _rewrite(path, CONFIG_KEY + ".npy", content)
    _refused(path, NET, *words)


def test_a_huge_configuration_entry_is_refused_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    save(path, NET)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (2**40,)})
    _rewrite(path, CONFIG_KEY + ".npy", header.getvalue())
    _refused(path, NET, CONFIG_KEY, "at most")


@pytest.mark.parametrize("version", [0, 3, -1, 2**40])
def test_an_unknown_format_version_is_refused(tmp_path: Path, version: int) -> None:
    path = tmp_path / "net.npz"
    save(path, NET)
    _rewrite(path, FORMAT_KEY + ".npy", _npy(np.array(version)))
    _refused(path, NET, "format")


@pytest.mark.parametrize("marker", [np.array([2]), np.array(2.0), np.array("2")], ids=["1d", "float", "text"])
def test_a_format_marker_that_is_not_one_integer_is_refused(tmp_path: Path, marker: Any) -> None:
    path = tmp_path / "net.npz"
    save(path, NET)
    _rewrite(path, FORMAT_KEY + ".npy", _npy(marker))
    _refused(path, NET, "one integer")


def test_an_entry_stored_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    save(path, NET)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as z:
        z.writestr(".layers[0].b.npy", _npy(np.ones(5)))
    _refused(path, NET, "'.layers[0].b.npy' appears twice")


def test_a_configuration_mismatch_names_every_place_that_differs(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    save(path, nf.init_mlp(nf.Key(0), (4, 5, 5, 3), hidden=nf.tanh))
    message = _refused(path, nf.init_mlp(nf.Key(0), (4, 5, 3), hidden=nf.relu))
    assert "`.layers[0].activation`: file has 'tanh', skeleton has 'relu'" in message
    assert "`.layers[1].activation`: file has 'tanh', skeleton has 'identity'" in message
    assert "`.layers[2]`: file has a nnfunc.Dense, skeleton has none" in message


class _Plain:
    """A static value without a repr of its own (its default repr holds a memory address)."""


@dataclass(frozen=True)
class _Configured:
    w: Any
    rate: float = static_field()
    shape: tuple[int, ...] = static_field()
    dtype: np.dtype[Any] = static_field()
    how: object = static_field()


def _configured(w: Any, **changes: Any) -> _Configured:
    static: dict[str, Any] = {"rate": 0.5, "shape": (2, 3), "dtype": np.dtype(np.float32), "how": np.tanh}
    return _Configured(w, **{**static, **changes})


def test_static_values_are_recorded_as_text_that_is_the_same_in_every_run(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    save(path, _configured(np.zeros(2), how=_Plain()))
    loaded = load(path, _configured(np.ones(2), how=_Plain()))  # another object of the same class: equal
    np.testing.assert_array_equal(loaded.w, np.zeros(2))
    save(path, _configured(np.zeros(2)))
    load(path, _configured(np.ones(2)))
    load(path, _configured(np.ones(2), rate=np.float64(0.5), shape=(2.0, np.int8(3))))  # equal numbers: equal
    cases: list[tuple[dict[str, Any], str]] = [
        ({"rate": 0.25}, "`.rate`: file has 0.5, skeleton has 0.25"),
        ({"rate": np.float32(0.1)}, "`.rate`: file has 0.5, skeleton has 0.10000000149011612"),
        ({"rate": True}, "`.rate`: file has 0.5, skeleton has True"),
        ({"shape": (3, 2)}, "`.shape`: file has (2, 3), skeleton has (3, 2)"),
        ({"dtype": np.dtype(np.float64)}, "`.dtype`: file has dtype('float32'), skeleton has dtype('float64')"),
        ({"how": np.sin}, "`.how`: file has numpy.tanh, skeleton has numpy.sin"),
        ({"how": _Plain()}, "`.how`: file has numpy.tanh, skeleton has <"),
    ]
    for changes, words in cases:
        _refused(path, _configured(np.zeros(2), **changes), words)
