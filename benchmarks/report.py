"""``benchmarks/RESULTS.md`` from the results of ``run``: the table of medians and ratios,
the targets of the issues with what was met, the gaps and what was tried, compile's
one-time costs, chain depth, agreement between engines and what is measured."""

import statistics

TIMED = ["mlp", "chain", "wide", "wconst", "lm"]
LABELS = {"autograd_mini": "autograd_mini (eager, compiled core)",
          "interpreted": "autograd_mini (eager, interpreted core)",
          "compiled": "autograd_mini.compile",
          "micrograd": "micrograd 0.1.0", "torch": "PyTorch 0-d float64",
          "floor": "hand-written floats (floor)",
          "issue-day": "autograd_mini on issue 20's day (0f1669e, eager)",
          "paused": "autograd_mini (eager, compiled core, the step under collector_paused())"}


def speedup(reference, time):
    """'3.2x faster' when ``time`` beats ``reference``, else '2.0x slower'."""
    r = reference / time
    return f"{r:.1f}x faster" if r >= 1 else f"{1 / r:.1f}x slower"


def compile_lines(results):
    """The compile-cost rows: the first call's time, linear or not, and its memory."""
    cost = results.get("compile_cost") or {}
    t, t3, mem = cost.get("time"), cost.get("time_third"), cost.get("memory")
    if not (isinstance(t, list) and isinstance(t3, list) and isinstance(mem, list)):
        why = t if isinstance(t, str) else t3 if isinstance(t3, str) else mem
        return [f"compile of the chain: not measured ({why})", ""] if cost else []
    n, m = cost["n"], cost["m"]
    return [
        f"compile of the chain of {n:,} ops (first call: trace, generate and compile the "
        f"code; second call: checked against an eager run):",
        f"- first call {t[1]:.2f} s, second {t[2]:.2f} s; one eager forward + backward "
        f"{t[0]:.2f} s ({t[1] / t[0]:.1f}x)",
        f"- time linear in the graph: {n // 3:,} ops {t3[1]:.2f} s, {n:,} ops {t[1]:.2f} s "
        f"({t[1] / t3[1]:.2f}x for 3x the ops)",
        f"- peak memory at {m:,} ops: first call {mem[1] / mem[0]:.2f}x, second "
        f"{mem[2] / mem[0]:.2f}x the eager graph's ({mem[0] / 1e6:.1f} MB: forward + "
        f"backward, tracemalloc)",
        ""]


def median(xs):
    return statistics.median(xs) if xs else None


def fmt_time(s):
    if s is None:
        return "n/a"
    return f"{s * 1e3:.1f} ms" if s >= 0.01 else f"{s * 1e3:.2f} ms"


def table(results):
    """The results as a markdown table (medians, ratios to micrograd and to the floor)."""
    live = results["engines"]
    rows = ["| benchmark | engine | median | vs micrograd | vs floor |",
            "| --- | --- | ---: | ---: | ---: |"]
    sizes = results["sizes"]
    names = {"mlp": f"mlp (one step, {sizes['mlp']} points)",
             "chain": f"chain ({sizes['chain']:,} ops)",
             "wide": f"wide ({sizes['wide']:,} products)",
             "wconst": f"wconst ({sizes.get('wconst', 0):,} products, data x Value)",
             "lm": "lm (names GPT step" + (f", {n:,} nodes)" if (n := results.get(
                 "nodes", {}).get("lm")) else ")")}
    for bench in TIMED:
        meds = {e: median(results["times"].get(bench, {}).get(e, [])) for e in live}
        if not any(meds.values()):
            continue                                    # not run (--only)
        for e in live:
            if e not in results["times"].get(bench, {}):
                continue
            m = meds[e]
            mg, fl = meds.get("micrograd"), meds.get("floor")
            vs_mg = speedup(mg, m) if m and mg else "n/a"
            if e == "micrograd":
                vs_mg = "1x"
            vs_fl = f"{m / fl:.2f}x floor" if m and fl else "n/a"
            err = results["errors"].get(f"{bench}/{e}")
            rows.append(f"| {names[bench]} | {LABELS[e]} | "
                        f"{'error: ' + err if err else fmt_time(m)} | {vs_mg} | {vs_fl} |")
    mem = results["memory"]
    for e in (e for e in live if e in mem):
        v = mem.get(e)
        mg = mem.get("micrograd")
        cell = f"{v:.0f} B/node" if isinstance(v, (int, float)) else \
            f"n/a ({v.split(': ', 1)[-1]})"
        ratio = (f"{mg / v:.1f}x less" if isinstance(v, (int, float)) and
                 isinstance(mg, (int, float)) and e != "micrograd" else "")
        rows.append(f"| memory (wide, {results['config']['memory']:,} products) | {LABELS[e]} | "
                    f"{cell} | {ratio} | |")
    return "\n".join(rows)


