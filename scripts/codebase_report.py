"""How the code is shaped: modules past the split point, and import cycles between packages.

    python scripts/codebase_report.py [--max-lines 500]

Prints the modules of ``src/kitclinic`` longer than the limit (migrations aside), the imports of
one ``kitclinic`` package by another (module level and inside functions alike), the cycles among
those packages (strongly connected groups), and the number of imports made inside functions.
Exit status 0 always: it reports, ``make lint`` enforces (import-linter contracts)."""

from __future__ import annotations

import argparse
import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = "kitclinic"


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, module: str) -> tuple[set[str], int]:
    """The kitclinic modules ``path`` imports, and how many of its imports sit inside functions."""
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    in_functions = 0
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, inside: bool) -> None:
        nonlocal in_functions
        for child in ast.iter_child_nodes(node):
            nested = inside or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [base]
            kept = [n for n in names if n == ROOT or n.startswith(ROOT + ".")]
            if kept and inside:
                in_functions += 1
            found.update(kept)
            visit(child, nested)

    visit(tree, False)
    return found, in_functions


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; groups of two or more packages that import each other in a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lines", type=int, default=500)
    args = parser.parse_args()

    files = sorted(p for p in (SRC / ROOT).rglob("*.py") if "migrations" not in p.parts)
    long_modules = []
    graph: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str], int] = defaultdict(int)
    total_in_functions = 0
    for path in files:
        module = module_name(path)
        lines = len(path.read_text().splitlines())
        if lines > args.max_lines:
            long_modules.append((lines, module))
        targets, in_functions = imports_of(path, module)
        total_in_functions += in_functions
        source = package_of(module)
        for target in targets:
            target_package = package_of(target)
            if target_package != source and target != ROOT:
                graph[source].add(target_package)
                edges[(source, target_package)] += 1

    print(f"Modules over {args.max_lines} lines: {len(long_modules)}")
    for lines, module in sorted(long_modules, reverse=True):
        print(f"  {lines:5d}  {module}")
    cycles = strongly_connected(graph)
    in_cycles = sorted({p for group in cycles for p in group})
    print(f"Packages in import cycles: {len(in_cycles)} ({', '.join(in_cycles) or 'none'})")
    for group in cycles:
        print("  cycle group: " + ", ".join(group))
        for (source, target), count in sorted(edges.items()):
            if source in group and target in group:
                print(f"    {source} -> {target} ({count} modules)")
    print(f"Imports of kitclinic made inside functions: {total_in_functions}")


if __name__ == "__main__":
    main()
