"""The bad-input catalogue: each case ends in a clear message naming file and line, exit 2, no traceback."""

from __future__ import annotations

import pytest
from conftest import WEBHOOK, run_cli

from designkit.core.sqlnames import pg_name

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)) + "name: boom\n"

CASES = {
    # id: (file content (bytes or str) or None for no file, expected text in the message, line expected)
    "python-object-tag": ('name: x\ntitle: !!python/object/apply:os.system ["echo pwned"]\n', "tag", 2),
    "custom-tag": ("name: x\nscope: !include other.yaml\n", "tag", 2),
    "alias-bomb": (BOMB, "expands to more than", True),
    "deep-nesting": ("name: x\nscope: " + "[" * 5000 + "]" * 5000 + "\n", "nesting is deeper", 2),
    "binary-garbage": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary data", True),
    "not-utf8": (b"name: caf\xe9\n", "not UTF-8", 1),
    "empty": ("", "empty", 1),
    "top-level-list": ("- name: x\n", "not a mapping", 1),
    "syntax-error": ("name: x\nscope:\n  summary: a\n tier: A\n", "YAML syntax error", 4),
    "unclosed-quote": ('name: "x\n', "YAML syntax error", True),
    "duplicate-key": ("name: x\nscope: {}\nscope: {}\n", "duplicate key", 3),
    "undefined-alias": ("name: *nope\n", "alias", 1),
    "unknown-key": ("name: x\nscope:\n  teir: A\n", "unknown key 'teir'", 3),
    "wrong-type": ("name: x\nscope:\n  requirements: fast\n", "expected a list", 3),
    "bad-enum": ("name: x\nscope:\n  tier: Q\n", "not allowed", 3),
    "missing-name": ("title: no name\n", "required key 'name'", 1),
    "bad-merge": ("name: x\nscope: {<<: 3}\n", "merge key", 2),
    # issue 11: two documents are an error, not "the last one wins"
    "two-documents": ("name: x\n---\nname: y\n", "second YAML document", 2),
    "two-documents-explicit": ("---\nname: x\n...\n---\nname: y\n", "second YAML document", 4),
    # .nan/.inf never reach the SQL exporter
    "nan-bound": ("name: x\ndata_model:\n  entities:\n    - name: A\n      fields:\n"
                  "        - {name: n, type: integer, minimum: .nan}\n", "finite number", 6),
    "inf-bound": ("name: x\ndata_model:\n  entities:\n    - name: A\n      fields:\n"
                  "        - {name: n, type: integer, maximum: -.Inf}\n", "finite number", 6),
    # YAML 1.2: a key `no:` is the text 'no' (YAML 1.1 read it as false)
    "yaml11-bool-key": ("name: x\nno: 1\n", "unknown key 'no'", 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_design_file(case, tmp_path):
    content, expected, line = CASES[case]
    path = tmp_path / "design.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    before = path.read_bytes()
    result = run_cli("check", path, timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert expected in result.stderr
    assert str(path) in result.stderr
    if line is True:
        assert f"{path}:" in result.stderr  # some line, whichever the parser reports
    else:
        assert f"{path}:{line}:" in result.stderr
    assert "fix:" in result.stderr or case in ("alias-bomb",)
    assert path.read_bytes() == before  # nothing the user wrote is touched


def test_missing_file(tmp_path):
    result = run_cli("check", tmp_path / "nope.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no such file" in result.stderr and "designkit new" in result.stderr


def test_directory_points_at_the_design_inside(tmp_path):
    (tmp_path / "design.yaml").write_text("name: x\n")
    result = run_cli("check", tmp_path)
    assert result.returncode == 2 and "is a directory" in result.stderr
    assert str(tmp_path / "design.yaml") in result.stderr


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "design.yaml"
    with path.open("wb") as handle:  # sparse: no disk is used
        handle.truncate(65 * 2**20)
    result = run_cli("check", path)
    assert result.returncode == 2 and "at most 64 MiB" in result.stderr


def test_unknown_command_and_option_are_usage_errors():
    result = run_cli("frobnicate")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = run_cli("run", "--jobs", "zero", "x.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo"])
def test_devices_and_fifos_are_refused_at_once(tmp_path, special):
    import os

    if special == "fifo":
        special = tmp_path / "design.yaml"
        os.mkfifo(special)
    result = run_cli("check", special, timeout=30)  # before the fix: MemoryError, or a hang
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{special}: (top level): is a" in result.stderr and "not a regular file" in result.stderr


# ---------------------------------------------------------------- commands (issue 11)
# Attacks and careless uses of whole commands. Each: the command ({d} = a copy of the webhook
# example named spec.yaml, {dir} = its folder, {file} = a plain file, {ro} = a folder nobody may
# create, under /proc), the exit code, a fragment of the message, and the files that must keep
# their bytes. Before issue 11 the first six replaced the design or a hand-written file with
# exit 0, and the folder cases ended in a traceback.
DUPLICATE_FIELDS = ("name: x\ndata_model:\n  entities:\n    - name: Order\n      primary_key: [id]\n"
                    "      fields: [{name: id, type: uuid}, {name: Id, type: uuid}, {name: id, type: uuid}]\n")
LONG = "ix_orders_by_customer_and_creation_time_for_the_monthly_report_"
LONG_INDEXES = ("name: x\ndata_model: {entities: [{name: Order, primary_key: [id], fields: "
                "[{name: id, type: uuid}, {name: a, type: uuid}, {name: b, type: uuid}]}]}\n"
                f"persistence:\n  tables:\n    - name: orders\n      entity: Order\n      indexes:\n"
                f"        - {{name: {LONG}a, columns: [a]}}\n        - {{name: {LONG}b, columns: [b]}}\n")
SNAKE_TABLES = ("name: x\ndata_model:\n  entities:\n"
                "    - {name: OrderItem, primary_key: [id], fields: [{name: id, type: uuid}]}\n"
                "    - {name: order_item, primary_key: [id], fields: [{name: id, type: uuid}]}\n")

COMMANDS = {
    "export-openapi-onto-design": (("export", "openapi", "{d}", "-o", "{d}"), 2, "design file itself"),
    "export-sql-onto-design": (("export", "sql", "{d}", "-o", "{d}", "--force"), 2, "design file itself"),
    "check-o-onto-design": (("check", "{d}", "-o", "{d}", "--force"), 2, "design file itself"),
    "check-o-onto-design-fast-path": (("check", "{d}", "-o", "{d}"), 2, "design file itself"),
    "diff-o-onto-design": (("diff", "{d}", "{d}", "-o", "{d}"), 2, "design file itself"),
    "threats-o-onto-design": (("threats", "{d}", "-o", "{d}"), 2, "design file itself"),
    "run-into-the-designs-folder": (("run", "{d}", "-o", "{dir}"), 2, "design file itself"),
    "schema-o-onto-own-file": (("schema", "-o", "{dir}/notes.md"), 2, "did not write it"),
    "adr-onto-hand-written-readme": (("export", "adr", "{d}", "-o", "{dir}"), 2, "README.md: exists"),
    "check-o-folder-is-a-file": (("check", "{d}", "-o", "{file}/r.txt"), 2, "cannot create the output folder"),
    "schema-o-folder-is-a-file": (("schema", "-o", "{file}/s.json"), 2, "cannot create the output folder"),
    "export-o-folder-is-a-file": (("export", "openapi", "{d}", "-o", "{file}/o.yaml"), 2, "cannot create"),
    "new-o-folder-is-a-file": (("new", "svc", "-o", "{file}/d.yaml"), 2, "cannot write"),
    "run-o-folder-is-a-file": (("run", "{d}", "-o", "{file}/out"), 2, "cannot create the output folder"),
    "check-o-read-only": (("check", "{d}", "-o", "{ro}/r.txt"), 2, "cannot write"),
    "export-adr-read-only": (("export", "adr", "{d}", "-o", "{ro}/adr"), 2, "cannot create the output folder"),
    "run-read-only": (("run", "{d}", "-o", "{ro}/out"), 2, "cannot create the output folder"),
    "duplicate-field-names": (("check", "{x}"), 1, "INT001", DUPLICATE_FIELDS),
    "duplicate-field-names-sql": (("export", "sql", "{x}"), 0, "column Id skipped", DUPLICATE_FIELDS),
    "snake-case-table-collision": (("check", "{x}"), 1, "both are 'order_item' in snake_case", SNAKE_TABLES),
    "snake-case-table-collision-sql": (("export", "sql", "{x}"), 0, "table order_item: skipped", SNAKE_TABLES),
    "index-names-one-at-63": (("check", "{x}"), 1, "INT003", LONG_INDEXES),
    # two names PostgreSQL would cut to one: each written shortened with its own digest
    "index-names-one-at-63-sql": (("export", "sql", "{x}"), 0, pg_name(LONG + "b"), LONG_INDEXES),
    "import-onto-its-own-source": (("import", "openapi", "{api}", "-o", "{api}", "--force"), 2,
                                   "the OpenAPI file being imported itself"),
    "yaml11-no-in-an-enum-sql": (("export", "sql", "{x}"), 0, "'NO'",
                                 "name: x\ndata_model:\n  entities:\n    - name: A\n      primary_key: [c]\n"
                                 "      fields: [{name: c, type: enum, enum: [SE, NO, DK, FI]}]\n"),
}


@pytest.mark.parametrize("case", sorted(COMMANDS))
def test_command_catalogue(case, tmp_path):
    args, code, fragment, *content = COMMANDS[case]
    design = tmp_path / "spec.yaml"  # the name a run writes its spec under
    design.write_bytes(WEBHOOK.read_bytes())
    (tmp_path / "README.md").write_text("# hand-written\n")
    (tmp_path / "notes.md").write_text("mine\n")
    (tmp_path / "plain.txt").write_text("a file, not a folder\n")
    extra = tmp_path / "x.yaml"
    extra.write_text(content[0] if content else "", encoding="utf-8")
    kept = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    api = tmp_path / "api.yaml"
    api.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", encoding="utf-8")
    kept[api] = api.read_bytes()
    values = {"d": design, "dir": tmp_path, "file": tmp_path / "plain.txt", "ro": "/proc",
              "x": extra, "api": api}
    result = run_cli(*(a.format(**values) for a in args), timeout=90)
    shown = result.stdout + result.stderr
    assert result.returncode == code, shown
    assert "Traceback" not in shown
    assert fragment in shown
    if code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # one line
    for path, before in kept.items():
        assert path.read_bytes() == before, f"{path.name} was changed"
