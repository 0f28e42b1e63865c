#!/usr/bin/env python3
"""Cross-check of core/volatility.c and core/interval_score.c: an independent
pure-Python implementation (standard library only) of the protocol of
bench/volatility.c, run beside the C driver on the same CSV files.

Per CSV (Yahoo layout): r[k] = log(close[k+1] / close[k]); the last 20 % of
returns are the test days; GARCH(1,1), Gaussian QML, zero mean, fitted on the
last 2,500 training returns by Nelder-Mead on the raw parameters (omega,
alpha, beta) with a penalty outside the constraints (a different
parameterisation and optimiser from the C code's log/logit one), seeded with
the mean square of that window; EWMA 0.94 seeded with the mean square of the
last 250 training returns; Gaussian quantiles from statistics.NormalDist
(Wichura's AS 241); the calm/volatile thirds by the trailing 20-day
population standard deviation; Kupiec and Christoffersen likelihood ratios.

This is a measurement, not a test: it prints both sets of figures and their
largest differences.

    bench/volatility_check.py --bin build/bench_volatility FILE.csv [...]
"""
import argparse
import csv
import math
import os
import statistics
import subprocess
import sys

GARCH_WINDOW, EWMA_WINDOW, VOL_WINDOW = 2500, 250, 20
Z = statistics.NormalDist()


def closes(path):
    out, prev = [], ""
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                c = float(row["Close"])
            except (KeyError, ValueError, TypeError):
                continue
            d = row.get("Date") or ""
            if c > 0 and math.isfinite(c) and d > prev:
                out.append(c)
                prev = d
    return out


def nll(r, w, a, b, s0):
    s2, tot = s0, 0.0
    for t, x in enumerate(r):
        if t:
            s2 = w + a * r[t - 1] ** 2 + b * s2
        tot += math.log(s2) + x * x / s2
    return 0.5 * tot / len(r)


