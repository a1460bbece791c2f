"""Parameters to and from ``.npz`` files: atomic writes, no pickle, checked reads.

``save(path, params)`` stores every leaf of a pytree under its path (e.g.
``.layers[0].w``) with ``np.savez``, plus the static configuration of every
dataclass node (its kind and static fields, e.g. each layer's activation) as one
JSON entry. It writes a temporary file in the same directory and renames it into
place, so a crash or kill at any moment leaves either the old complete file or the
new one. ``load(path, like)`` reads the arrays back into a skeleton ``like`` of the
same structure and configuration, never unpickling: it reads each array's ``.npy``
header first and refuses a file whose configuration, entry names, shapes or dtypes
disagree with the skeleton before reading any array data.

What a crash may leave: a kill or power loss during a ``save`` can leave one hidden
temporary file ``.<name>.<host>-<pid>.<random>.tmp`` beside ``<name>`` (at most the
size of the new file). The next ``save`` to the same path from the same machine
removes those whose writing process has ended (on POSIX systems).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import errno
import json
import math
import os
import secrets
import socket
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from .activations import Activation
from .tree import static_field, tree_leaves_with_paths, tree_map

P = TypeVar("P")

FORMAT_KEY = "__nnfunc_format__"
"""The entry that marks a file written by :func:`save`; its value is :data:`FORMAT_VERSION`."""
FORMAT_VERSION = 2
"""2: arrays and the static configuration (:data:`CONFIG_KEY`); 1 (still read): arrays only."""
CONFIG_KEY = "__nnfunc_config__"
"""The entry holding the static configuration: UTF-8 JSON bytes as a ``uint8`` array."""

_NUMERIC = "biufc"  # bool, signed and unsigned integers, floats, complex: stored without pickle
_PY_SCALARS = (bool, int, float, complex)
_CHUNK = 1 << 20  # bytes read from an entry at a time

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


# -- static configuration ------------------------------------------------------------------------
#
# nnfunc.tree has no public walk over inner nodes, so this is a small one of its own: it follows the
# tree's rules (None is empty; tuples, lists, dicts with sorted keys and dataclasses are nodes; only
# dataclass fields not marked static are children) and names nodes with the same path steps.

_STATIC_MARK = dict(static_field().metadata)  # what static_field puts in a field's metadata


def _is_static(f: dataclasses.Field[Any]) -> bool:
    return bool(_STATIC_MARK) and all(f.metadata.get(k, not v) == v for k, v in _STATIC_MARK.items())


def _dict_keys(d: dict[Any, Any]) -> list[Any]:
    """A dict's keys in the tree's canonical order (sorted; by ``repr`` if they do not compare)."""
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=repr)


def _nodes(tree: object) -> list[tuple[str, object]]:
    """``(path, node)`` for every inner node, parents first; the root's path is ``""``."""
    out: list[tuple[str, object]] = []
    stack: list[tuple[str, object]] = [("", tree)]
    while stack:
        path, node = stack.pop()
        children: list[tuple[str, object]]
        if isinstance(node, (tuple, list)):
            children = [(f"{path}[{i}]", child) for i, child in enumerate(node)]
        elif isinstance(node, dict):
            children = [(f"{path}[{k!r}]", node[k]) for k in _dict_keys(node)]
        elif dataclasses.is_dataclass(node) and not isinstance(node, type):
            fields = [f for f in dataclasses.fields(node) if f.init and not _is_static(f)]
            children = [(f"{path}.{f.name}", getattr(node, f.name)) for f in fields]
        else:
            continue
        out.append((path, node))
        stack.extend(reversed(children))
    return out


