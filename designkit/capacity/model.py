"""The capacity model: what the design's numbers imply, with the arithmetic shown.

- Concurrency by Little's law: requests in flight = arrival rate x time in the system, per
  endpoint (at its latency target) and per dependency (if every call runs to its timeout), and
  the worker and pool sizes per replica that follow.
- Retry amplification: during a dependency's outage every request calls it ``1 + retries`` times.
- The latency budget: the sum over a request's path of ``timeout x attempts + backoff`` against
  the latency SLA that covers it.
- Serial availability: the product of the availability of the dependencies a request needs (a
  dependency with a fallback is not needed) against the availability target, and the error budget.

Numbers the design does not give are not invented: a row says "not stated" and the model says
what it would need.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..core.durations import leading_duration
from ..core.model import SLA, Design
from .paths import Call, CallGraph, KeyPath

# "99.95% of requests succeed": the first percentage in an availability objective.
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
# Words that make an objective a latency one even without latency_ms ("99% under 300 ms").
_LATENCY_WORDS = re.compile(r"\b(p\d{2,3}|latency|ms|milliseconds?|seconds?)\b", re.IGNORECASE)
_DEFAULT_WINDOW_DAYS = 30


def availability_target(sla: SLA) -> float | None:
    """The availability an SLA promises, in percent, or None when it is a latency SLA or unreadable."""
    if sla.latency_ms is not None or _LATENCY_WORDS.search(sla.objective or ""):
        return None
    match = _PERCENT.search(sla.objective or "")
    if not match:
        return None
    value = float(match.group(1))
    return value if 0 < value <= 100 else None


@dataclass(frozen=True, slots=True)   # slots: one per endpoint
class Surface:
    """An endpoint or channel: what the capacity model knows about the traffic it takes."""

    label: str
    key_path: KeyPath
    handler: str | None
    rate_rps: float | None
    rate_source: str
    ref: Any = field(default=None, repr=False, compare=False)   # the endpoint or channel

    @property
    def names(self) -> frozenset[str]:
        """Every name an SLA's applies_to may use for it (derived when asked, not held per endpoint)."""
        if self.key_path[:2] == ("api", "endpoints"):
            return frozenset(x for x in (self.ref.id, self.ref.route, self.ref.path) if x)
        return frozenset({self.ref.name})


def surfaces_label(surfaces: tuple[Surface, ...], limit: int = 3) -> str:
    """``a, b, c and 9,997 more``: the surfaces that share one handler, and so one path."""
    shown = ", ".join(s.label for s in surfaces[:limit])
    return shown + (f" and {len(surfaces) - limit:,} more" if len(surfaces) > limit else "")


@dataclass(frozen=True)
class LatencyBudget:
    """The surfaces one handler serves under one latency SLA: the worst time their path can take."""

    surfaces: tuple[Surface, ...]
    sla: SLA
    calls: tuple[Call, ...]

    @property
    def label(self) -> str:
        return surfaces_label(self.surfaces)

    @property
    def timed(self) -> tuple[Call, ...]:
        return tuple(c for c in self.calls if c.worst_ms is not None)

    @property
    def worst_ms(self) -> int:
        return sum(c.worst_ms for c in self.timed)

    @property
    def fits(self) -> bool:
        return self.worst_ms <= self.sla.latency_ms

    @property
    def largest(self) -> Call | None:
        return max(self.timed, key=lambda c: c.worst_ms, default=None)

    @property
    def arithmetic(self) -> str:
        parts = [f"{c.arithmetic} ({c.worst_ms:,} ms)" if c.backoff_ms or c.attempts > 1
                 else f"{c.dependency} {c.worst_ms:,} ms" for c in self.timed]
        sign = "<=" if self.fits else ">"
        return (" + ".join(parts) or "no timed call") + \
            f" = {self.worst_ms:,} ms {sign} {self.sla.latency_ms:,} ms ({self.sla.name})"


