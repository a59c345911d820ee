"""Import cost: ``import lamina`` and its first real use against ``import jax`` alone.

    python bench/import_time.py [--repeats 7]

Each import runs in a fresh interpreter; the median wall time of ``--repeats`` runs is shown.
"""

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "import jax": "import jax",
    "import lamina": "import lamina",
    "lamina, first model": "import lamina; lamina.Sequential; lamina.layers.Dense",
}


def cost(statement, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    baseline = cost("pass", args.repeats)
    results = {name: cost(stmt, args.repeats) - baseline for name, stmt in CASES.items()}
    print(f"{'import':24s} {'ms':>8s} {'x jax':>7s}   (interpreter start-up of "
          f"{baseline * 1e3:.0f} ms subtracted)")
    for name, seconds in results.items():
        print(f"{name:24s} {seconds * 1e3:8.0f} {seconds / results['import jax']:7.2f}")


if __name__ == "__main__":
    main()