def depth_lines(results):
    out = []
    limit = results["config"]["depth"]
    for e, d in results["depth"].items():
        if d is None:
            out.append(f"- {LABELS[e]}: a {limit:,}-op chain works (default recursion limit)")
        elif isinstance(d, int):
            out.append(f"- {LABELS[e]}: fails (RecursionError) at a chain of about {d:,} ops "
                       f"with the default recursion limit")
        else:
            out.append(f"- {LABELS[e]}: {d}")
    return out


def agreement(results):
    """Do the engines compute the same numbers? (max relative difference per benchmark)"""
    lines = []
    for bench in TIMED:
        checks = results["checks"][bench]
        if bench in ("mlp", "lm"):                  # loss of each step, in order
            ref = checks.get("autograd_mini") or next(iter(checks.values()), None)
            if not ref:
                continue
            worst = 0.0
            for c in checks.values():
                for a, b in zip(c, ref):
                    worst = max(worst, abs(a - b) / max(abs(b), 1e-300))
            lines.append(f"- {bench}: every engine's loss after each step agrees with "
                         f"autograd_mini's to a relative {worst:.1e}")
        else:
            vals = [v for c in checks.values() for v in c]
            if vals:
                spread = (max(vals) - min(vals)) / max(abs(max(vals)), 1e-300)
                lines.append(f"- {bench}: the checked number agrees across engines to a "
                             f"relative {spread:.1e}")
    return lines


