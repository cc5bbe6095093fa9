#!/usr/bin/env python3
"""Plots SparseFfnBenchmark results (JMH JSON) as an SVG: FFN layer time against active fraction, per weight type.

    python3 bench/plot_sparse_ffn.py RESULTS.json OUT.svg

Uses only the standard library, so it runs wherever the benchmarks do.
"""
import json
import sys


def load(path):
    series = {}
    for r in json.load(open(path)):
        if not r["benchmark"].endswith("SparseFfnBenchmark.sparse"):
            continue
        p = r["params"]
        key = f'{p["type"]}, {p.get("threads", "1")} thread(s)'
        series.setdefault(key, []).append((int(p["activePercent"]), r["primaryMetric"]["score"] / 1000.0))
    for v in series.values():
        v.sort()
    return series


def svg(series, out):
    w, h, left, bottom, top, right = 640, 400, 70, 50, 30, 170
    xmax = 100
    ymax = max(ms for pts in series.values() for _, ms in pts) * 1.1
    sx = lambda x: left + (w - left - right) * x / xmax
    sy = lambda y: h - bottom - (h - bottom - top) * y / ymax
    colors = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>',
             f'<text x="{left}" y="18" font-size="14">Sparse FFN layer, Bamboo-7B shape (hidden 4096, FFN 14336)</text>',
             f'<line x1="{left}" y1="{sy(0)}" x2="{sx(xmax)}" y2="{sy(0)}" stroke="black"/>',
             f'<line x1="{left}" y1="{sy(0)}" x2="{left}" y2="{sy(ymax)}" stroke="black"/>',
             f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">active neurons (%)</text>',
             f'<text x="16" y="{(top + h - bottom) / 2}" transform="rotate(-90 16 {(top + h - bottom) / 2})" text-anchor="middle">ms per token</text>']
    for x in (0, 25, 50, 75, 100):
        parts.append(f'<text x="{sx(x)}" y="{sy(0) + 16}" text-anchor="middle">{x}</text>')
    for i in range(5):
        y = ymax * i / 4
        parts.append(f'<text x="{left - 6}" y="{sy(y) + 4}" text-anchor="end">{y:.1f}</text>')
    for n, (name, pts) in enumerate(sorted(series.items())):
        c = colors[n % len(colors)]
        path = " ".join(f'{sx(x):.1f},{sy(y):.1f}' for x, y in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2"/>')
        full = dict(pts).get(100)
        if full:  # proportional-time reference: time at 100 % scaled by the fraction
            ref = " ".join(f'{sx(x):.1f},{sy(full * x / 100):.1f}' for x, _ in pts)
            parts.append(f'<polyline points="{ref}" fill="none" stroke="{c}" stroke-dasharray="4 3" stroke-width="1"/>')
        for x, y in pts:
            parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{c}"/>')
        parts.append(f'<text x="{w - right + 10}" y="{top + 20 + 18 * n}" fill="{c}">{name}</text>')
    parts.append(f'<text x="{w - right + 10}" y="{top + 20 + 18 * len(series)}" fill="#555">dashed: proportional</text>')
    parts.append('</svg>')
    open(out, "w").write("\n".join(parts) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plot_sparse_ffn.py RESULTS.json OUT.svg")
    svg(load(sys.argv[1]), sys.argv[2])
