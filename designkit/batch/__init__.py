"""Headless batch runs: Papermill executes the step notebooks, then the outputs are assembled."""