@dataclass(frozen=True)
class Concurrency:
    """Little's law for one surface: requests in flight at its peak rate and latency target."""

    surface: Surface
    latency_ms: int | None
    latency_source: str
    replicas: int | None

    @property
    def in_flight(self) -> float | None:
        if self.surface.rate_rps is None or self.latency_ms is None:
            return None
        return self.surface.rate_rps * self.latency_ms / 1000

    @property
    def per_replica(self) -> int | None:
        """Workers (threads, tasks or connections) one replica needs at the minimum replica count."""
        if self.in_flight is None or not self.replicas:
            return None
        return math.ceil(self.in_flight / self.replicas)


@dataclass(frozen=True)
class DependencyLoad:
    """The traffic the request paths send one dependency, normally and during its outage."""

    dependency: str
    call: Call
    surfaces: tuple[str, ...]
    rate_rps: float | None           # calls per second at peak (None: a surface's rate is unknown)
    replicas: int | None             # the replicas that call it (the scaling unit of the callers)

    @property
    def amplification(self) -> int:
        return self.call.attempts

    @property
    def outage_rps(self) -> float | None:
        return None if self.rate_rps is None else self.rate_rps * self.amplification

    @property
    def pool_at_timeout(self) -> int | None:
        """Connections in use when every call runs to its timeout (Little's law at the timeout)."""
        if self.rate_rps is None or self.call.timeout_ms is None:
            return None
        return math.ceil(self.rate_rps * self.call.timeout_ms / 1000)

    @property
    def pool_per_replica(self) -> int | None:
        if self.pool_at_timeout is None or not self.replicas:
            return None
        return math.ceil(self.pool_at_timeout / self.replicas)


@dataclass(frozen=True)
class AvailabilityChain:
    """The surfaces one handler serves under one availability target: the product of what they need."""

    surfaces: tuple[Surface, ...]
    sla: SLA
    target: float
    needed: tuple[Call, ...]         # serial: the request fails when any of these is down
    unknown: tuple[str, ...]         # needed, but their availability is not stated
    spared: tuple[str, ...]          # reached, but a fallback covers them

    @property
    def label(self) -> str:
        return surfaces_label(self.surfaces)

    @property
    def product(self) -> float | None:
        known = [c.availability for c in self.needed if c.availability is not None]
        if not known:
            return None
        return 100 * math.prod(a / 100 for a in known)

    @property
    def fits(self) -> bool:
        return self.product is None or self.product >= self.target - 1e-9

    @property
    def arithmetic(self) -> str:
        known = [c for c in self.needed if c.availability is not None]
        text = " x ".join(f"{c.dependency} {c.availability:g}%" for c in known)
        if not self.needed:
            return "needs no remote dependency without a fallback"
        if self.product is None:
            return "no needed dependency states its availability"
        sign = ">=" if self.fits else "<"
        return f"{text} = {self.product:.3f}% {sign} {self.target:g}% ({self.sla.name})"


def error_budget_minutes(target: float, window: str | None) -> float:
    """Minutes of failure an availability target allows over its window (30 days when unstated)."""
    period = leading_duration(window) if window else None
    minutes = period.total_seconds() / 60 if period else _DEFAULT_WINDOW_DAYS * 24 * 60
    return minutes * (1 - target / 100)


