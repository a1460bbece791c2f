"""Parameters to and from ``.npz`` files: atomic writes, no pickle, checked reads.

``save(path, params)`` stores every leaf of a pytree under its path (e.g.
``.layers[0].w``) with ``np.savez``, writing a temporary file in the same
directory and renaming it into place, so a crash or kill at any moment leaves
either the old complete file or the new one. ``load(path, like)`` reads the
arrays back into a skeleton ``like`` of the same structure, never unpickling,
and refuses files whose arrays are missing, extra, or of another shape or dtype.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import struct
import zipfile
import zlib
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from .tree import tree_leaves_with_paths, tree_map

P = TypeVar("P")

FORMAT_KEY = "__nnfunc_format__"
"""The entry that marks a file written by :func:`save`; its value is :data:`FORMAT_VERSION`."""
FORMAT_VERSION = 1
_NUMERIC = "biufc"  # bool, signed and unsigned integers, floats, complex: stored without pickle
_PY_SCALARS = (bool, int, float, complex)

StrPath = str | os.PathLike[str]


def _check_path(path: object) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a str or os.PathLike file name, got {type(path).__name__}")
    name = os.fspath(path)
    if not isinstance(name, str) or not name:
        raise TypeError(f"path: expected a non-empty str file name, got {name!r}")
    return name


def _leaf_array(arg: str, where: str, leaf: object) -> NDArray[Any]:
    """A leaf as an array, or a ``TypeError`` for leaves that are not numeric arrays or numbers."""
    if not isinstance(leaf, (np.ndarray, np.generic, *_PY_SCALARS)):
        raise TypeError(f"{arg}: leaf {where} is a {type(leaf).__name__}; expected numeric arrays or numbers")
    a = np.asarray(leaf)
    if a.dtype.kind not in _NUMERIC:
        raise TypeError(f"{arg}: leaf {where} has dtype {a.dtype}; expected a numeric (bool, int, float) dtype")
    return a


def _fsync_dir(directory: str) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def save(path: StrPath, params: object) -> None:
    """Write every array leaf of the pytree ``params`` to the ``.npz`` file ``path`` (exactly that name).

    Leaves are numeric arrays or numbers (any shape and dtype, kept exactly); they
    are stored under their tree paths. The write is atomic: a temporary file in the
    same directory is written, flushed and fsynced, then renamed over ``path``.
    """
    name = _check_path(path)
    arrays = {where: _leaf_array("params", where, leaf) for where, leaf in tree_leaves_with_paths(params)}
    directory = os.path.dirname(os.path.abspath(name))
    tmp = os.path.join(directory, f".{os.path.basename(name)}.{secrets.token_hex(8)}.tmp")
    # os.open with mode 0o666 lets the umask set the permissions, as for any new file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        payload: dict[str, Any] = {FORMAT_KEY: np.array(FORMAT_VERSION), **arrays}
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


# Errors NumPy and zipfile raise for a file that is not a complete, well-formed .npz (zipfile raises
# NotImplementedError and RuntimeError for features flipped on by corruption: compression, encryption).
_FORMAT_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    ValueError,
    OSError,
    KeyError,
    NotImplementedError,
    RuntimeError,
)


def _read_arrays(name: str, f: Any) -> dict[str, NDArray[Any]]:
    """Every array in the open ``.npz`` file ``f``, without unpickling; ``ValueError`` if unreadable."""
    try:
        archive = np.load(f, allow_pickle=False)
    except _FORMAT_ERRORS as e:
        raise ValueError(f"{name}: not a readable .npz file ({type(e).__name__}: {e})") from e
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{name}: not an .npz archive (it holds a single .npy array)")
    arrays: dict[str, NDArray[Any]] = {}
    with archive:
        for key in archive.files:
            try:
                value = archive[key]
            except _FORMAT_ERRORS as e:
                if "allow_pickle" in str(e):
                    raise ValueError(f"{name}: array {key!r} is an object array; nnfunc never unpickles") from e
                raise ValueError(f"{name}: array {key!r} is corrupted ({type(e).__name__}: {e})") from e
            if not isinstance(value, np.ndarray):
                raise ValueError(f"{name}: entry {key!r} is not a .npy array")
            arrays[key] = value
    return arrays


def _check_format(name: str, arrays: dict[str, NDArray[Any]]) -> None:
    marker = arrays.pop(FORMAT_KEY, None)
    if marker is None:
        raise ValueError(
            f"{name}: not written by nnfunc.save (no {FORMAT_KEY!r} entry); it holds arrays {sorted(arrays)}"
        )
    if marker.shape != () or marker.dtype.kind not in "iu" or int(marker) != FORMAT_VERSION:
        raise ValueError(f"{name}: expected nnfunc file format {FORMAT_VERSION}, got {marker!r}")


def load(path: StrPath, like: P) -> P:
    """The parameters saved in ``path``, in the structure of the skeleton ``like``.

    ``like`` is any pytree of the same structure, shapes and dtypes (e.g. a freshly
    initialised network); only its structure and static fields are used. Arrays come
    back read-only and bit-for-bit equal to those saved. Raises ``ValueError`` naming
    the file and the problem for a truncated, corrupted or foreign file, a missing or
    extra array, or an array of another shape or dtype; ``FileNotFoundError`` if
    there is no file.
    """
    name = _check_path(path)
    expected = [(where, _leaf_array("like", where, leaf)) for where, leaf in tree_leaves_with_paths(like)]
    with open(name, "rb") as f:
        arrays = _read_arrays(name, f)
    _check_format(name, arrays)
    missing = [where for where, _ in expected if where not in arrays]
    if missing:
        raise ValueError(f"{name}: missing arrays {missing} that the skeleton `like` has")
    extra = sorted(set(arrays) - {where for where, _ in expected})
    if extra:
        raise ValueError(f"{name}: extra arrays {extra} that the skeleton `like` does not have")
    loaded = []
    for where, want in expected:
        got = arrays[where]
        if got.shape != want.shape or got.dtype != want.dtype:
            raise ValueError(
                f"{name}: array {where} has shape {got.shape} and dtype {got.dtype}, "
                f"expected shape {want.shape} and dtype {want.dtype} as in `like`"
            )
        got.flags.writeable = False
        loaded.append(got)
    leaves = iter(loaded)
    return tree_map(lambda leaf: _like_leaf(leaf, next(leaves)), like)


def _like_leaf(leaf: object, a: NDArray[Any]) -> object:
    """``a`` as the same kind of leaf as ``leaf``: an array, a NumPy scalar or a Python number."""
    if isinstance(leaf, np.ndarray):
        return a
    if isinstance(leaf, np.generic):
        return a[()]
    number: Any = type(leaf)  # bool, int, float or complex
    return number(a.item())