def targets(results):
    """The targets of issue 20 (eager speed), issue 18 (compile's memory) and earlier
    ones that still hold, each with the measured number and whether it is met."""
    med = {b: {e: median(t) for e, t in results["times"][b].items()} for b in TIMED}

    def ratio(b, slow, fast):
        m = med.get(b, {})
        return m[slow] / m[fast] if m.get(slow) and m.get(fast) else None

    def line(goal, value, ok):
        if value is None:
            return f"- {goal}: not measured (an engine is missing)"
        return f"- {goal}: {value} ({'met' if ok else 'NOT met'})"

    def at_most(goal, value, limit, unit="x"):
        return line(goal, value is not None and f"{value:.2f}{unit}" or None,
                    value is not None and value <= limit)

    out = [at_most("`mlp` step eager / floor at most 1.5x",
                   ratio("mlp", "autograd_mini", "floor"), 1.5)]
    r = ratio("mlp", "paused", "floor")
    if r is not None:
        out.append(at_most("the same step under `collector_paused()` (as `models.Trainer` "
                           "runs one) / floor at most 1.5x", r, 1.5))
    setup = results.get("setup", {}).get("mlp", {}).get("compiled")
    eager = med.get("mlp", {}).get("autograd_mini")
    out.append(at_most("`compile(loss)` first call (trace + code) at most 5 eager steps",
                       setup / eager if setup and eager else None, 5, " steps"))
    big, n = results.get("big_chain", {}), results["config"].get("big_chain", 0)
    pure = (f" (interpreted core: {big['interpreted'] / big['floor']:.2f}x)"
            if big.get("interpreted") and big.get("floor") else "")
    out.append(at_most(f"chain of {n:,} ops built by user code, eager fwd+bwd / floor "
                       f"at most 12x", big["autograd_mini"] / big["floor"]
                       if big.get("autograd_mini") and big.get("floor") else None, 12,
                       "x" + pure))
    out.append(at_most("`wide` (sum of products built by user code) eager / floor at most "
                       "12x", ratio("wide", "autograd_mini", "floor"), 12))
    out.append(at_most("`wide` compiled / floor at most 1.5x", ratio("wide", "compiled",
                                                                      "floor"), 1.5))
    out.append(at_most("`wconst` (sum of products of data and Values, built by user code) "
                       "compiled / floor at most 1.5x", ratio("wconst", "compiled", "floor"),
                       1.5))
    for b in ("wide", "wconst"):
        trace = results.get("setup", {}).get(b, {}).get("compiled first call")
        eager = med.get(b, {}).get("autograd_mini")
        out.append(at_most(f"`{b}` compiled first call (trace + code) at most 1 s", trace, 1,
                           " s" + (f", {trace / eager:.1f}x one eager forward + backward"
                                   if trace and eager else "")))
    r = ratio("lm", "issue-day", "autograd_mini")
    out.append(line("the language model's GPT step at least 3x faster than the eager engine "
                    "of issue 20's day (the package at 0f1669e: f8e8e40's engine)",
                    r and f"{r:.2f}x (compiled core, eager)", r is not None and r >= 3))
    r = ratio("lm", "issue-day", "interpreted")
    out.append(line("the same step on the interpreted core, against issue 20's day",
                    r and speedup(r, 1.0), r is not None and r > 1))
    for b in ("chain", "wide", "mlp"):
        r = ratio(b, "interpreted", "autograd_mini")
        out.append(line(f"`{b}` eager on the compiled core, against the interpreted core",
                        r and speedup(r, 1.0), r is not None and r > 1))
    same = results.get("bit_for_bit")
    out.append("- results bit for bit equal between the compiled and the interpreted core: "
               + (same if same else "checked by tests/core/test_compiled.py (every op, "
                  "backward, create_graph, MLP steps, a 20,000-op chain) and by `make "
                  "test` running the whole suite on each"))
    cost = (results.get("compile_cost") or {}).get("memory")
    out.append(at_most("compile of a chain: peak memory at most 3x the eager graph's",
                       max(cost[1:]) / cost[0] if isinstance(cost, list) else None, 3))
    m = results["memory"].get("autograd_mini")
    out.append(line("`memory` at most 160 bytes per node on `wide`",
                    f"{m:.0f} B/node" if isinstance(m, (int, float)) else None,
                    isinstance(m, (int, float)) and m <= 160))
    r = ratio("mlp", "micrograd", "autograd_mini")
    out.append(line("`mlp` eager at least 12x faster than micrograd",
                    r and f"{r:.1f}x", r is not None and r >= 12))
    r = ratio("mlp", "compiled", "floor")
    out.append(at_most("`mlp` compiled / floor at most 1.5x", r, 1.5))
    limit = results["config"]["depth"]
    d = results["depth"].get("autograd_mini", "?")
    out.append(line(f"a {limit:,}-node chain works", None if d == "?" else "works" if d is None
                    else f"fails at {d}", d is None))
    return out


