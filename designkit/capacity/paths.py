"""What a request touches: from an endpoint's handler through the components it calls to the
dependencies it reaches, with the failure policy that governs each call.

The walk follows ``services.components[].depends_on`` from ``api.endpoints[].handler`` (and a
channel's handler). A name in ``depends_on`` is a component (walked further) or a
``services.dependencies`` entry (a remote call). A failure policy may target the dependency or the
integration point it talks to (``dependency.integration``): both name the same call.

Each dependency counts once per request even when two components call it: the budget is the
worst time the request can spend waiting on that dependency, and a design that calls it twice in
sequence says so better in its own timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.model import Dependency, Design, FailurePolicy, RetryPolicy

KeyPath = tuple[str | int, ...]
# Dependency kinds reached over the network: the ones a request waits on and that can fail alone.
REMOTE_KINDS = frozenset({"service", "datastore", "queue", "external-api"})


def retry_delays_ms(retries: RetryPolicy | None) -> list[int]:
    """The worst-case wait before each retry (jitter only shortens it), in order."""
    if retries is None or retries.max_attempts == 0 or retries.backoff == "none":
        return [0] * (retries.max_attempts if retries else 0)
    base = retries.base_delay_ms or 0
    cap = retries.max_delay_ms
    delays = []
    for k in range(retries.max_attempts):
        delay = base if retries.backoff == "fixed" else base * 2 ** k
        delays.append(min(delay, cap) if cap is not None else delay)
    return delays


@dataclass(frozen=True)
class Call:
    """One dependency a request reaches, and what the design says about calling it."""

    dependency: str
    via: tuple[str, ...]              # the component chain from the handler to the caller
    policy: FailurePolicy | None
    policy_path: KeyPath | None
    availability: float | None        # the dependency's stated availability, in percent

    @property
    def timeout_ms(self) -> int | None:
        return self.policy.timeout_ms if self.policy else None

    @property
    def attempts(self) -> int:
        """Calls made when every one fails: the first and each retry."""
        retries = self.policy.retries if self.policy else None
        return 1 + (retries.max_attempts if retries else 0)

    @property
    def backoff_ms(self) -> int:
        return sum(retry_delays_ms(self.policy.retries if self.policy else None))

    @property
    def worst_ms(self) -> int | None:
        """The longest the request can wait on this dependency: every attempt times out."""
        if self.timeout_ms is None:
            return None
        return self.timeout_ms * self.attempts + self.backoff_ms

    @property
    def arithmetic(self) -> str:
        """``500 ms x 2 attempts + 10 ms backoff = 1,010 ms`` (how :attr:`worst_ms` adds up)."""
        if self.timeout_ms is None:
            return f"{self.dependency}: no timeout stated"
        text = f"{self.dependency} {self.timeout_ms:,} ms x {self.attempts} attempt{'s' * (self.attempts > 1)}"
        if self.backoff_ms:
            text += f" + {self.backoff_ms:,} ms backoff"
        return text

    @property
    def has_fallback(self) -> bool:
        """The request goes on without this dependency (so its outage is not the request's)."""
        return bool(self.policy and self.policy.fallback and self.policy.fallback.strip())

    @property
    def has_breaker(self) -> bool:
        return bool(self.policy and self.policy.circuit_breaker and self.policy.circuit_breaker.strip())


class CallGraph:
    """Look-ups over one design's components, dependencies and failure policies."""

    def __init__(self, design: Design):
        self.design = design
        self.components = {c.name: c for c in design.services.components}
        self.dependencies: dict[str, Dependency] = {d.name: d for d in design.services.dependencies}
        self._policies: dict[str, tuple[KeyPath, FailurePolicy]] = {}
        for i, policy in enumerate(design.reliability.failure_policies):
            self._policies.setdefault(policy.target, (("reliability", "failure_policies", i), policy))
        self._reach: dict[str, tuple[Call, ...]] = {}

    def policy_for(self, dependency: Dependency) -> tuple[KeyPath | None, FailurePolicy | None]:
        for name in (dependency.name, dependency.integration):
            if name and name in self._policies:
                return self._policies[name]
        return None, None

    def calls_from(self, component: str | None) -> tuple[Call, ...]:
        """Every dependency reachable from ``component``, first path found, in walk order."""
        if not component:
            return ()
        if component not in self._reach:
            self._reach[component] = tuple(self._walk(component))
        return self._reach[component]

    def _walk(self, start: str):
        """Depth first in declaration order (an explicit stack of iterators: no recursion limit)."""
        seen_components = {start}
        seen_dependencies: set[str] = set()
        first = self.components.get(start)
        if first is None:
            return
        stack = [((start,), iter(first.depends_on))]
        while stack:
            via, callees = stack[-1]
            callee = next(callees, None)
            if callee is None:
                stack.pop()
            elif callee in self.dependencies:
                dep = self.dependencies[callee]
                if callee in seen_dependencies or dep.kind not in REMOTE_KINDS:
                    continue      # called already on this path, or in-process (a library): no call to wait on
                seen_dependencies.add(callee)
                path, policy = self.policy_for(dep)
                yield Call(callee, via, policy, path, dep.availability)
            elif callee in self.components and callee not in seen_components:
                seen_components.add(callee)
                stack.append((via + (callee,), iter(self.components[callee].depends_on)))
