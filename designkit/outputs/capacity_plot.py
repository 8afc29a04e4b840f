"""The latency budget as a picture: per request path, the worst time of each call stacked against
the SLA's target. An SVG string, drawn with matplotlib's Agg canvas (no display, no network,
no global pyplot state), for the HTML report and the notebooks alike.
"""

from __future__ import annotations

import io

from ..capacity import CapacityModel

_MAX_BARS = 30      # a design with hundreds of paths shows the 30 tightest


def latency_budget_svg(model: CapacityModel) -> str | None:
    """An SVG chart of each latency budget, or None when the design has none to draw."""
    budgets = [b for b in model.latency_budgets if b.timed]
    if not budgets:
        return None
    budgets.sort(key=lambda b: b.worst_ms / b.sla.latency_ms, reverse=True)
    budgets = budgets[:_MAX_BARS][::-1]          # tightest at the top

    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 1.2 + 0.45 * len(budgets)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    dependencies = sorted({c.dependency for b in budgets for c in b.timed})
    colours = {name: f"C{i % 10}" for i, name in enumerate(dependencies)}
    labels = [f"{b.label} ({b.sla.name})" for b in budgets]
    drawn: set[str] = set()
    for row, budget in enumerate(budgets):
        left = 0
        for call in budget.timed:
            ax.barh(row, call.worst_ms, left=left, color=colours[call.dependency],
                    label=None if call.dependency in drawn else call.dependency)
            drawn.add(call.dependency)
            left += call.worst_ms
        ax.plot([budget.sla.latency_ms] * 2, [row - 0.45, row + 0.45], color="black", linewidth=2)
    ax.set_yticks(range(len(budgets)), labels)
    ax.set_xlabel("worst case on the path, ms (black bar: the SLA target)")
    fig.legend(loc="outside lower center", ncols=min(5, len(dependencies)), fontsize="small")
    out = io.StringIO()
    # the same design, the same bytes: no date, and element ids from a fixed salt (not random)
    with rc_context({"svg.hashsalt": "designkit"}):
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
