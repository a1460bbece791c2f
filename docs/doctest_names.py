"""A pytest plugin for the docstring examples: they may assume ``import numpy as np`` and
``import nnfunc as nf``, as the API reference says. ``.ci/docs`` loads it with ``-p doctest_names``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nnfunc as nf


@pytest.fixture(autouse=True)
def _numpy_and_nnfunc(doctest_namespace: dict[str, Any]) -> None:
    doctest_namespace["np"] = np
    doctest_namespace["nf"] = nf
