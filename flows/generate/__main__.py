"""`python -m flows.generate`: generate one sample file and its answer key."""

from flows.generate.cli import main

main()
