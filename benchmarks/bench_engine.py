"""Forward+backward time per node: the reference engine next to karpathy's `micrograd` from PyPI.

Run: `make bench` (or `.venv/bin/python benchmarks/bench_engine.py`). Figures are
printed, never asserted: this machine is shared and noisy. PyPI's micrograd is
installed into build/bench-micrograd for this script only; both engines run the
same graphs, each in its own fresh interpreter, in the same run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPI_DIR = ROOT / "build" / "bench-micrograd"
REFERENCE_DIR = ROOT / "solutions"

# Built from the operations both engines have (+, *, relu): `layers` layers of
# `width` nodes, each node relu(sum of `fan_in` weighted inputs of the layer below).
WORKER = r"""
import json, random, sys, time
sys.path.insert(0, sys.argv[1])
sys.setrecursionlimit(10_000)
from micrograd.engine import Value

def layered(layers, width, fan_in):
    rng = random.Random(0)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(width)]
    for _ in range(layers):
        nxt = []
        for _ in range(width):
            acc = Value(0.0)
            for x in rng.sample(xs, fan_in):
                acc = acc + Value(rng.uniform(-1, 1)) * x
            nxt.append(acc.relu())
        xs = nxt
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out

def chain(n):
    y = x = Value(1.0)
    for _ in range(n):
        y = y * 1.00001
    return y

def count(root):
    seen, stack = set(), [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v)); stack.extend(v._prev)
    return len(seen)

results = {}
for name, build in [("layered 8x300, fan-in 24", lambda: layered(8, 300, 24)),
                    ("chain of 100,000 products", lambda: chain(100_000))]:
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        root = build()
        try:
            root.backward()
        except RecursionError:
            best = "RecursionError"
            break
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    n = count(root)
    results[name] = {"nodes": n, "seconds": best}
print(json.dumps(results))
"""


def ensure_pypi_micrograd() -> None:
    if not (PYPI_DIR / "micrograd" / "engine.py").exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(PYPI_DIR), "micrograd==0.1.0"],
            check=True,
        )


def run(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", WORKER, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ensure_pypi_micrograd()
    ours, theirs = run(REFERENCE_DIR), run(PYPI_DIR)
    print(f"{'graph':28} {'nodes':>8} {'reference µs/node':>18} {'PyPI micrograd µs/node':>23} {'ratio':>7}")
    for name, mine in ours.items():
        other = theirs[name]
        per = mine["seconds"] / mine["nodes"] * 1e6
        if isinstance(other["seconds"], float):
            their_per = other["seconds"] / other["nodes"] * 1e6
            ratio = f"{per / their_per:6.2f}x"
            their = f"{their_per:23.2f}"
        else:
            their, ratio = f"{other['seconds']:>23}", "   n/a"
        print(f"{name:28} {mine['nodes']:8d} {per:18.2f} {their} {ratio}")
    print("ratio = reference time / PyPI micrograd time per node (forward + backward, best of 3)")


if __name__ == "__main__":
    main()
