"""``python -m benchmarks``: run the whole suite and print one table."""

from .run import main

main()
