"""One engine's worker process: reads JSON commands on stdin, answers on stdout.

Started by ``benchmarks.run`` as ``python -m benchmarks.worker ENGINE``. Each engine
lives in its own process so that one engine's memory (PyTorch's allocator, a big
micrograd heap) does not slow the next. The collector is left as the interpreter
starts it (on, default thresholds): the benchmarks measure what a user sees.

Commands: {"bench": "mlp"|"chain"|"wide"|"wconst"|"lm"|"memory"|"depth"|
"compile_cost", "size": n, "reps": r} ("compile_cost" also takes "memory": true
for peak bytes).
Answer: {"times": [seconds, ...], "check": number} or {"error": "..."}.
"""

import json
import sys
import time
import traceback

from . import lm

THEN_ERROR = None
if sys.argv[1:2] == ["issue-day"]:          # the package as it was (lm.py), put first
    try:                                    # before anything here imports autograd_mini
        sys.path.insert(0, lm.then_source())
    except ImportError as e:
        THEN_ERROR = e

from . import measures, workloads  # noqa: E402


def main(engine):
    out = sys.stdout
    sys.stdout = sys.stderr                         # stray prints must not break the protocol
    try:
        if THEN_ERROR is not None:
            raise THEN_ERROR
        obj = workloads.make(engine)
    except ImportError as e:
        out.write(json.dumps({"ready": False, "error": f"{type(e).__name__}: {e}"}) + "\n")
        out.flush()
        return
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    setup_done = set()
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            answer = run(obj, cmd, setup_done)
        except Exception as e:                      # report, keep serving other benchmarks
            answer = {"error": f"{type(e).__name__}: {e}",
                      "traceback": traceback.format_exc(limit=4)}
        out.write(json.dumps(answer) + "\n")
        out.flush()


def run(obj, cmd, setup_done):
    bench, n, reps = cmd["bench"], cmd.get("size", 0), cmd.get("reps", 1)
    if bench == "memory":
        return {"value": measures.memory_per_node(obj, n)}
    if bench == "depth":
        return {"value": measures.max_depth(obj, n)}
    if bench == "compile_cost":
        return {"value": measures.compile_cost(n, memory=cmd.get("memory", False))}
    key = (bench, n)
    if key not in setup_done:
        t0 = time.perf_counter()
        if bench == "mlp":
            obj.mlp_setup()
        elif hasattr(obj, f"{bench}_setup"):
            getattr(obj, f"{bench}_setup")(n)
        setup_done.add(key)
        setup = time.perf_counter() - t0
    else:
        setup = None
    fn = {"mlp": lambda: obj.mlp_step(), "chain": lambda: obj.chain(n),
          "wide": lambda: obj.wide(n), "wconst": lambda: obj.wconst(n),
          "lm": lambda: obj.lm(n)}[bench]
    if setup is not None:
        fn()                                        # one untimed warm-up run per engine
    parts = getattr(obj, f"{bench}_parts", None)    # what the step records of its parts
    times, check = [], None
    if parts is not None:
        parts.clear()                               # (the warm-up run's are not kept)
    for _ in range(reps):
        t0 = time.perf_counter()
        check = fn()
        times.append(time.perf_counter() - t0)
    return {"times": times, "check": check, "setup": setup, "parts": parts,
            "trace": getattr(obj, f"{bench}_trace", None) if setup is not None else None,
            "nodes": getattr(obj, f"{bench}_nodes", None)}


if __name__ == "__main__":
    main(sys.argv[1])
