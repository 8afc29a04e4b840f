"""designkit: a Jupyter workbook for designing backend systems."""

from .errors import DesignFileError, DesignKitError, Problem, StaleDesignError, UsageError
from .findings import Finding
from .loader import DesignDocument, load_design, load_design_text
from .model import Design
from .steps import STEPS, Step, get_step

__all__ = sorted([
    "Design", "DesignDocument", "DesignFileError", "DesignKitError", "Finding", "Problem",
    "STEPS", "StaleDesignError", "Step", "UsageError", "get_step", "load_design", "load_design_text",
])
__version__ = "0.1.0"
