"""`python -m infra` runs the `eldercare` CLI (used by tests that start real processes)."""

from infra.cli import main

main()