def _number(value: bool | int | float | complex | np.number[Any] | np.bool_) -> str:
    """A number as the ``repr`` of the plain Python number it equals: ``0.5`` for ``np.float64(0.5)``,
    ``1`` for ``1.0``, so numbers that compare equal give the same text (as ``tree_map`` compares them)."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    z = complex(value)
    if z.imag != 0 or math.isnan(z.imag):
        return repr(z)
    x = z.real
    return repr(int(x)) if x.is_integer() and abs(x) < 2**53 else repr(x)


def _canonical(value: object) -> str:
    """A static field's value as text that is the same in every run: activations by name (quoted),
    numbers, strings and tuples by ``repr`` (numbers as the plain Python number they equal), classes
    and functions by qualified name, objects without a ``repr`` of their own by their class."""
    if isinstance(value, Activation):
        return repr(value.name)
    if isinstance(value, tuple) and type(value) is tuple:
        items = [_canonical(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, (*_PY_SCALARS, np.number, np.bool_)):
        return _number(value)
    if value is None or isinstance(value, (str, bytes, np.generic, np.dtype, enum.Enum)):
        return repr(value)
    if isinstance(value, type) or (callable(value) and hasattr(value, "__qualname__")):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', '?')}"
    if type(value).__repr__ is object.__repr__:  # its repr would hold a memory address
        return f"<{_kind(type(value))} object>"
    return repr(value)


def _kind(cls: type) -> str:
    """``module.qualname`` of a node's class; ``nnfunc.<name>`` for a class nnfunc exports by that name,
    so files stay valid when a class moves between nnfunc's internal modules."""
    module = cls.__module__
    if module.split(".")[0] == "nnfunc":
        import nnfunc  # lazily: this module is imported by nnfunc's __init__

        if getattr(nnfunc, cls.__qualname__, None) is cls:
            module = "nnfunc"
    return f"{module}.{cls.__qualname__}"


def _config(tree: object) -> dict[str, dict[str, Any]]:
    """``{path: {"kind": ..., "static": {field: text}}}`` for every dataclass node of ``tree``."""
    config: dict[str, dict[str, Any]] = {}
    for path, node in _nodes(tree):
        if dataclasses.is_dataclass(node):
            fields = [f for f in dataclasses.fields(node) if f.init and _is_static(f)]
            static = {f.name: _canonical(getattr(node, f.name)) for f in fields}
            config[path] = {"kind": _kind(type(node)), "static": static}
    return config


def _check_unique_paths(arg: str, tree: object, paths: list[str]) -> None:
    """``ValueError`` if two leaves share a path (dict keys that print alike), naming both keys."""
    if len(set(paths)) == len(paths):
        return
    for path, node in _nodes(tree):
        if isinstance(node, dict):
            seen: dict[str, Any] = {}
            for k in _dict_keys(node):
                other = seen.setdefault(repr(k), k)
                if other is not k:
                    raise ValueError(
                        f"{arg}: dict keys {other!r} ({type(other).__qualname__}) and {k!r} "
                        f"({type(k).__qualname__}) at {path or '<root>'} print alike, so their leaves would be "
                        f"stored under one name {path}[{k!r}]; use keys with distinct reprs"
                    )
    twice = sorted({p for p in paths if paths.count(p) > 1})
    raise ValueError(f"{arg}: several leaves have the path {twice[0]!r}, so one would overwrite another")


# -- save ----------------------------------------------------------------------------------------

_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"


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


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (``True`` when unsure)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True
    return True


def _remove_stale_temporaries(directory: str, base: str) -> None:
    """Remove ``.<base>.<host>-<pid>.<hex>.tmp`` files of this host whose process has ended (POSIX only:
    elsewhere ``os.kill(pid, 0)`` does not merely probe)."""
    if os.name != "posix":
        return
    prefix = f".{base}.{_HOST}-"
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid_text, dot, token = entry[len(prefix) : -len(".tmp")].partition(".")
        if not (dot and pid_text.isdigit() and len(token) == 16 and all(c in "0123456789abcdef" for c in token)):
            continue
        pid = int(pid_text)
        if pid > 0 and pid != os.getpid() and not _alive(pid):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, entry))


def _create_temporary(name: str, directory: str) -> tuple[str, int]:
    """A new temporary file beside ``name``: its path and an open descriptor. ``OSError``s name ``name``."""
    base = os.path.basename(name)
    tmp = os.path.join(directory, f".{base}.{_HOST}-{os.getpid()}.{secrets.token_hex(8)}.tmp")
    try:
        # os.open with mode 0o666 lets the umask set the permissions, as for any new file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileNotFoundError as e:
        raise FileNotFoundError(errno.ENOENT, f"No such directory to save into: {directory!r}", name) from e
    except OSError as e:
        raise type(e)(e.errno, f"{e.strerror} (creating a temporary file in {directory!r})", name) from e
    return tmp, fd


