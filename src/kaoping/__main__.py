"""`python -m kaoping` runs the command line."""

from kaoping.cli import main

main()
