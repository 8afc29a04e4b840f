"""SARIF 2.1.0, the one shape both gates report in: ``designkit check`` (rules and findings)
and ``designkit diff`` (change checks and changes). A rule or check becomes a reporting
descriptor, a finding or change a result located by line and key path, and the two are wrapped
in one run of one tool.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://pypi.org/project/designkit/"


def tool_version() -> str:
    from .. import __version__

    return __version__


def rule_descriptor(code: str, name: str, title: str, rationale: str, fix: str, *, level: str,
                    properties: dict[str, Any]) -> dict[str, Any]:
    """A rule (or diff check) with its documentation: title, why, and the fix."""
    return {
        "id": code, "name": name,
        "shortDescription": {"text": title},
        "fullDescription": {"text": rationale},
        "help": {"text": f"{rationale}\nFix: {fix}", "markdown": f"**{title}**\n\n{rationale}\n\n**Fix:** {fix}"},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }


def result_item(code: str, rule_index: int, *, level: str, message: str, fix: str, uri: str, line: int,
                key_path: str, fingerprint: tuple[str, str], properties: dict[str, Any]) -> dict[str, Any]:
    """One finding or change, on its line of ``uri`` and at its key path."""
    return {
        "ruleId": code, "ruleIndex": rule_index, "level": level,
        "message": {"text": f"{message}. Fix: {fix}"},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}},
            "logicalLocations": [{"fullyQualifiedName": key_path or "(top level)", "kind": "member"}],
        }],
        "partialFingerprints": {fingerprint[0]: fingerprint[1]},
        "properties": properties,
    }


def sarif_log(tool: str, rules: list[dict], uri: str, results: list[dict], properties: dict[str, Any]) -> str:
    """The whole log: one run of ``tool`` over the file at ``uri``, as JSON text."""
    import json  # sarif output only: not at the start of every check

    log = {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": tool, "version": tool_version(), "informationUri": TOOL_URI,
                                "rules": rules}},
            "artifacts": [{"location": {"uri": uri}}],
            "results": results,
            "properties": properties,
        }],
    }
    return json.dumps(log, indent=2) + "\n"