def save(path: StrPath, params: object) -> None:
    """Write every array leaf of the pytree ``params`` to the ``.npz`` file ``path`` (exactly that name).

    Leaves are numeric arrays or numbers (any shape and dtype, kept exactly); they
    are stored under their tree paths, which must be distinct (``ValueError`` naming
    both dict keys if two keys print alike). The kind and static fields of every
    dataclass node (e.g. each layer's activation) are stored too, for :func:`load`
    to check. The write is atomic: a temporary file in the same directory is
    written, flushed and fsynced, then renamed over ``path``. Replacing a file keeps
    its permission bits; a new file gets the umask's. ``FileNotFoundError`` (naming
    ``path``) if its directory does not exist.

    A kill or power loss mid-save may leave a hidden ``.<name>.<host>-<pid>.<random>.tmp``
    beside ``path``; the next save to ``path`` on that machine removes those whose
    process has ended.

    >>> import pathlib, tempfile
    >>> import nnfunc as nf
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.npz"
    >>> nf.save(path, nf.init_mlp(nf.Key(0), (2, 3, 1)))
    >>> restored = nf.load(path, nf.init_mlp(nf.Key(1), (2, 3, 1)))  # same configuration, any values
    """
    name = _check_path(path)
    if os.path.isdir(name):
        raise IsADirectoryError(errno.EISDIR, "Is a directory, expected a file name to save into", name)
    leaves = tree_leaves_with_paths(params)
    _check_unique_paths("params", params, [where for where, _ in leaves])
    arrays = {where: _leaf_array("params", where, leaf) for where, leaf in leaves}
    config = json.dumps({"nodes": _config(params)}, sort_keys=True, ensure_ascii=False)
    payload: dict[str, Any] = {
        FORMAT_KEY: np.array(FORMAT_VERSION),
        CONFIG_KEY: np.frombuffer(config.encode("utf-8"), dtype=np.uint8),
        **arrays,
    }
    write_atomically(name, lambda f: np.savez(f, **payload))


