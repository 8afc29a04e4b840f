"""What designkit writes from a checked design: spec, checklist, reports and artifacts.

Depends on the core and the rules only; imports no Jupyter, widget, Papermill or CLI library.
"""