def step_parts(results):
    """The parts of the ``lm`` step (forward, backward, Adam) on each eager engine, and the
    collector's share of the eager ``mlp`` step, from the same run."""
    got = results.get("parts", {}).get("lm", {})
    names = ("zero_grad + forward + loss", "backward", "Adam's step")
    meds = {e: [median([step[i] for step in steps]) for i in range(3)]
            for e, steps in got.items() if steps}
    lines = []
    if meds:
        lines += [f"The `lm` step in parts (medians of every step; {' / '.join(names)}):"]
        lines += [f"- {LABELS[e]}: " + " / ".join(fmt_time(t) for t in m)
                  for e, m in meds.items()]
        now, then = meds.get("autograd_mini"), meds.get("issue-day")
        if now and then:
            lines += ["- on the compiled core against issue 20's day: " + ", ".join(
                f"{n} {speedup(b, a)}" for n, a, b in zip(names, now, then))]
        lines += [""]
    med = {e: median(t) for e, t in results["times"].get("mlp", {}).items()}
    if med.get("autograd_mini") and med.get("paused"):
        lines += [f"The collector's share of the eager `mlp` step: "
                  f"{fmt_time(med['autograd_mini'] - med['paused'])} (the compiled core's row "
                  f"minus the same step under `collector_paused()`).", ""]
    return lines


def gaps():
    """What stands between the eager engine and the targets, measured."""
    return [
        "Where a target is not met, what stands in the way, measured (docs/performance.md "
        "has the detail; \"measured alone\": a script on the same machine, compiled core):",
        "- The cyclic garbage collector (`mlp`, the 10^6 chain, `wide`): every node is an "
        "object it tracks, and each of its passes traverses the graph it finds alive. One "
        "pass over the moons step's fresh graph (7,777 nodes and 6,601 tuples of a weighted "
        "sum's parents and derivatives; 69,150 edges) takes 2.0-3.7 ms measured alone: the "
        "collector's share above. `backward()`, `MLP` and `models.Trainer` pause it; a "
        "user's own loop does not (`collector_paused()`, where the user chooses: the "
        "`paused` row). On this shared 2-core machine the `mlp` ratio moves from run to run "
        "(four runs within 15 minutes on 2026-12-04: 1.36x, 1.71x, 1.75x, 2.00x; the floor "
        "4.3 to 6.1 ms): met in some runs, not reliably. The 10^6 chain takes 0.85 s with "
        "it on and 0.41 s paused (25.7x and 12.3x the floor, measured alone), `wide` 260 "
        "against 137 ms. `make bench-layout`'s "
        "best layout (every number a C double in a slot of its own) is 24.2x and 19.5x the "
        "floor with the collector on: no node layout meets the 12x targets while it runs. "
        "mypyc can leave a class's objects untracked (`acyclic=True`), but freeing a long "
        "chain of them crashes the interpreter (mypyc 2.4.1); and `create_graph` makes real "
        "cycles (a gradient Value whose graph holds the node).",
        "- The GPT step (`lm`, 3x): the parts above. The engine's own part, `backward()`, is "
        "the one that sped up most; the rest is Python outside the core: the model's `nn` "
        "code around the ops (attention, norms, softmax) and Adam's loop over 4,272 "
        "parameters, which reads and writes `.grad` and `.data` through their properties "
        "and keeps its state in dicts, as torch's does. Tried and measured alone: Adam's loop "
        "compiled by mypyc as written, 2.09 ms against 2.12 ms interpreted (the same "
        "property and dict calls, made from C); a loop without the options' branches, "
        "1.74 ms (not kept). `models.Trainer` (and this step) now pause the collector for "
        "the whole step and free the graph inside the pause: a collection after it had "
        "traversed the whole graph (about 2 ms a step).",
        "- `wide` compiled: the compiled call alone is at the floor (8.27 ms against 8.63, "
        "measured alone); the benchmark also zeroes the `.grad` of 200,000 leaves through "
        "the property (5.1 ms), which the floor does not do (it makes new lists): 1.3x to "
        "1.9x from run to run.",
        "- `compile(loss)`'s first call (issue 18's target): a fixed 0.07 s, which in eager "
        "steps grows as the eager step gets faster (6.65 steps of 12.2 ms before, about 12 "
        "of 7 ms now).",
        "- Memory: a compiled node is 128 bytes (112 interpreted: mypyc adds a pointer to its "
        "method table and a bitmap for the C double) plus its number's float object.",
        "- The interpreted core, slower than issue 20's day on the GPT step: its ops make "
        "nodes with the constructor through a helper, where that engine wrote each op out "
        "at import time; making nodes with `Value.__new__` would cost the compiled core 40% "
        "per op (96 -> 135 ns, measured).",
        "",
    ]