def write_atomically(name: str, write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write(f)`` on a temporary file in ``name``'s directory, fsync it, rename it over ``name``
    (a crash leaves the old complete file or the new one), keeping the permission bits of a file it
    replaces; then remove stale temporaries of dead writers. Every nnfunc file is written this way."""
    directory = os.path.dirname(os.path.abspath(name))
    try:
        mode: int | None = stat.S_IMODE(os.stat(name).st_mode) & 0o777
    except OSError:
        mode = None
    tmp, fd = _create_temporary(name, directory)
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    _remove_stale_temporaries(directory, os.path.basename(name))


# -- load ----------------------------------------------------------------------------------------

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
    UnicodeDecodeError,
    OverflowError,
)


class _Entry:
    """One ``.npy`` entry of an open archive, its header read, its data not yet."""

    def __init__(self, file: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> None:
        self.file, self.info, self.where = file, info, where
        self.stream: IO[bytes] = archive.open(info)
        try:
            version = np.lib.format.read_magic(self.stream)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(self.stream)
            elif version == (2, 0):
                header = np.lib.format.read_array_header_2_0(self.stream)
            else:
                raise ValueError(f".npy format version {version} (nnfunc reads 1.0 and 2.0)")
            self.shape, self.fortran, self.dtype = header
            self.start = self.stream.tell()
        except _FORMAT_ERRORS as e:
            self.stream.close()
            raise self.error(f"has an unreadable .npy header ({type(e).__name__}: {e})") from e

    def error(self, what: str) -> ValueError:
        return ValueError(f"{self.file}: array {self.where} {what}")

    def check(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
        """``ValueError`` unless the header declares ``shape`` and ``dtype`` and the entry's size fits."""
        if self.dtype.hasobject:
            raise self.error("is an object array; nnfunc never unpickles")
        if self.shape != shape or self.dtype != dtype:
            raise self.error(
                f"has shape {self.shape} and dtype {self.dtype}, expected shape {shape} and dtype {dtype} as in `like`"
            )
        nbytes = math.prod(shape) * dtype.itemsize
        if self.info.file_size != self.start + nbytes:
            raise self.error(f"holds {self.info.file_size - self.start} bytes of data; its header declares {nbytes}")

    def read(self) -> NDArray[Any]:
        """The array (checked by :meth:`check` first): new memory that no handle can write (read-only,
        and so is every array it views), so nnfunc shares it without a copy."""
        count = math.prod(self.shape)
        flat = np.empty(count, dtype=self.dtype)
        raw = flat.view(np.uint8)
        try:
            with self.stream:
                for i in range(0, raw.size, _CHUNK):
                    n = min(_CHUNK, raw.size - i)
                    data = self.stream.read(n)
                    if len(data) != n:
                        raise EOFError("the data end early")
                    raw[i : i + n] = np.frombuffer(data, dtype=np.uint8)
                if self.stream.read(1):
                    raise ValueError("data after the declared array")
        except _FORMAT_ERRORS as e:
            raise self.error(f"is corrupted ({type(e).__name__}: {e})") from e
        flat.flags.writeable = False  # first, so the views below are read-only all the way down
        return flat.reshape(self.shape[::-1]).T if self.fortran else flat.reshape(self.shape)

    def close(self) -> None:
        self.stream.close()


def _entries(name: str, archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's entries by array name, refusing duplicates and entries that are not ``.npy`` arrays."""
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        key = info.filename.removesuffix(".npy")
        if key == info.filename:
            raise ValueError(f"{name}: entry {info.filename!r} is not a .npy array")
        if key in entries:
            raise ValueError(f"{name}: entry {info.filename!r} appears twice")
        entries[key] = info
    return entries


def _read_version(name: str, archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo]) -> int:
    info = entries.get(FORMAT_KEY)
    if info is None:
        held = sorted(entries)
        raise ValueError(f"{name}: not written by nnfunc.save (no {FORMAT_KEY!r} entry); it holds arrays {held}")
    entry = _Entry(name, archive, info, FORMAT_KEY)
    if entry.shape != () or entry.dtype.kind not in "iu" or entry.dtype.itemsize > 8:
        entry.close()
        raise entry.error(f"expected one integer (the nnfunc file format), got shape {entry.shape} {entry.dtype}")
    entry.check((), entry.dtype)
    version = int(entry.read())
    if version not in (1, FORMAT_VERSION):
        raise ValueError(f"{name}: expected nnfunc file format 1 or {FORMAT_VERSION}, got {version}")
    return version


_Config = dict[str, dict[str, Any]]


def _read_config(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> _Config:
    """The stored configuration, its size bounded by ``limit`` bytes; ``ValueError`` if malformed."""
    entry = _Entry(name, archive, info, CONFIG_KEY)
    if entry.dtype != np.uint8 or len(entry.shape) != 1 or entry.shape[0] > limit:
        entry.close()
        raise entry.error(f"expected at most {limit} bytes of UTF-8 JSON, got shape {entry.shape} {entry.dtype}")
    entry.check(entry.shape, entry.dtype)
    try:
        document = json.loads(entry.read().tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise entry.error(f"is not UTF-8 JSON ({e})") from e
    nodes = document.get("nodes") if isinstance(document, dict) else None
    if not isinstance(nodes, dict) or not all(
        isinstance(node, dict)
        and isinstance(node.get("kind"), str)
        and isinstance(node.get("static"), dict)
        and all(isinstance(v, str) for v in node["static"].values())
        for node in nodes.values()
    ):
        raise entry.error("is not a configuration written by nnfunc.save")
    return nodes


def _config_problems(stored: _Config, wanted: _Config) -> list[str]:
    """Where the file's configuration and the skeleton's differ, one line per place."""
    problems = []
    for path in [*wanted, *(p for p in stored if p not in wanted)]:
        have, want = stored.get(path), wanted.get(path)
        place = path or "<root>"
        if have is None or want is None or have["kind"] != want["kind"]:
            file_kind = f"a {have['kind']}" if have else "no dataclass node"
            like_kind = f"a {want['kind']}" if want else "none"
            problems.append(f"`{place}`: file has {file_kind}, skeleton has {like_kind}")
            continue
        for field in [*want["static"], *(f for f in have["static"] if f not in want["static"])]:
            a, b = have["static"].get(field, "no such field"), want["static"].get(field, "no such field")
            if a != b:
                problems.append(f"`{path}.{field}`: file has {a}, skeleton has {b}")
    return problems


def _check_config(name: str, stored: _Config, wanted: _Config) -> None:
    problems = _config_problems(stored, wanted)
    if problems:
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ValueError(
            f"{name}: the skeleton `like` is configured differently from the file: {'; '.join(problems[:5])}{more}"
        )


def _open_archive(name: str, f: IO[bytes]) -> zipfile.ZipFile:
    if f.read(6) == b"\x93NUMPY":
        raise ValueError(f"{name}: not an .npz archive (it holds a single .npy array)")
    f.seek(0)
    try:
        return zipfile.ZipFile(f)
    except _FORMAT_ERRORS as e:
        raise ValueError(f"{name}: not a readable .npz file ({type(e).__name__}: {e})") from e


def _read_checked(name: str, f: IO[bytes], expected: dict[str, NDArray[Any]], like: object) -> dict[str, NDArray[Any]]:
    """The arrays of the archive ``f``, each checked against ``expected`` before any array data are read."""
    with _open_archive(name, f) as archive:
        try:
            entries = _entries(name, archive)
            version = _read_version(name, archive, entries)
            if version >= 2:
                info = entries.get(CONFIG_KEY)
                if info is None:
                    raise ValueError(f"{name}: nnfunc file format {version} without its {CONFIG_KEY!r} entry")
                wanted = _config(like)
                limit = (1 << 20) + 4 * len(json.dumps(wanted).encode("utf-8"))
                _check_config(name, _read_config(name, archive, info, limit), wanted)
            stored = set(entries) - ({FORMAT_KEY, CONFIG_KEY} if version >= 2 else {FORMAT_KEY})
            extra = sorted(stored - set(expected))
            if extra:
                raise ValueError(f"{name}: extra arrays {extra} that the skeleton `like` does not have")
            missing = [where for where in expected if where not in stored]
            if missing:
                raise ValueError(f"{name}: missing arrays {missing} that the skeleton `like` has")
            for where, want in expected.items():  # every header checked before any array data are read
                entry = _Entry(name, archive, entries[where], where)
                with contextlib.closing(entry):
                    entry.check(want.shape, want.dtype)
            return {where: _Entry(name, archive, entries[where], where).read() for where in expected}
        except ValueError as e:
            if str(e).startswith(f"{name}: "):
                raise
            raise ValueError(f"{name}: not a readable .npz file ({type(e).__name__}: {e})") from e
        except _FORMAT_ERRORS as e:
            raise ValueError(f"{name}: not a readable .npz file ({type(e).__name__}: {e})") from e


def load(path: StrPath, like: P) -> P:
    """The parameters saved in ``path``, in the structure of the skeleton ``like``.

    ``like`` is any pytree of the same structure, configuration, shapes and dtypes
    (e.g. a freshly initialised network); only its structure, static fields, shapes
    and dtypes are used. Arrays come back read-only and bit-for-bit equal to those
    saved. Raises ``ValueError`` naming the file and the problem for a truncated,
    corrupted or foreign file; a node whose kind or static field differs from the
    skeleton's (e.g. "`.layers[0].activation`: file has 'tanh', skeleton has 'relu'");
    a missing or extra array; or an array of another shape or dtype. Shapes, dtypes
    and entry sizes are checked from each array's header before any array data are
    read, so a bad file is refused without allocating what it declares.
    ``FileNotFoundError`` if there is no file. Files written by nnfunc before the
    configuration was stored (format 1) load as before, unchecked for configuration.

    >>> import pathlib, tempfile
    >>> import nnfunc as nf
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.npz"
    >>> nf.save(path, nf.init_mlp(nf.Key(0), (2, 3, 1), hidden=nf.tanh))
    >>> net = nf.load(path, nf.init_mlp(nf.Key(1), (2, 3, 1), hidden=nf.tanh))  # the saved values
    >>> nf.load(path, nf.init_mlp(nf.Key(1), (2, 3, 1), hidden=nf.relu))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: ...: `.layers[0].activation`: file has 'tanh', skeleton has 'relu'
    """
    name = _check_path(path)
    expected = skeleton_arrays(like)
    with open(name, "rb") as f:
        arrays = _read_checked(name, f, expected, like)
    return filled_like(like, arrays)


def skeleton_arrays(like: object) -> dict[str, NDArray[Any]]:
    """The skeleton's leaves as arrays by path, in leaf order (refusing two paths that print alike)."""
    leaves = tree_leaves_with_paths(like)
    expected = {where: _leaf_array("like", where, leaf) for where, leaf in leaves}
    if len(expected) != len(leaves):
        _check_unique_paths("like", like, [where for where, _ in leaves])
    return expected


def filled_like(like: P, arrays: dict[str, NDArray[Any]]) -> P:
    """``like`` with each leaf replaced by the array stored under its path (as the same kind of leaf)."""
    loaded = iter([arrays[where] for where, _ in tree_leaves_with_paths(like)])
    return tree_map(lambda leaf: _like_leaf(leaf, next(loaded)), like)


def _like_leaf(leaf: object, a: NDArray[Any]) -> object:
    """``a`` as the same kind of leaf as ``leaf``: an array, a NumPy scalar or a Python number."""
    if isinstance(leaf, np.ndarray):
        return a
    if isinstance(leaf, np.generic):
        return a[()]
    number: Any = type(leaf)  # bool, int, float or complex
    return number(a.item())
