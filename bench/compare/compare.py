#!/usr/bin/env python3
"""Compare generation speed of Hugging Face transformers and Bamboo on the same model and token counts.

Runs, for one Hugging Face model directory:
  * transformers, eager attention, dynamic cache;
  * transformers, static cache + torch.compile of the forward pass;
  * Bamboo (`bamboo bench`), once per sparsity mode (dense and the model's sparse mode by default),
and measures prompt processing (ppN: one forward pass over N tokens) and generation (tgN: N tokens after a
1-token context), the same tests `bamboo bench` and llama-bench run. Writes compare.md, compare.json and
compare.png (bar chart of tokens per second) to --out.

Needs PyTorch, transformers and matplotlib; without them it stops with a message saying what to install.
"""
import argparse
import importlib
import inspect
import json
import os
import statistics
import subprocess
import sys
import time

EXIT_USAGE = 2
EXIT_MISSING = 3


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="run.sh",
        description="Side-by-side speed of transformers (eager; static cache + torch.compile) and Bamboo "
                    "(dense and sparse) on one Hugging Face model: markdown + JSON table and a PNG bar chart.")
    p.add_argument("model_dir", metavar="MODEL_DIR", help="Hugging Face model directory (config.json, weights, tokenizer)")
    p.add_argument("--prompt-tokens", type=int, default=64, help="prompt length of the pp test (default: 64)")
    p.add_argument("--gen-tokens", type=int, default=16, help="tokens generated in the tg test (default: 16)")
    p.add_argument("--repetitions", type=int, default=3, help="timed runs per test, after one warm-up (default: 3)")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads for both (default: all cores)")
    p.add_argument("--backend", choices=["cpu", "tornadovm"], default="cpu", help="Bamboo backend (default: cpu)")
    p.add_argument("--sparsity", default="dense,auto", help="Bamboo modes, comma-separated (default: dense,auto)")
    p.add_argument("--out", default="compare-out", help="output directory (default: ./compare-out)")
    p.add_argument("--bamboo", default="bamboo", help="the bamboo launcher (run.sh passes the repository's)")
    p.add_argument("--trust-remote-code", action="store_true", help="let transformers run the model's own code (custom architectures)")
    p.add_argument("--skip-compile", action="store_true", help="skip the static cache + torch.compile variant")
    p.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default="float32",
                   help="transformers' weight type (default: float32, what PyTorch computes fastest on most CPUs; "
                        "bfloat16 reads the bytes a bf16 checkpoint gives Bamboo)")
    args = p.parse_args(argv)
    if not os.path.isdir(args.model_dir):
        p.exit(EXIT_USAGE, f"error: MODEL_DIR {args.model_dir} is not a directory; give a Hugging Face model directory\n")
    if not os.path.isfile(os.path.join(args.model_dir, "config.json")):
        p.exit(EXIT_USAGE, f"error: {args.model_dir} has no config.json; give a Hugging Face model directory\n")
    for name in ("prompt_tokens", "gen_tokens", "repetitions", "threads"):
        if getattr(args, name) < 1:
            p.exit(EXIT_USAGE, f"error: --{name.replace('_', '-')} must be at least 1\n")
    return args


def require_modules():
    """Imports torch, transformers and matplotlib, or stops with one message naming what is missing."""
    missing, loaded = [], {}
    for name in ("torch", "transformers", "matplotlib"):
        try:
            loaded[name] = importlib.import_module(name)
        except Exception as e:  # ImportError, or a broken install raising something else
            missing.append(f"{name} ({type(e).__name__}: {e})" if str(e) else name)
    if missing:
        sys.stderr.write("error: this comparison needs PyTorch, transformers and matplotlib, and these cannot be imported: "
                         + ", ".join(missing) + "; install them with: pip install torch transformers matplotlib\n")
        sys.exit(EXIT_MISSING)
    return loaded


def summary(engine, test, tokens, seconds):
    ts = [tokens / s for s in seconds]
    return {"engine": engine, "test": test, "n_tokens": tokens, "samples_ns": [round(s * 1e9) for s in seconds],
            "avg_ts": statistics.mean(ts), "stddev_ts": statistics.stdev(ts) if len(ts) > 1 else 0.0}


