"""Importers: turn API descriptions a team already has into a design file to finish."""

from .openapi import import_openapi, render_design_yaml, write_design_from_openapi

__all__ = ["import_openapi", "render_design_yaml", "write_design_from_openapi"]
