#!/usr/bin/env python3
"""Compare generation speed of Hugging Face transformers and Bamboo on the same model and token counts.

Runs, for one Hugging Face model directory:
  * transformers, eager attention, dynamic cache;
  * transformers, static cache + torch.compile of the forward pass;
  * Bamboo (`bamboo bench`), once per sparsity mode (dense and the model's sparse mode by default),
and measures prompt processing (ppN: one forward pass over N tokens) and generation (tgN: N tokens fed one at a time
through the model and its KV cache, from an empty context), the same tests `bamboo bench` and llama-bench run. Also
checks that both pick the same greedy tokens after a fixed prompt. Writes compare.md, compare.json and compare.png
(bar chart of tokens per second) to --out.

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
import types

EXIT_USAGE = 2
EXIT_MISSING = 3
# bamboo's name for each --backend choice
BAMBOO_BACKENDS = {"cpu": "cpu", "tornadovm": "tornado"}
# the greedy agreement check: tokens generated after this prompt
AGREEMENT_PROMPT = "The GNU General Public License is"
AGREEMENT_TOKENS = 8


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="run.sh",
        description="Side-by-side speed of transformers (eager; static cache + torch.compile) and Bamboo "
                    "(dense and sparse) on one Hugging Face model: markdown + JSON table and a PNG bar chart.")
    p.add_argument("model_dir", metavar="MODEL_DIR", help="Hugging Face model directory (config.json, weights, tokenizer)")
    p.add_argument("--prompt-tokens", type=int, default=64, help="prompt length of the pp test (default: 64)")
    p.add_argument("--gen-tokens", type=int, default=16, help="tokens generated in the tg test (default: 16)")
    p.add_argument("--repetitions", type=int, default=3, help="timed runs per test, after the warm-up (default: 3)")
    p.add_argument("--warm-up", type=float, default=1.0, metavar="S",
                   help="untimed runs before each test's timed ones, for at least S seconds, on both sides "
                        "(bamboo bench --warm-up); 0 = one run (default: 1)")
    # the CPUs this process may run on (a container or taskset may allow fewer than the machine has)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    p.add_argument("--threads", type=int, default=cpus, help=f"CPU threads for both (default: the CPUs this process may use, {cpus})")
    p.add_argument("--backend", choices=list(BAMBOO_BACKENDS), default="cpu", help="Bamboo backend (default: cpu)")
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
    if not args.warm_up >= 0:
        p.exit(EXIT_USAGE, "error: --warm-up must be 0 or more seconds\n")
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


def drelu_forward(self, x):
    """Bamboo's FFN, dReLU: down(relu(gate x) * relu(up x)); Llama's MLP applies the activation to the gate only."""
    return self.down_proj(self.act_fn(self.gate_proj(x)) * self.act_fn(self.up_proj(x)))


def load_transformers(mods, args, compiled, notes):
    torch, transformers = mods["torch"], mods["transformers"]
    kwargs = {"dtype": getattr(torch, args.dtype), "output_loading_info": True}
    if not compiled:
        kwargs["attn_implementation"] = "eager"
    with open(os.path.join(args.model_dir, "config.json")) as f:
        config = json.load(f)
    if config.get("model_type") == "bamboo" and "auto_map" not in config:
        # transformers has no Bamboo class and the folder no modelling code of its own (auto_map), so
        # --trust-remote-code cannot help. Bamboo is Mistral with a dReLU FFN, which replaces the MLP's forward where
        # hidden_act is relu (Bamboo runs the other activations as gated FFNs, as transformers does). Bamboo applies
        # sliding_window as Mistral does, and ignores one that is null, 0 or no shorter than the context: then it is
        # Llama (whose static cache, unlike Mistral's sliding-window one, torch.compile runs without recompiling).
        window = config.get("sliding_window")
        family = "Mistral" if window and window < config.get("max_position_embeddings", 2048) else "Llama"
        config.pop("model_type")
        kwargs["config"] = getattr(transformers, family + "Config").from_dict(config)
        model, info = getattr(transformers, family + "ForCausalLM").from_pretrained(args.model_dir, **kwargs)
        drelu = config.get("hidden_act") == "relu"
        if drelu:
            for layer in model.model.layers:
                layer.mlp.forward = types.MethodType(drelu_forward, layer.mlp)
        notes[f"model_type bamboo: transformers runs it as {family}ForCausalLM"
              + (" with the dReLU FFN down(relu(gate x) * relu(up x))" if drelu else "")] = None
    else:
        model, info = transformers.AutoModelForCausalLM.from_pretrained(args.model_dir, trust_remote_code=args.trust_remote_code, **kwargs)
    predictor = [k for k in info["unexpected_keys"] if ".predictor." in k]
    if predictor:
        notes[f"transformers ignores the {len(predictor)} predictor tensors embedded in the checkpoint (TurboSparse "
              "layout, mlp.predictor.*): it runs the dense model"] = None
    return model.eval()


def time_transformers(mods, args, model, compiled):
    """ppN and tgN as bamboo bench runs them (BenchRunner.runOnce): BOS and random tokens from an empty KV cache,
    no sampling. ppN: one forward pass over N tokens; tgN: N forward passes of one token each."""
    torch, cache_utils = mods["torch"], importlib.import_module("transformers.cache_utils")
    engine = ("transformers static+compile" if compiled else "transformers eager") + ("" if args.dtype == "float32" else f" {args.dtype}")
    # the logits of the last position only, as Bamboo and llama-bench compute them (transformers >= 4.45; older
    # versions compute every position's)
    forward_params = inspect.signature(model.forward).parameters
    last_only = next(({name: 1} for name in ("logits_to_keep", "num_logits_to_keep") if name in forward_params), {})
    if compiled:
        # the default mode: "reduce-overhead" means CUDA graphs, and the model runs on the CPU
        model.forward = torch.compile(model.forward, fullgraph=True)
        # one static cache, emptied before each run: its tensors keep their addresses, so the graphs are not recompiled;
        # allocated now, or the first forward pass would allocate it and the next one (maybe a timed one) recompile
        c = model.config
        static = cache_utils.StaticCache(config=c, max_cache_len=max(args.prompt_tokens, args.gen_tokens))
        static.early_initialization(1, c.num_key_value_heads, getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads,
                                    model.dtype, model.device)

        def empty_cache():
            static.reset()
            return static
    else:
        def empty_cache():
            return cache_utils.DynamicCache(config=model.config)
    vocab = model.config.vocab_size
    bos = model.config.bos_token_id if model.config.bos_token_id is not None else 1
    gen = torch.Generator().manual_seed(1234)

    def inputs(n):
        ids = torch.randint(0, vocab, (1, n), generator=gen)
        ids[0, 0] = bos
        return ids
    prompt, tokens = inputs(args.prompt_tokens), inputs(args.gen_tokens)

    def pp():
        with torch.inference_mode():
            model(prompt, past_key_values=empty_cache(), use_cache=True, **last_only)

    def tg():
        with torch.inference_mode():
            cache = empty_cache()
            for i in range(args.gen_tokens):
                model(tokens[:, i:i + 1], past_key_values=cache, use_cache=True)

    rows = []
    for test, fn, n in ((f"pp{args.prompt_tokens}", pp, args.prompt_tokens), (f"tg{args.gen_tokens}", tg, args.gen_tokens)):
        # warm-up for at least --warm-up seconds, as bamboo bench's (it compiles the graphs for the compiled variant)
        start = time.perf_counter()
        fn()
        while time.perf_counter() - start < args.warm_up:
            fn()
        times = []
        for _ in range(args.repetitions):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        rows.append(summary(engine, test, n, times))
    return rows


def greedy_check(mods, args, model, prompt_ids, bamboo_text):
    """Whether transformers picks the greedy tokens Bamboo picked after AGREEMENT_PROMPT's ids. Compared as text: Bamboo
    prints text, and re-tokenizing it need not give back the ids it generated (a model may pick a segmentation the
    tokenizer would not). A difference is a warning, not a failure (a near tie of two logits may flip)."""
    torch, transformers = mods["torch"], mods["transformers"]
    check = {"prompt": AGREEMENT_PROMPT, "prompt_ids": prompt_ids, "max_tokens": AGREEMENT_TOKENS, "bamboo": bamboo_text}
    try:
        tok = transformers.AutoTokenizer.from_pretrained(args.model_dir)
    except Exception as e:  # e.g. a tokenizer.model, which transformers converts only with sentencepiece and protobuf
        check["skipped"] = (f"transformers cannot load the tokenizer ({type(e).__name__}: {str(e).strip().splitlines()[0]}); "
                            "for a tokenizer.model it needs pip install sentencepiece protobuf")
        print(f"warning: greedy check skipped: {check['skipped']}", file=sys.stderr)
        return check
    with torch.inference_mode():
        out = model.generate(torch.tensor([prompt_ids]), max_new_tokens=AGREEMENT_TOKENS, do_sample=False)[0].tolist()
    check["transformers_ids"] = out[len(prompt_ids):]
    # decoded on its own, as bamboo generate prints it; SentencePiece drops the leading space of the first word there,
    # and some of transformers' tokenizers keep it, so a leading space does not count
    check["transformers"] = tok.decode(check["transformers_ids"], skip_special_tokens=True)
    check["agree"] = check["transformers"].removeprefix(" ") == bamboo_text.removeprefix(" ")
    if not check["agree"]:
        print(f"warning: the greedy continuations differ: Bamboo {bamboo_text!r}, transformers {check['transformers']!r}", file=sys.stderr)
    return check


def bamboo(args, *argv):
    """Runs one bamboo command; its stdout, or stop with its last error line."""
    cmd = [args.bamboo, *argv, "-m", args.model_dir]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        sys.exit(f"error: cannot run {args.bamboo} ({e}); pass the bamboo launcher with --bamboo")
    if done.returncode != 0:
        sys.exit(f"error: bamboo {argv[0]} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return done.stdout


def run_bamboo(args):
    """bamboo bench's rows, the weight types bamboo info reports, and the greedy agreement check's prompt ids and
    Bamboo's continuation (dense FFN, as transformers computes it)."""
    backend = BAMBOO_BACKENDS[args.backend]
    out = bamboo(args, "bench", "-p", str(args.prompt_tokens), "-n", str(args.gen_tokens), "-r", str(args.repetitions),
                 "-t", str(args.threads), "--warm-up", str(args.warm_up), "--sparsity", args.sparsity, "--backend", backend, "-o", "json")
    rows, seen = [], set()
    for r in json.loads(out):
        key = (r["sparsity"], r["n_prompt"], r["n_gen"])
        if key in seen:  # auto may resolve to a mode already listed
            continue
        seen.add(key)
        test = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
        row = {"engine": f"bamboo {r['sparsity']} ({r['backend']})", "test": test, "n_tokens": r["n_prompt"] or r["n_gen"],
               "samples_ns": r["samples_ns"], "avg_ts": r["avg_ts"], "stddev_ts": r["stddev_ts"],
               # PowerInfer's predictor rule skips the neurons its predictor expects to be zero: not the dense model
               "approximate": r["sparsity"] == "predicted"}
        if r.get("active_fraction") is not None:
            row["active_fraction"] = r["active_fraction"]
        rows.append(row)
    tensor_types = json.loads(bamboo(args, "info", "--json"))["tensor_types"]
    # transformers starts from Bamboo's prompt ids: a difference between the two tokenizers is not the models'
    prompt_ids = json.loads(bamboo(args, "tokenize", "--bos", "--json", "-p", AGREEMENT_PROMPT))
    text = bamboo(args, "generate", "-p", AGREEMENT_PROMPT, "-n", str(AGREEMENT_TOKENS), "--temp", "0", "--sparsity", "dense",
                  "-t", str(args.threads), "--backend", backend)
    return rows, tensor_types, prompt_ids, text.removesuffix("\n")  # generate ends its output with a line break


