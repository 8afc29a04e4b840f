"""The core: the design model, its safe loader and saver, errors, findings and the step list.

Imports nothing from the other layers (rules, outputs, jupyter, batch, cli) and no Jupyter,
widget, Papermill or CLI library.
"""
