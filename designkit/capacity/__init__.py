"""The capacity and failure model of a design: Little's law, retry amplification, the latency
budget of each request path, serial availability against the target, and an FMEA table.

It reads only the design (``designkit.core``); rules (REL007, CAP001, CAP002) judge from it, the
report and the notebooks show it, and ``designkit capacity`` prints it.
"""

from .fmea import MODES, FailureMode, fmea
from .model import (
    AvailabilityChain,
    CapacityModel,
    Concurrency,
    DependencyLoad,
    LatencyBudget,
    Surface,
    availability_target,
    capacity_model,
    error_budget_minutes,
)
from .paths import REMOTE_KINDS, Call, CallGraph, retry_delays_ms
from .tables import Table, capacity_tables, tables_json, tables_text

__all__ = ["MODES", "REMOTE_KINDS", "AvailabilityChain", "Call", "CallGraph", "CapacityModel", "Concurrency",
           "DependencyLoad", "FailureMode", "LatencyBudget", "Surface", "Table", "availability_target",
           "capacity_model", "capacity_tables", "error_budget_minutes", "fmea", "retry_delays_ms", "tables_json", "tables_text"]
