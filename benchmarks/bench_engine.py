"""Forward+backward time: the reference engine next to karpathy's `micrograd` 0.1.0 from PyPI.

Run: `make bench` (or `.venv/bin/python benchmarks/bench_engine.py`). Figures are
printed, never asserted: this machine is shared and noisy. PyPI's micrograd is
installed into build/bench-micrograd for this script only; both engines run the
same graphs, each in its own fresh interpreter, in the same run, and the ratio
(reference / PyPI, best of each) is the figure to quote. The graphs:

- "dense": issue 18's graph. A 16x16 layer of weight Values (plus 16 biases)
  applied to 40 input vectors of 16 plain numbers: for each input, each of the
  16 units is relu(bias + sum of weight * input), and the loss adds up every
  unit's output squared (40 * 16 of them); one `backward()`. Best of 5.
- "layered": the kit's own graph. 8 layers of 300 units, each unit the relu of a
  sum of 24 weighted units of the layer below (weights are Values), the last
  layer summed; one `backward()`. Best of 3.
- "chain": 100,000 products in a row, one `backward()`: PyPI's recursive
  topological sort hits Python's recursion limit here; the reference does not.
"""

from __future__ import annotations

import argparse
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

def dense(inputs=40, width=16):
    rng = random.Random(0)
    w = [[Value(rng.uniform(-1, 1)) for _ in range(width)] for _ in range(width)]
    b = [Value(0.0) for _ in range(width)]
    loss = Value(0.0)
    for _ in range(inputs):
        x = [rng.uniform(-1, 1) for _ in range(width)]
        for row, bias in zip(w, b):
            act = bias
            for wij, xj in zip(row, x):
                act = act + wij * xj
            loss = loss + act.relu() ** 2
    return loss

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
for name, build, repeats in [("dense 16x16 relu over 40 inputs", dense, 5),
                             ("layered 8x300, fan-in 24", lambda: layered(8, 300, 24), 3),
                             ("chain of 100,000 products", lambda: chain(100_000), 3)]:
    best = None
    for _ in range(repeats):
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
    del root
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--reference",
        type=Path,
        default=REFERENCE_DIR,
        help="the folder holding the micrograd/ to time (default: solutions/; e.g. an older engine to compare)",
    )
    args = parser.parse_args()
    ensure_pypi_micrograd()
    ours, theirs = run(args.reference), run(PYPI_DIR)
    print(f"{'graph':32} {'nodes':>7} {'reference s':>12} {'PyPI micrograd s':>17} {'ratio':>7}")
    for name, mine in ours.items():
        other = theirs[name]
        if isinstance(other["seconds"], float):
            ratio = f"{mine['seconds'] / other['seconds']:6.2f}x"
            their = f"{other['seconds']:17.3f}"
        else:
            their, ratio = f"{other['seconds']:>17}", "   n/a"
        print(f"{name:32} {mine['nodes']:7d} {mine['seconds']:12.3f} {their} {ratio}")
    print("seconds: forward + backward, best of the repeats; ratio = reference / PyPI micrograd 0.1.0 (<= 1: as fast)")


if __name__ == "__main__":
    main()
