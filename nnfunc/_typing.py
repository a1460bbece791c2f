"""Array aliases shared by every module."""

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating[Any]]
"""A float32 or float64 array."""

Labels = NDArray[np.integer[Any]] | NDArray[np.floating[Any]]
"""Integer class labels ``(n,)``, or real / one-hot targets ``(n,)`` or ``(n, k)``."""
