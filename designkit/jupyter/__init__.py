"""The Jupyter side: the step session the notebooks call, pandas tables and widget forms."""
