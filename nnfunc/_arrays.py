"""The aliasing rule, in one place: what nnfunc may share with a caller.

nnfunc shares memory only when no one can write it through any handle; everything
else is copied once, where it enters (a constructor, a data function). Read-only is
not enough: pandas 3's ``np.asarray(df)`` is a read-only *view* of memory the
DataFrame still writes, so ``df.iloc[0, 0] = 1e6`` would change a "read-only"
array. An array is shared only when it and every ndarray in its ``.base`` chain are
read-only and the chain ends in an ndarray that owns its memory or in ``bytes``.

Arrays nnfunc makes itself (results, gradients, cut batches) are marked read-only in
place with :func:`freeze_own`: no one else holds them, so no copy is needed.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

A = TypeVar("A", bound=NDArray[Any])


def is_immutable(a: NDArray[Any]) -> bool:
    """Whether no handle anywhere can write the memory of ``a`` (see the module docstring).

    ``a`` and every ndarray in its ``.base`` chain are read-only, and the chain ends in
    an ndarray owning its memory or in ``bytes``. Any other owner (a ``bytearray``,
    a ``memoryview``, an ``mmap``, a pandas block) counts as writeable.
    """
    node: object = a
    while isinstance(node, np.ndarray):
        if node.flags.writeable:
            return False
        node = node.base
    return node is None or isinstance(node, bytes)


def freeze_own(a: A) -> A:
    """Mark ``a``, an array nnfunc just made and no one else holds, read-only in place; return it."""
    a.setflags(write=False)
    return a


def immutable(a: NDArray[Any]) -> NDArray[Any]:
    """``a`` itself if no one can write its memory (:func:`is_immutable`), else a read-only copy.

    The result is a plain ``ndarray`` (subclasses are copied to one); its values never
    change afterwards, whatever the caller does with the handles it keeps.
    """
    if type(a) is np.ndarray and is_immutable(a):
        return a
    return freeze_own(np.array(a, copy=True, subok=False))


def read_only(a: A) -> A:
    """A read-only view of ``a``, an array nnfunc already holds immutably (a slice of its own data).

    Never changes the flags of ``a``; returns ``a`` itself when it is already read-only.
    """
    if not a.flags.writeable:
        return a
    view = a.view()
    view.setflags(write=False)
    return view
