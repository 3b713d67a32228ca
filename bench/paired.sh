#!/usr/bin/env bash
# Per-round Sluice/PgBouncer ratios from a pgbench-compare results.tsv, with a confidence interval for their mean.
# The harness interleaves targets round by round, so round i of each target ran under nearly the same machine
# load; the ratio of the pair is steadier than either median, and its spread says whether a difference is real.
set -euo pipefail
tsv=${1:?usage: bench/paired.sh RESULTS_DIR/results.tsv [TARGET] [BASELINE]}
target=${2:-sluice}
base=${3:-pgbouncer}
awk -F'\t' -v T="$target" -v B="$base" '
    # two-sided 95% Student t quantiles by degrees of freedom (rounds - 1)
    BEGIN {
        split("12.71 4.30 3.18 2.78 2.57 2.45 2.36 2.31 2.26 2.23 2.20 2.18 2.16 2.14 2.13", t, " ")
    }
    NR > 1 && $5 == "ok" && ($2 == T || $2 == B) {
        key = $1 SUBSEP $3
        tps[$2, key] = $6
        cpu[$2, key] = $13
        if (!(($1) in seen)) { seen[$1] = 1; order[++ns] = $1 }
    }
    END {
        printf "| scenario | rounds | %s/%s TPS: geometric mean | 95%% interval | per round min-max | rounds %s ahead | pooler CPU per txn ratio |\n", T, B, T
        print "|---|---:|---:|---|---|---:|---:|"
        for (i = 1; i <= ns; i++) {
            s = order[i]
            n = 0; sum = 0; sq = 0; lo = 1e9; hi = 0; ahead = 0; csum = 0; cn = 0
            for (k in tps) {
                split(k, p, SUBSEP)
                if (p[1] != T || p[2] != s) continue
                kb = B SUBSEP p[2] SUBSEP p[3]
                if (!(kb in tps) || tps[k] <= 0 || tps[kb] <= 0) continue
                r = tps[k] / tps[kb]
                n++; sum += log(r); sq += log(r) ^ 2
                if (r < lo) lo = r
                if (r > hi) hi = r
                if (r > 1) ahead++
                if (cpu[k] != "" && cpu[kb] != "" && cpu[kb] > 0) {
                    csum += log((cpu[k] / tps[k]) / (cpu[kb] / tps[kb])); cn++
                }
            }
            if (n == 0) continue
            m = sum / n
            interval = "-"
            if (n > 1) {
                sd = sqrt((sq - n * m * m) / (n - 1))
                d = n - 1
                q = (d in t) ? t[d] : 2.1 # beyond 16 rounds: t stays between 2.12 and 1.96
                half = q * sd / sqrt(n)
                interval = sprintf("%.2fx-%.2fx", exp(m - half), exp(m + half))
            }
            printf "| %s | %d | %.2fx | %s | %.2fx-%.2fx | %d/%d | %s |\n", s, n, exp(m), interval, lo, hi, ahead, n,
                cn ? sprintf("%.2fx", exp(csum / cn)) : "-"
        }
    }' "$tsv"
