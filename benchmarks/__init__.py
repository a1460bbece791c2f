"""nnfunc benchmarks: side-by-side timings against a hand-written NumPy loop, scikit-learn and PyTorch.

Run everything and print one table with ``python -m benchmarks`` (``--quick`` for
a seconds-long smoke run). Timings are reported, never asserted.
"""
