"""Run every benchmark on every engine and write ``benchmarks/RESULTS.md``.

    python -m benchmarks            # the full run (a few minutes)
    python -m benchmarks --quick    # small sizes, one round: a smoke test

Each engine runs in its own worker process (``benchmarks.worker``), a fresh one for each
benchmark, with one untimed warm-up run; the rounds are interleaved (round 1 of every
engine, then round 2, ...) with the engine order rotated each round, so a slow patch of
the machine hits every engine alike. Reported times are
medians over all repetitions of all rounds; the interpreter's defaults are kept
(cyclic garbage collector on), as a user runs it. A peer that is not installed is
skipped with a note.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

from .lm import ENGINES as LM_ENGINES
from .report import TIMED, markdown, median, table
from .workloads import ENGINES

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# memory: 20,000 products, as micrograd's graph under tracemalloc takes minutes at 100,000
# (time grows faster than the size); bytes per node do not depend on the size.
# rounds and reps: on a shared 2-core machine one mlp step takes 8 to 16 ms from moment to
# moment; medians of 7 rounds x 6 steps hold still where 5 x 2 moved 20-40% between runs.
FULL = {"rounds": 7, "mlp": (100, 2), "chain": 100_000, "wide": 100_000, "memory": 20_000,
        "depth": 1_000_000, "big_chain": 1_000_000, "wconst": 100_000,
        "compile_chain": 300_000, "compile_memory": 30_000,
        "reps": {"mlp": 6, "chain": 1, "wide": 1, "wconst": 1, "lm": 9}}
QUICK = {"rounds": 1, "mlp": (100, 1), "chain": 2_000, "wide": 2_000, "memory": 2_000,
         "depth": 20_000, "big_chain": 20_000, "wconst": 2_000,
         "compile_chain": 6_000, "compile_memory": 2_000,
         "reps": {"mlp": 1, "chain": 1, "wide": 1, "wconst": 1, "lm": 1}}
# the parts of a run (``--only``): the timed benchmarks, then the probes
PARTS = ["mlp", "chain", "wide", "wconst", "lm", "memory", "depth", "big_chain",
         "compile_cost"]
# the 10^6 chain: only these (peers take minutes)
BIG_CHAIN = ("autograd_mini", "interpreted", "floor")
BENCH_ENGINES = {"lm": LM_ENGINES}         # the benchmarks only some engines run
ONLY = {"issue-day": "lm", "paused": "mlp"}  # the engines that run one benchmark only


class Worker:
    """A worker process speaking one JSON line per command."""

    def __init__(self, engine):
        self.engine = engine
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        env.pop("AUTOGRAD_MINI_PURE", None)
        if engine == "interpreted":                 # the core's source, not the compiled core
            env["AUTOGRAD_MINI_PURE"] = "1"
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.worker", engine],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, cwd=ROOT, env=env)
        hello = self._read()
        self.ready = hello.get("ready", False)
        self.note = hello.get("error", "")
        if not self.ready:
            self.close()

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            return {"ready": False, "error": f"worker exited with code {self.proc.wait()}"}
        return json.loads(line)

    def ask(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "os": platform.platform(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def versions():
    out = {}
    for mod in ("torch", "micrograd"):
        try:
            from importlib.metadata import version
            out[mod] = version(mod)
        except Exception:
            out[mod] = None
    return out


def run(config, engines, log=print):
    """Run the benchmarks; returns a results dict (times in seconds, memory in bytes).

    Every (benchmark, engine) pair gets a fresh worker process, so no benchmark runs on
    a heap (or an allocator) that another one left behind; within a benchmark the
    engines' rounds are interleaved.
    """
    skipped, live = {}, []
    for e in engines:                               # which engines can run at all
        w = Worker(e)
        if w.ready:
            live.append(e)
            w.close()
        else:
            skipped[e] = w.note
            log(f"  skipping {e}: {w.note}")
    parts = config.get("only") or PARTS
    times = {b: {e: [] for e in live if e in BENCH_ENGINES.get(b, live)
                 and ONLY.get(e, b) == b} for b in TIMED}
    checks = {b: {} for b in TIMED}
    pieces = {b: {} for b in TIMED}                # what a step times of its parts (lm)
    setup = {b: {} for b in TIMED}
    nodes = {}
    errors = {}
    sizes = {"mlp": config["mlp"][0], "chain": config["chain"], "wide": config["wide"],
             "wconst": config["wconst"], "lm": 1}
    for bench in (b for b in TIMED if b in parts):
        workers = {e: Worker(e) for e in times[bench]}
        try:
            for r in range(config["rounds"]):
                runs = list(workers)
                order = runs[r % len(runs):] + runs[:r % len(runs)] if runs else []
                log(f"{bench} round {r + 1}/{config['rounds']}")
                for e in order:
                    if (bench, e) in errors:
                        continue
                    ans = workers[e].ask(bench=bench, size=sizes[bench],
                                         reps=config["reps"][bench])
                    if "error" in ans:
                        errors[bench, e] = ans["error"]
                        log(f"  {bench} {e}: ERROR {ans['error']}")
                        continue
                    times[bench][e].extend(ans["times"])
                    if ans.get("parts"):
                        pieces[bench].setdefault(e, []).extend(ans["parts"])
                    if ans.get("setup") is not None:
                        setup[bench][e] = ans["setup"]
                    if ans.get("trace") is not None:
                        setup[bench][e + " first call"] = ans["trace"]
                    checks[bench].setdefault(e, []).append(ans["check"])
                    if ans.get("nodes") and e not in ONLY:     # (issue-day's graph differs)
                        nodes[bench] = ans["nodes"]
                    log(f"  {bench:6s} {e:14s} {min(ans['times']) * 1e3:10.2f} ms")
        finally:
            for w in workers.values():
                w.close()
    memory, depth, big, cost = _probes(config, [e for e in live if e not in ONLY], parts,
                                       log)
    return {"config": config, "engines": live, "machine": machine(), "versions": versions(),
            "big_chain": big, "compile_cost": cost,
            "skipped": skipped, "times": times, "checks": checks, "setup": setup,
            "parts": pieces,
            "errors": {f"{b}/{e}": m for (b, e), m in errors.items()},
            "memory": memory, "depth": depth, "sizes": sizes, "nodes": nodes}


def _probes(config, live, parts, log):
    """The measurements that are not timed rounds: bytes per node, recursion depth, the
    10^6 chain, the cost of compile; each in fresh processes."""
    memory, depth = {}, {}
    for e in live:
        if "memory" in parts:
            memory[e] = _probe(e, bench="memory", size=config["memory"])
        if e not in ("floor", "compiled") and "depth" in parts:   # compiled: eager's limits
            depth[e] = _probe(e, bench="depth", size=config["depth"])
        log(f"  memory/depth {e}: {memory.get(e)!r} {depth.get(e)!r}")
    big = {}
    for e in (e for e in BIG_CHAIN if e in live and "big_chain" in parts):
        runs = []                                   # one timed run each, fresh processes
        for _ in range(min(3, config["rounds"])):
            runs += _ask(e, bench="chain", size=config["big_chain"], reps=1).get("times", [])
        big[e] = median(runs)
        log(f"  chain {config['big_chain']:,} {e}: {big[e]!r}")
    cost = compile_costs(config, log) if "compiled" in live and "compile_cost" in parts \
        else {}
    return memory, depth, big, cost


def compile_costs(config, log):
    """compile() of the chain, each measurement in a fresh process: seconds at n and at
    n/3 (is it linear?), peak bytes at the memory size; each (eager, first call, second)."""
    n, m = config["compile_chain"], config["compile_memory"]
    out = {"n": n, "m": m}
    for key, size, mem in (("time", n, False), ("time_third", n // 3, False),
                           ("memory", m, True)):
        out[key] = _probe("compiled", bench="compile_cost", size=size, memory=mem)
        log(f"  compile cost {key} ({size:,} ops): {out[key]!r}")
    return out


def _probe(engine, **cmd):
    """One command in a fresh worker: its value, or its error message."""
    ans = _ask(engine, **cmd)
    return ans.get("value", ans.get("error", "?"))


def _ask(engine, **cmd):
    """One command in a fresh worker: its whole answer."""
    w = Worker(engine)
    try:
        return w.ask(**cmd)
    finally:
        w.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, one round")
    parser.add_argument("--rounds", type=int, help="number of interleaved rounds")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help=f"comma-separated subset of {','.join(ENGINES)}")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"),
                        help="where to write the markdown results ('-' for none)")
    parser.add_argument("--json", help="also write the raw results as JSON here")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated subset of {','.join(PARTS)}")
    args = parser.parse_args(argv)
    config = dict(QUICK if args.quick else FULL, quick=args.quick)
    config["only"] = [p.strip() for p in args.only.split(",") if p.strip()]
    if set(config["only"]) - set(PARTS):
        parser.error(f"unknown part(s) {sorted(set(config['only']) - set(PARTS))}; choose "
                     f"from {PARTS}")
    if args.rounds:
        config["rounds"] = args.rounds
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        parser.error(f"unknown engine(s) {unknown}; choose from {ENGINES}")
    start = time.perf_counter()
    results = run(config, engines, log=lambda s: print(
        f"[{time.perf_counter() - start:5.0f} s] {s}", file=sys.stderr, flush=True))
    print(table(results))
    if args.out != "-":
        with open(args.out, "w") as f:
            f.write(markdown(results))
        print(f"\nwrote {args.out}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