def compile_cost(results):
    setup = results.get("setup", {})
    costs = [f"{b} {setup[b]['compiled']:.2f} s" + (
             f" (the first call alone {setup[b]['compiled first call']:.2f} s)"
             if "compiled first call" in setup[b] else "")
             for b in TIMED if "compiled" in setup.get(b, {})]
    if not costs:
        return []
    return ["One-time cost of `autograd_mini.compile` (the benchmark's setup: its data, "
            "trace fn, generate and compile the code; not in the times above): "
            + ", ".join(costs) + ".", ""]


def markdown(results):
    m, v = results["machine"], results["versions"]
    cfg = results["config"]
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python -m benchmarks{' --quick' if cfg.get('quick') else ''}` "
        f"on {m['date']}.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['os']}",
        f"- Python {m['python']} ({m['implementation']}), garbage collector on (defaults)",
        f"- Peers: micrograd {v.get('micrograd') or 'not installed'}, "
        f"PyTorch {v.get('torch') or 'not installed'} (CPU, 0-d float64 tensors, "
        f"`torch.set_num_threads(1)`)",
        f"- {cfg['rounds']} interleaved rounds, each engine in its own process (a fresh one per "
        f"benchmark) after one untimed warm-up run; medians of all repetitions (mlp: "
        f"{cfg['reps']['mlp']} steps per round)",
        "",
        table(results),
        "",
        "`vs micrograd`: micrograd's median divided by the engine's. `vs floor`: the "
        "engine's median divided by the hand-written float version's (1.00x is the floor).",
        "",
        "Targets (issue 20, issue 18 and earlier ones), from the medians above:",
        *targets(results),
        "",
        *step_parts(results),
        *gaps(),
        *compile_cost(results),
        *compile_lines(results),
        "Chain depth:",
        *depth_lines(results),
        "",
        "Same numbers:",
        *agreement(results),
    ]
    if results["skipped"]:
        lines += ["", "Skipped engines:"]
        lines += [f"- {LABELS[e]}: {note}" for e, note in results["skipped"].items()]
    lines += [
        "",
        "What is measured:",
        "- `mlp`: micrograd's moons demo step: `MLP(2, [16, 16, 1])` on 100 points "
        "(`autograd_mini.data.make_moons(100, noise=0.1, seed=1)`), hinge loss + L2 "
        "(alpha 1e-4), `zero_grad`, `backward`, SGD update; the same initial weights in "
        "every engine (the compiled step is traced once, before timing).",
        "- `chain`: `y = y * 1.0000001 + 1e-7` until the chain has that many ops, then "
        "backward (micrograd needs `sys.setrecursionlimit` raised for it; the run raises it).",
        "- `wide`: `sum(x_i * w_i)` over leaves made beforehand, forward + backward.",
        "- `wconst`: `sum(x_i * w_i)` of plain numbers x_i (a linear model's data) and "
        "leaves w_i made beforehand, forward + backward.",
        "- `lm`: one training step of the names GPT of `autograd_mini.models` (default size: "
        "n_embd 16, 4 heads, one layer, 4,272 parameters) on the fixed name \"isabella\" (8 "
        "next-character predictions): forward, cross-entropy, `zero_grad`, `backward`, Adam "
        "step; autograd_mini only (the model is written with its `nn`). The compiled step "
        "replays one trace, so its loss agrees with eager's to rounding (the softmax shift is "
        "read from the data when traced).",
        f"- `memory`: tracemalloc bytes per node (leaves, products and sums) of the `wide` "
        f"graph of {cfg['memory']:,} products after forward + backward, graph alive (bytes "
        f"per node do not depend on the size; micrograd under tracemalloc is too slow at "
        f"100,000). PyTorch's graph lives in C++ memory, which tracemalloc cannot see.",
        "",
    ]
    return "\n".join(lines)


