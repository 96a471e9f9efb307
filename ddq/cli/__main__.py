"""``python -m ddq.cli``: the same as the ``ddq`` command."""

from ddq.cli import main

if __name__ == "__main__":
    main()
