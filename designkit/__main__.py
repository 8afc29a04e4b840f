"""``python -m designkit`` runs the command line."""

from .cli import main

main()
