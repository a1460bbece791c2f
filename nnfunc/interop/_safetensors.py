"""Parameters to and from safetensors files, the format the Hugging Face ecosystem reads.

Every leaf is a tensor named by its tree path (``.layers[0].w``), as in ``nf.save``; the header's
metadata (string to string) holds :data:`FORMAT_KEY` and, under :data:`CONFIG_KEY`, the static
configuration ``nf.save`` records (each dataclass node's kind and static fields, as JSON).
:func:`load_safetensors` checks the configuration, names, shapes and dtypes against the skeleton
from the header before it reads any tensor data, with ``nf.load``'s own checks.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from .._arrays import immutable
from ..io import _check_config, _check_path, _check_unique_paths, _config, _leaf_array, filled_like, skeleton_arrays
from ..tree import tree_leaves_with_paths
from ._common import require, write_atomically

P = TypeVar("P")

FORMAT_KEY = "nnfunc.format"
"""The metadata entry that marks a file written by :func:`save_safetensors`; its value is :data:`FORMAT_VERSION`."""
FORMAT_VERSION = "1"
CONFIG_KEY = "nnfunc.config"
"""The metadata entry holding the static configuration as JSON (the same document ``nf.save`` stores)."""

# safetensors' dtype names for the NumPy dtypes a leaf can have.
_DTYPES = {
    "BOOL": np.bool_,
    "U8": np.uint8,
    "I8": np.int8,
    "U16": np.uint16,
    "I16": np.int16,
    "U32": np.uint32,
    "I32": np.int32,
    "U64": np.uint64,
    "I64": np.int64,
    "F16": np.float16,
    "F32": np.float32,
    "F64": np.float64,
}


def save_safetensors(path: object, params: object) -> None:
    """Write every leaf of the pytree ``params`` to the safetensors file ``path`` (exactly that name).

    Tensors are named by tree path (``.layers[0].w``, ``.layers[0].b``, ...), with the leaves'
    shapes and dtypes (numbers become 0-d tensors); the metadata records the network's static
    configuration (each layer's kind and activation) for :func:`load_safetensors` to check. Any
    safetensors reader opens the file (``safetensors.numpy.load_file(path)``). The write is atomic,
    as ``nf.save``'s. Needs the ``interop`` extra.

    >>> import os, tempfile, nnfunc as nf
    >>> from nnfunc.interop import save_safetensors
    >>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
    >>> save_safetensors(path, nf.init_mlp(nf.Key(0), (2, 3, 1)))
    >>> import safetensors.numpy
    >>> sorted(safetensors.numpy.load_file(path))
    ['.layers[0].b', '.layers[0].w', '.layers[1].b', '.layers[1].w']
    """
    st = require("safetensors.numpy")
    name = _check_path(path)
    leaves = tree_leaves_with_paths(params)
    _check_unique_paths("params", params, [where for where, _ in leaves])
    tensors = {}
    for where, leaf in leaves:
        a = _leaf_array("params", where, leaf)
        if a.dtype.type not in _DTYPES.values():
            raise TypeError(f"params: leaf {where} has dtype {a.dtype}, which safetensors cannot store")
        tensors[where] = a if a.flags.c_contiguous and a.dtype.isnative else np.array(a, order="C", dtype=a.dtype.type)
    metadata = {
        FORMAT_KEY: FORMAT_VERSION,
        CONFIG_KEY: json.dumps({"nodes": _config(params)}, sort_keys=True, ensure_ascii=False),
    }
    write_atomically(name, st.save(tensors, metadata=metadata))


def load_safetensors(path: object, like: P) -> P:
    """The parameters in the safetensors file ``path``, in the structure of the skeleton ``like``.

    ``like`` is any pytree of the same structure, configuration, shapes and dtypes (e.g. a freshly
    initialised network); only those are used. Before any tensor data are read, the header is
    checked: ``ValueError`` naming the file and the problem for a file not written by
    :func:`save_safetensors`, a layer whose kind or static field differs from the skeleton's
    (e.g. "`.layers[0].activation`: file has 'tanh', skeleton has 'relu'"), a missing or extra
    tensor, or a tensor of another shape or dtype. Arrays come back read-only and bit-for-bit equal
    to those saved. ``FileNotFoundError`` if there is no file. Needs the ``interop`` extra.

    >>> import os, tempfile, nnfunc as nf
    >>> from nnfunc.interop import load_safetensors, save_safetensors
    >>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
    >>> save_safetensors(path, nf.init_mlp(nf.Key(0), (2, 3, 1), hidden=nf.tanh))
    >>> net = load_safetensors(path, nf.init_mlp(nf.Key(1), (2, 3, 1), hidden=nf.tanh))
    >>> bool((net.layers[0].w == nf.init_mlp(nf.Key(0), (2, 3, 1)).layers[0].w).all())
    True
    >>> load_safetensors(path, nf.init_mlp(nf.Key(1), (2, 3, 1), hidden=nf.relu))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ...: `.layers[0].activation`: file has 'tanh', skeleton has 'relu'
    """
    safetensors = require("safetensors")
    name = _check_path(path)
    expected = skeleton_arrays(like)
    try:
        with safetensors.safe_open(name, framework="np") as f:
            _check_header(name, f, expected, like)
            arrays = {where: immutable(f.get_tensor(where)) for where in expected}
    except safetensors.SafetensorError as e:
        raise ValueError(f"{name}: not a readable safetensors file ({e})") from e
    return filled_like(like, arrays)


def _check_header(name: str, f: Any, expected: dict[str, NDArray[Any]], like: object) -> None:
    """``ValueError`` unless the open file's metadata, names, shapes and dtypes are those of ``like``."""
    metadata = f.metadata() or {}
    if metadata.get(FORMAT_KEY) != FORMAT_VERSION:
        found = f"{FORMAT_KEY}={metadata[FORMAT_KEY]!r}" if FORMAT_KEY in metadata else f"no {FORMAT_KEY!r} entry"
        raise ValueError(f"{name}: not written by nnfunc.interop.save_safetensors: its metadata has {found}")
    _check_config(name, _parse_config(name, metadata.get(CONFIG_KEY)), _config(like))
    stored = set(f.keys())
    extra = sorted(stored - set(expected))
    if extra:
        raise ValueError(f"{name}: extra tensors {extra} that the skeleton `like` does not have")
    missing = [where for where in expected if where not in stored]
    if missing:
        raise ValueError(f"{name}: missing tensors {missing} that the skeleton `like` has")
    for where, want in expected.items():
        tensor = f.get_slice(where)
        shape, dtype = tuple(tensor.get_shape()), tensor.get_dtype()
        got = _DTYPES.get(dtype)
        if shape != want.shape or got is None or np.dtype(got) != want.dtype:
            raise ValueError(
                f"{name}: tensor {where} has shape {shape} and dtype {dtype}, "
                f"expected shape {want.shape} and dtype {want.dtype} as in `like`"
            )


def _parse_config(name: str, text: object) -> dict[str, dict[str, Any]]:
    """The configuration stored under :data:`CONFIG_KEY`; ``ValueError`` if missing or malformed."""
    if not isinstance(text, str):
        raise ValueError(f"{name}: its metadata has no {CONFIG_KEY!r} entry")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{name}: metadata {CONFIG_KEY!r} is not JSON ({e})") from e
    nodes = document.get("nodes") if isinstance(document, dict) else None
    if not isinstance(nodes, dict) or not all(
        isinstance(node, dict)
        and isinstance(node.get("kind"), str)
        and isinstance(node.get("static"), dict)
        and all(isinstance(v, str) for v in node["static"].values())
        for node in nodes.values()
    ):
        raise ValueError(f"{name}: metadata {CONFIG_KEY!r} is not a configuration written by nnfunc")
    return nodes
