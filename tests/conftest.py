"""Hypothesis profiles: CI runs the same examples every time (``derandomize``), so a red CI
is a real failure that reproduces, not a new random draw; locally each run explores afresh."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)  # no timing flakes on a busy CI
if os.environ.get("CI"):
    settings.load_profile("ci")