@dataclass
class CapacityModel:
    """Everything the capacity and failure model derives from one design."""

    design: Design
    graph: CallGraph = field(init=False)

    def __post_init__(self) -> None:
        self.graph = CallGraph(self.design)

    @cached_property
    def surfaces(self) -> list[Surface]:
        design = self.design
        system = design.performance.capacity.peak_rps if design.performance.capacity else None
        out = []
        for i, ep in enumerate(design.api.endpoints):
            if ep.peak_rps is not None:
                rate, source = ep.peak_rps, "endpoint peak_rps"
            elif system is not None:
                rate, source = system, "system peak (upper bound)"
            else:
                rate, source = None, "not stated"
            out.append(Surface(ep.label, ("api", "endpoints", i), ep.handler, rate, source, ep))
        for i, ch in enumerate(design.api.channels):
            if ch.direction == "publish":
                continue      # the service only sends on it: no requests arrive that way
            out.append(Surface(f"channel {ch.name}", ("api", "channels", i), ch.handler,
                               system, "system peak (upper bound)" if system is not None else "not stated", ch))
        return out

    def _covered(self, sla: SLA) -> list[Surface]:
        wanted = set(sla.applies_to)
        return [s for s in self.surfaces if not wanted or s.names & wanted]

    @cached_property
    def _replicas(self) -> dict[str, int]:
        """Component name -> the minimum replicas of the scaling unit that runs it."""
        out: dict[str, int] = {}
        for unit in self.design.performance.scaling:
            if unit.min_replicas:
                for name in unit.runs:
                    out.setdefault(name, unit.min_replicas)
        return out

    def _by_handler(self, sla: SLA) -> dict[str, tuple[Surface, ...]]:
        """The surfaces an SLA covers, grouped by handler: one handler, one request path."""
        groups: dict[str, list[Surface]] = {}
        for surface in self._covered(sla):
            if surface.handler:
                groups.setdefault(surface.handler, []).append(surface)
        return {h: tuple(g) for h, g in groups.items()}

    @cached_property
    def latency_budgets(self) -> list[LatencyBudget]:
        return [LatencyBudget(group, sla, self.graph.calls_from(handler))
                for sla in self.design.scope.slas if sla.latency_ms is not None
                for handler, group in self._by_handler(sla).items()]

    @cached_property
    def concurrency(self) -> list[Concurrency]:
        latency: dict[str, tuple[int, str]] = {}
        for sla in self.design.scope.slas:
            if sla.latency_ms is not None:
                for surface in self._covered(sla):
                    if surface.label not in latency or sla.latency_ms < latency[surface.label][0]:
                        latency[surface.label] = (sla.latency_ms, f"SLA {sla.name}")
        out = []
        for surface in self.surfaces:
            ms, source = latency.get(surface.label, (None, "no latency SLA"))
            out.append(Concurrency(surface, ms, source, self._replicas.get(surface.handler or "")))
        return out

    @cached_property
    def dependency_loads(self) -> list[DependencyLoad]:
        by_dep: dict[str, list[tuple[Surface, Call]]] = {}
        for surface in self.surfaces:
            for call in self.graph.calls_from(surface.handler):
                by_dep.setdefault(call.dependency, []).append((surface, call))
        out = []
        for name, pairs in by_dep.items():
            rates = [s.rate_rps for s, _ in pairs]
            # the system peak is an upper bound for the whole service, so it is not summed per endpoint
            per_endpoint = [s.rate_rps for s, _ in pairs if s.rate_source == "endpoint peak_rps"]
            if None in rates:
                rate = None
            elif len(per_endpoint) == len(pairs):
                rate = sum(per_endpoint)
            else:
                rate = max(r for r in rates if r is not None)
            callers = [self._replicas.get(c.via[-1]) or self._replicas.get(s.handler or "") for s, c in pairs]
            replicas = min((r for r in callers if r), default=None)
            out.append(DependencyLoad(name, pairs[0][1], tuple(s.label for s, _ in pairs), rate, replicas))
        return out

    @cached_property
    def availability_chains(self) -> list[AvailabilityChain]:
        out = []
        for sla in self.design.scope.slas:
            target = availability_target(sla)
            if target is None:
                continue
            for handler, group in self._by_handler(sla).items():
                calls = self.graph.calls_from(handler)
                needed = tuple(c for c in calls if not c.has_fallback)
                out.append(AvailabilityChain(
                    group, sla, target, needed,
                    unknown=tuple(c.dependency for c in needed if c.availability is None),
                    spared=tuple(c.dependency for c in calls if c.has_fallback)))
        return out


def capacity_model(design: Design) -> CapacityModel:
    return CapacityModel(design)
