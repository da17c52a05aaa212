"""``python -m benchmarks [--smoke] [--only NAMES] [--repeat N] [--check]``

Runs each benchmark in a process of its own and prints every figure with its
target and its baseline, measured in the same run. ``--smoke`` runs reduced
sizes (about a minute; CI runs it); ``--check`` exits with 1 when a target
is missed. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import Result, parse

ROOT = Path(__file__).resolve().parents[1]
FULL = {"roster": 100_000, "preview": 100_000, "network": 1000, "sample": 100}
SMOKE = {"roster": 10_000, "preview": 10_000, "network": 100, "sample": 20}
NAMES = ("roster", "preview", "network")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--smoke", action="store_true", help="reduced sizes, for CI")
    parser.add_argument(
        "--only", default=",".join(NAMES), help="comma list of " + ", ".join(NAMES)
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs each; the best is kept"
    )
    parser.add_argument(
        "--data", type=Path, help="keep generated rosters here for later runs"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a target is missed"
    )
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    wanted = [n.strip() for n in args.only.split(",") if n.strip()]

    print(_machine(sizes, args.smoke), flush=True)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as scratch:
        data = args.data or Path(scratch)
        data.mkdir(parents=True, exist_ok=True)
        for name in wanted:
            started = time.perf_counter()
            results += _best(name, sizes, data, args.repeat)
            print(f"  ({name} took {time.perf_counter() - started:.0f} s)", flush=True)
    _print(results)
    missed = [r for r in results if r.meets_target is False]
    if missed:
        print(
            f"\n{len(missed)} figure(s) miss their target: "
            + ", ".join(r.name for r in missed)
        )
    return 1 if args.check and missed else 0


def _run(name: str, sizes: dict[str, int], data: Path) -> list[Result]:
    if name == "roster":
        from benchmarks.data import write_roster

        path = write_roster(data / f"roster-{sizes['roster']}.sqlite3", sizes["roster"])
        app = _child("roster_view", "app", str(path))
        standard = {r.name: r for r in _child("roster_view", "standard", str(path))}
        for result in app:
            base = standard.get(result.name)
            if base is not None:
                result.baseline = base.value
                result.baseline_name = "QStandardItemModel + QSortFilterProxyModel"
        return app
    if name == "preview":
        return _child("plate_preview", str(sizes["preview"]))
    if name == "network":
        return _child("network", str(sizes["network"]), str(sizes["sample"]))
    raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(NAMES)}")


def _child(module: str, *args: str) -> list[Result]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmarks.{module} failed:\n{done.stderr[-4000:]}")
    return parse(done.stdout)


def _best(name: str, sizes: dict[str, int], data: Path, repeat: int) -> list[Result]:
    """The best of ``repeat`` runs, figure by figure."""
    best: dict[str, Result] = {}
    for _ in range(max(1, repeat)):
        for result in _run(name, sizes, data):
            kept = best.get(result.name)
            better = (
                kept is None
                or (result.higher_is_better and result.value > kept.value)
                or (not result.higher_is_better and result.value < kept.value)
            )
            if better:
                best[result.name] = result
    return list(best.values())


def _machine(sizes: dict[str, int], smoke: bool) -> str:
    from PySide6 import __version__ as pyside

    load = (
        " ".join(f"{x:.1f}" for x in os.getloadavg())
        if hasattr(os, "getloadavg")
        else "?"
    )
    return (
        f"spkey-desktop benchmarks ({'smoke' if smoke else 'full'}): roster "
        f"{sizes['roster']:,} users, preview {sizes['preview']:,} users, network "
        f"{sizes['network']:,} users (sequential sample {sizes['sample']})\n"
        f"Python {platform.python_version()}, PySide6 {pyside}, {os.cpu_count()} CPUs, "
        f"load average {load}"
    )


def _print(results: list[Result]) -> None:
    print()
    print(
        f"{'figure':<32}{'measured':>12}  {'target':<10}{'baseline':>12}  ratio    note"
    )
    for r in results:
        target = ""
        if r.target is not None:
            target = (
                f"{'>=' if r.higher_is_better else '<='} {_value(r.target, r.unit)}"
            )
        verdict = {True: "ok", False: "MISSED", None: ""}[r.meets_target]
        baseline = _value(r.baseline, r.unit) if r.baseline is not None else ""
        ratio = f"{r.value / r.baseline:.3f}x" if r.baseline else ""
        extra = "; ".join(
            filter(
                None,
                [f"baseline: {r.baseline_name}" if r.baseline_name else "", r.note],
            )
        )
        figure = f"{r.name:<32}{_value(r.value, r.unit):>12}  {target:<10}"
        print(f"{figure}{baseline:>12}  {ratio:<8} {verdict:<6} {extra}")


def _value(value: float, unit: str) -> str:
    if unit == "s":
        if value < 0.001:
            return f"{value * 1e6:.0f} us"
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "x":
        return f"{value:.1f}x"
    return f"{value:.0f} {unit}"


if __name__ == "__main__":
    sys.exit(main())