def write_outputs(mods, args, rows, tensor_types, notes, check):
    os.makedirs(args.out, exist_ok=True)
    tests = sorted({r["test"] for r in rows}, key=lambda t: (t[:2] != "pp", t))
    engines = list(dict.fromkeys(r["engine"] for r in rows))
    approximate = {r["engine"] for r in rows if r.get("approximate")}
    by = {(r["engine"], r["test"]): r for r in rows}
    warm_up = f"at least {args.warm_up:g} s of warm-up runs" if args.warm_up > 0 else "one warm-up run"
    types_text = ", ".join(f"{t} ×{n}" for t, n in tensor_types.items())
    lines = [f"Model: `{os.path.abspath(args.model_dir)}`, {args.threads} threads, {args.repetitions} timed runs per test after "
             f"{warm_up} (t/s, mean ± stddev)", "",
             f"transformers {mods['transformers'].__version__} on PyTorch {mods['torch'].__version__}, weights in {args.dtype}; "
             f"Bamboo's tensors (bamboo info): {types_text}", "",
             "| engine | " + " | ".join(tests) + " |", "| --- | " + " | ".join("---:" for _ in tests) + " |"]
    for e in engines:
        cells = [f"{by[(e, t)]['avg_ts']:.2f} ± {by[(e, t)]['stddev_ts']:.2f}" if (e, t) in by else "-" for t in tests]
        lines.append(f"| {e}{' †' if e in approximate else ''} | " + " | ".join(cells) + " |")
    if approximate:
        lines += ["", "† approximate: PowerInfer's predictor rule computes only the FFN neurons the predictor selects, "
                      "so this is not the dense model the other rows compute."]
    heading = f"Greedy check, {AGREEMENT_TOKENS} tokens after {AGREEMENT_PROMPT!r} (Bamboo dense, transformers eager): "
    if "skipped" in check:
        lines += ["", heading + "skipped: " + check["skipped"]]
    elif check["agree"]:
        lines += ["", heading + f"the same, {check['bamboo']!r}"]
    else:
        lines += ["", heading + f"**they differ** (a warning): Bamboo {check['bamboo']!r}, transformers {check['transformers']!r}"]
    if notes:
        lines += [""] + [f"Note: {n}." for n in notes]
    with open(os.path.join(args.out, "compare.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    meta = {"model_dir": os.path.abspath(args.model_dir), "threads": args.threads, "repetitions": args.repetitions,
            "warm_up_s": args.warm_up, "prompt_tokens": args.prompt_tokens, "gen_tokens": args.gen_tokens, "backend": args.backend,
            "transformers_dtype": args.dtype, "transformers_version": mods["transformers"].__version__,
            "torch_version": mods["torch"].__version__, "bamboo_tensor_types": tensor_types, "notes": list(notes)}
    with open(os.path.join(args.out, "compare.json"), "w") as f:
        json.dump({"settings": meta, "results": rows, "greedy_check": check}, f, indent=2)

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
    # Bamboo first: when it fails, no time has gone into transformers
    bamboo_rows, tensor_types, prompt_ids, bamboo_text = run_bamboo(args)
    mods["torch"].set_num_threads(args.threads)
    notes = {}  # an ordered set: both variants load the model and may note the same thing
    eager = load_transformers(mods, args, False, notes)
    rows = time_transformers(mods, args, eager, compiled=False)
    check = greedy_check(mods, args, eager, prompt_ids, bamboo_text)
    del eager  # the compiled variant loads its own copy
    if not args.skip_compile:
        rows += time_transformers(mods, args, load_transformers(mods, args, True, notes), compiled=True)
    write_outputs(mods, args, rows + bamboo_rows, tensor_types, notes, check)


if __name__ == "__main__":
    main(sys.argv[1:])