def nelder_mead(f, x0, max_iter=4000, xatol=1e-10, fatol=1e-10):
    """Textbook Nelder-Mead, initial simplex +5 % on each coordinate."""
    n = len(x0)
    pts = [list(x0)]
    for i in range(n):
        p = list(x0)
        p[i] = p[i] * 1.05 if p[i] != 0 else 0.00025
        pts.append(p)
    vals = [f(p) for p in pts]
    for _ in range(max_iter):
        order = sorted(range(n + 1), key=lambda i: vals[i])
        pts = [pts[i] for i in order]
        vals = [vals[i] for i in order]
        size = max(abs(pts[i][j] - pts[0][j]) for i in range(1, n + 1) for j in range(n))
        if size <= xatol and vals[-1] - vals[0] <= fatol:
            break
        cen = [sum(p[j] for p in pts[:-1]) / n for j in range(n)]
        xr = [2 * cen[j] - pts[-1][j] for j in range(n)]
        fr = f(xr)
        if fr < vals[0]:
            xe = [3 * cen[j] - 2 * pts[-1][j] for j in range(n)]
            fe = f(xe)
            pts[-1], vals[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < vals[-2]:
            pts[-1], vals[-1] = xr, fr
        else:
            if fr < vals[-1]:
                xc = [0.5 * (cen[j] + xr[j]) for j in range(n)]
                fc = f(xc)
                ok = fc <= fr
            else:
                xc = [0.5 * (cen[j] + pts[-1][j]) for j in range(n)]
                fc = f(xc)
                ok = fc < vals[-1]
            if ok:
                pts[-1], vals[-1] = xc, fc
            else:
                for i in range(1, n + 1):
                    pts[i] = [0.5 * (pts[0][j] + pts[i][j]) for j in range(n)]
                    vals[i] = f(pts[i])
    i = min(range(n + 1), key=lambda k: vals[k])
    return pts[i], vals[i]


def garch_fit(r):
    s0 = sum(x * x for x in r) / len(r)

    def obj(p):
        w, a, b = p
        if w <= 0 or a < 0 or b < 0 or a + b >= 0.9999:
            return 1e12
        return nll(r, w, a, b, s0)

    best = None
    for a, b in ((0.05, 0.90), (0.10, 0.85), (0.03, 0.95)):
        x, fx = nelder_mead(obj, [s0 * (1 - a - b), a, b])
        x, fx = nelder_mead(obj, x)  # one restart from the optimum
        if best is None or fx < best[1]:
            best = (x, fx)
    return best[0], best[1], s0


def xlogp(k, p):
    return k * math.log(p) if k else 0.0


def chi2_sf(x):
    return math.erfc(math.sqrt(x / 2)) if x > 0 else 1.0


def kupiec(n, x, a):
    if n == 0:
        return 1.0
    ph = x / n
    return chi2_sf(-2 * (xlogp(n - x, 1 - a) + xlogp(x, a) - xlogp(n - x, 1 - ph) - xlogp(x, ph)))


def christoffersen(miss):
    c = {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 0}
    for u, v in zip(miss, miss[1:]):
        c[(u, v)] += 1
    n00, n01, n10, n11 = c[(0, 0)], c[(0, 1)], c[(1, 0)], c[(1, 1)]
    tot = n00 + n01 + n10 + n11
    if tot == 0 or n01 + n11 == 0 or n00 + n10 == 0:
        return 1.0
    pi = (n01 + n11) / tot
    l0 = xlogp(n00 + n10, 1 - pi) + xlogp(n01 + n11, pi)
    l1 = 0.0
    if n00 + n01:
        p = n01 / (n00 + n01)
        l1 += xlogp(n00, 1 - p) + xlogp(n01, p)
    if n10 + n11:
        p = n11 / (n10 + n11)
        l1 += xlogp(n10, 1 - p) + xlogp(n11, p)
    return chi2_sf(-2 * (l0 - l1))


def score(y, s2, vol):
    out = {}
    for level in (0.8, 0.95):
        a = 1 - level
        z = Z.inv_cdf(0.5 + level / 2)
        miss, tot = [], 0.0
        for yy, s in zip(y, s2):
            h = z * math.sqrt(s)
            m = yy < -h or yy > h
            miss.append(int(m))
            tot += 2 * h + (2 / a) * max(0.0, -h - yy) + (2 / a) * max(0.0, yy - h)
        tag = round(level * 100)
        n = len(y)
        out[f"cov{tag}"] = 1 - sum(miss) / n
        out[f"is{tag}"] = tot / n
        out[f"kupiec{tag}"] = kupiec(n, sum(miss), a)
        out[f"indep{tag}"] = christoffersen(miss)
        if level == 0.8:
            order = sorted(range(n), key=lambda i: (vol[i], i))
            k = n // 3
            for name, idx in (("calm80", order[:k]), ("mid80", order[k:n - k]), ("wild80", order[n - k:])):
                out[name] = 1 - sum(miss[i] for i in idx) / len(idx)
    return out


def python_figures(path):
    c = closes(path)
    r = [math.log(c[k + 1] / c[k]) for k in range(len(c) - 1)]
    n = len(r)
    n_test = n // 5
    n_train = n - n_test
    vol = []
    for t in range(n_train, n):
        win = r[max(0, t - VOL_WINDOW):t]
        vol.append(statistics.pstdev(win) if len(win) > 1 else 0.0)
    g0 = max(0, n_train - GARCH_WINDOW)
    (w, a, b), f, s0 = garch_fit(r[g0:n_train])
    s2, path_g = s0, []
    for t in range(g0, n):
        if t >= n_train:
            path_g.append(s2)
        s2 = w + a * r[t] ** 2 + b * s2
    e0 = n_train - EWMA_WINDOW
    e2, path_e = sum(x * x for x in r[e0:n_train]) / EWMA_WINDOW, []
    for t in range(e0, n):
        if t >= n_train:
            path_e.append(e2)
        e2 = 0.94 * e2 + 0.06 * r[t] ** 2
    y = r[n_train:]
    head = {"test_days": n_test, "garch_omega": w, "garch_alpha": a, "garch_beta": b, "garch_nll": f}
    return head, {"garch": score(y, path_g, vol), "ewma": score(y, path_e, vol)}


def c_figures(binary, path):
    out = subprocess.run([binary, path], capture_output=True, text=True, check=True).stdout
    head, models = {}, {}
    for line in out.splitlines():
        parts = line.split()
        kv = dict(p.split("=", 1) for p in parts if "=" in p)
        vals = {k: float(v) for k, v in kv.items()}
        if parts[1] in ("garch", "ewma"):
            models[parts[1]] = vals
        else:
            head = vals
    return head, models


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True, help="build/bench_volatility")
    ap.add_argument("csv", nargs="+")
    args = ap.parse_args()
    keys = ("cov80", "calm80", "mid80", "wild80", "cov95", "is80", "is95", "kupiec95", "indep95")
    worst, rows = {}, []
    print(f"{'ticker':7s} {'model':5s} {'impl':4s} " + " ".join(f"{k:>9s}" for k in keys))
    for path in args.csv:
        t = os.path.basename(path).split(".")[0]
        ch, cm = c_figures(args.bin, path)
        ph, pm = python_figures(path)
        print(f"{t}: {int(ch['test_days'])} test days; GARCH C  omega {ch['garch_omega']:.4g} alpha "
              f"{ch['garch_alpha']:.4f} beta {ch['garch_beta']:.4f} nll {ch['garch_nll']:.8f}")
        print(f"{'':{len(t)}s}  {'':14s} GARCH Py omega {ph['garch_omega']:.4g} alpha "
              f"{ph['garch_alpha']:.4f} beta {ph['garch_beta']:.4f} nll {ph['garch_nll']:.8f}")
        rows.append(cm)
        for m in ("ewma", "garch"):
            for impl, s in (("C", cm[m]), ("py", pm[m])):
                cells = []
                for k in keys:
                    v = s[k]
                    cells.append(f"{v * 1e4:9.1f}" if k.startswith("is") else
                                 f"{v:9.4f}" if k.startswith(("kupiec", "indep")) else f"{v * 100:9.2f}")
                print(f"{t:7s} {m:5s} {impl:4s} " + " ".join(cells))
            for k in keys:
                d = abs(cm[m][k] - pm[m][k])
                if k.startswith("is"):
                    d /= pm[m][k]
                worst[(m, k)] = max(worst.get((m, k), 0.0), d)
    print("units: coverage in %, interval score in basis points of log return")
    print("largest |C - py|: coverage in points, interval score in % of it, p-values absolute")
    for m in ("ewma", "garch"):
        print(f"  {m:5s} " + "  ".join(
            f"{k} {worst[(m, k)] * (100 if not k.startswith(('kupiec', 'indep')) else 1):.3g}" for k in keys))
    med = statistics.median
    print(f"C figures, medians over {len(rows)} tickers "
          "(interval score relative to GARCH's on the same days):")
    for m in ("ewma", "garch"):
        col = {k: med(r[m][k] for r in rows) for k in ("cov80", "calm80", "wild80", "cov95")}
        rel = [med(r[m][k] / r["garch"][k] for r in rows) for k in ("is80", "is95")]
        worst3 = max(max(abs(r[m]["calm80"] - 0.8), abs(r[m]["wild80"] - 0.8)) for r in rows)
        clus = sum(r[m]["indep95"] < 0.05 for r in rows)
        print(f"  {m:5s} cov80 {col['cov80'] * 100:.1f} %  calm80 {col['calm80'] * 100:.1f} %  "
              f"wild80 {col['wild80'] * 100:.1f} %  cov95 {col['cov95'] * 100:.1f} %  "
              f"is x{rel[0]:.3f} / x{rel[1]:.3f}  worst third {worst3 * 100:.1f} pts off 80 %  "
              f"95 % misses clustered (p < 0.05) on {clus} of {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
