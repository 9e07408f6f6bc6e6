"""`python -m infra` runs the `eldercare` CLI (used by tests that start real processes)."""

from infra.cli import main

if __name__ == "__main__":  # not when a spawned process imports it
    main()
