"""The shape of the code: no import cycles (deferred imports included), small modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("customers", "supportdesk")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module that `name` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        found |= {target for target in targets if target in modules}
    # Importing a.b.c first runs package a.b's __init__ (unless the importer is inside a.b,
    # which is then already running): that is an import of a.b too.
    own = {name.rsplit(".", n)[0] for n in range(name.count(".") + 1)}
    for target in list(found):
        parts = target.split(".")
        found |= {".".join(parts[:n]) for n in range(1, len(parts))} - own
    return {target for target in found if target in modules and target != name}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_there_is_no_import_cycle():
    modules = project_modules()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert find_cycle(graph) == []


def test_the_cycle_finder_finds_a_deferred_import_cycle(tmp_path):
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_a_submodule_import_counts_as_importing_its_package(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from pkg.client import Client\n")
    (tmp_path / "pkg" / "client.py").write_text(
        "def f():\n    from other import thing\n    return thing\n"
    )
    (tmp_path / "pkg" / "contract.py").write_text("X = 1\n")
    (tmp_path / "other.py").write_text("from pkg.contract import X\n")
    modules = {module_name(p, tmp_path): p for p in tmp_path.rglob("*.py")}
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert find_cycle(graph) == ["other", "pkg", "pkg.client", "other"]


def test_the_sandbox_imports_the_contract_never_the_client():
    modules = project_modules()
    for name, path in modules.items():
        if name.startswith("customers.sandbox"):
            assert not imports_of(name, path, modules) & {
                "customers.revcent.client",
                "customers.revcent.exchange",
                "customers.revcent.factory",
            }, name


@pytest.mark.parametrize("package", ["revcent", "audit"])
def test_no_module_of_the_package_is_over_300_lines(package):
    for path in (ROOT / "customers" / package).glob("*.py"):
        assert len(path.read_text().splitlines()) <= 300, path.name


def test_the_sandbox_stores_every_contact_field():
    """The sandbox's table is a schema (with migrations), so it declares its columns; this
    pins them to the one contact field list."""
    from customers.contact import CONTACT_FIELDS
    from customers.sandbox.models import SandboxCustomer

    columns = {field.name for field in SandboxCustomer._meta.get_fields()}
    assert set(CONTACT_FIELDS) <= columns


def test_no_module_in_customers_is_over_about_350_lines():
    for path in (ROOT / "customers").rglob("*.py"):
        if "migrations" not in path.parts:
            assert len(path.read_text().splitlines()) <= 360, path


# --- Issue 24: the shape a second way in needs ---------------------------------------------------
def test_nothing_in_customers_imports_the_project_wiring():
    """supportdesk/ is settings, URLs and WSGI: the app never reaches back into it."""
    modules = project_modules()
    for name, path in modules.items():
        if name.startswith("customers"):
            wiring = {m for m in imports_of(name, path, modules) if m.startswith("supportdesk")}
            assert not wiring, f"{name} imports {wiring}"


def test_no_app_module_is_over_about_300_lines():
    for path in (ROOT / "customers").rglob("*.py"):
        if "migrations" not in path.parts:
            assert len(path.read_text().splitlines()) <= 310, path


def _views(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """A module's view functions: the public top-level ones that take the request and return
    a response."""
    return [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.args.args
        and node.args.args[0].arg == "request"
        and "Response" in ast.unparse(node.returns or ast.Constant(""))
        and not node.name.startswith("_")
    ]


def _body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = function.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring says why; it is not the view's work
    return (function.end_lineno or 0) - body[0].lineno + 1


def _view_modules() -> dict[str, ast.Module]:
    trees = {name: ast.parse(path.read_text()) for name, path in project_modules().items()}
    return {name: tree for name, tree in trees.items() if _views(tree)}


def test_a_view_is_an_adapter_of_about_25_lines():
    """Parse → one service → render: anything longer belongs in a service or a helper."""
    long = [
        f"{name}.{view.name}: {_body_lines(view)}"
        for name, tree in _view_modules().items()
        for view in _views(tree)
        if _body_lines(view) > 25
    ]
    assert long == []


def test_no_view_calls_the_revcent_client():
    """Views reach RevCent only through an action (customers/actions/), which checks the rules."""
    modules = project_modules()
    for name in _view_modules():
        if name.startswith("customers.sandbox"):
            continue  # the sandbox's own simulated card page is RevCent's side
        calls = imports_of(name, modules[name], modules) & {
            "customers.revcent.client",
            "customers.revcent.factory",
        }
        assert not calls and not re.search(r"\bget_client\b", modules[name].read_text()), name


def test_the_architecture_checks_can_fail(tmp_path):
    view = "def page(request) -> HttpResponse:\n" + "    x = 1\n" * 26
    [function] = _views(ast.parse(view))
    assert _body_lines(function) == 26