def run_transformers(mods, args, compiled):
    torch, transformers = mods["torch"], mods["transformers"]
    torch.set_num_threads(args.threads)
    kwargs = {"torch_dtype": getattr(torch, args.dtype), "trust_remote_code": args.trust_remote_code}
    if not compiled:
        kwargs["attn_implementation"] = "eager"
    model = transformers.AutoModelForCausalLM.from_pretrained(args.model_dir, **kwargs).eval()
    engine = ("transformers static+compile" if compiled else "transformers eager") + ("" if args.dtype == "float32" else f" {args.dtype}")
    # the pp test computes the logits of the last position only, as Bamboo and llama-bench do (transformers >= 4.45;
    # older versions compute every position's)
    forward_params = inspect.signature(model.forward).parameters
    last_only = next(({name: 1} for name in ("logits_to_keep", "num_logits_to_keep") if name in forward_params), {})
    if compiled:
        model.generation_config.cache_implementation = "static"
        model.forward = torch.compile(model.forward, mode="reduce-overhead", fullgraph=True)
    vocab = model.config.vocab_size
    bos = model.config.bos_token_id if model.config.bos_token_id is not None else 1
    gen = torch.Generator().manual_seed(1234)
    prompt = torch.randint(0, vocab, (1, args.prompt_tokens), generator=gen)
    prompt[0, 0] = bos
    start = torch.tensor([[bos]])

    def pp():
        with torch.inference_mode():
            model(prompt, use_cache=False, **last_only)

    def tg():
        with torch.inference_mode():
            model.generate(start, max_new_tokens=args.gen_tokens, min_new_tokens=args.gen_tokens, do_sample=False)

    rows = []
    for test, fn, n in ((f"pp{args.prompt_tokens}", pp, args.prompt_tokens), (f"tg{args.gen_tokens}", tg, args.gen_tokens)):
        fn()  # warm-up (compiles the graph for the compiled variant)
        times = []
        for _ in range(args.repetitions):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        rows.append(summary(engine, test, n, times))
    return rows


def run_bamboo(args):
    cmd = [args.bamboo, "bench", "-m", args.model_dir, "-p", str(args.prompt_tokens), "-n", str(args.gen_tokens),
           "-r", str(args.repetitions), "-t", str(args.threads), "--sparsity", args.sparsity, "--backend", args.backend, "-o", "json"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        sys.exit(f"error: cannot run {args.bamboo} ({e}); pass the bamboo launcher with --bamboo")
    if done.returncode != 0:
        sys.exit(f"error: bamboo bench failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    rows, seen = [], set()
    for r in json.loads(done.stdout):
        key = (r["sparsity"], r["n_prompt"], r["n_gen"])
        if key in seen:  # auto may resolve to a mode already listed
            continue
        seen.add(key)
        test = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
        row = {"engine": f"bamboo {r['sparsity']} ({r['backend']})", "test": test, "n_tokens": r["n_prompt"] or r["n_gen"],
               "samples_ns": r["samples_ns"], "avg_ts": r["avg_ts"], "stddev_ts": r["stddev_ts"]}
        if r.get("active_fraction") is not None:
            row["active_fraction"] = r["active_fraction"]
        rows.append(row)
    return rows


def write_outputs(mods, args, rows):
    os.makedirs(args.out, exist_ok=True)
    tests = sorted({r["test"] for r in rows}, key=lambda t: (t[:2] != "pp", t))
    engines = list(dict.fromkeys(r["engine"] for r in rows))
    by = {(r["engine"], r["test"]): r for r in rows}
    lines = [f"Model: `{os.path.abspath(args.model_dir)}`, {args.threads} threads, {args.repetitions} runs per test (t/s, mean ± stddev)", "",
             "| engine | " + " | ".join(tests) + " |", "| --- | " + " | ".join("---:" for _ in tests) + " |"]
    for e in engines:
        cells = [f"{by[(e, t)]['avg_ts']:.2f} ± {by[(e, t)]['stddev_ts']:.2f}" if (e, t) in by else "-" for t in tests]
        lines.append(f"| {e} | " + " | ".join(cells) + " |")
    with open(os.path.join(args.out, "compare.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    meta = {"model_dir": os.path.abspath(args.model_dir), "threads": args.threads, "repetitions": args.repetitions,
            "prompt_tokens": args.prompt_tokens, "gen_tokens": args.gen_tokens, "backend": args.backend,
            "transformers_dtype": args.dtype}
    with open(os.path.join(args.out, "compare.json"), "w") as f:
        json.dump({"settings": meta, "results": rows}, f, indent=2)

    mods["matplotlib"].use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    fig, ax = plt.subplots(figsize=(2.5 + 1.8 * len(tests), 4.5))
    width = 0.8 / max(1, len(engines))
    for i, e in enumerate(engines):
        xs = [j + (i - (len(engines) - 1) / 2) * width for j in range(len(tests))]
        ys = [by[(e, t)]["avg_ts"] if (e, t) in by else 0 for t in tests]
        errs = [by[(e, t)]["stddev_ts"] if (e, t) in by else 0 for t in tests]
        ax.bar(xs, ys, width, yerr=errs, label=e, capsize=3)
    ax.set_xticks(range(len(tests)), tests)
    ax.set_ylabel("tokens / s")
    ax.set_title(os.path.basename(os.path.abspath(args.model_dir)) + f" ({args.threads} threads)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "compare.png"), dpi=120)
    print("\n".join(lines))
    print(f"\nwrote {args.out}/compare.md, compare.json, compare.png")


def main(argv):
    args = parse_args(argv)
    mods = require_modules()
    rows = run_transformers(mods, args, compiled=False)
    if not args.skip_compile:
        rows += run_transformers(mods, args, compiled=True)
    rows += run_bamboo(args)
    write_outputs(mods, args, rows)


if __name__ == "__main__":
    main(sys.argv[1:])
