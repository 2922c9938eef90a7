"""RESULTS.md and the scale-curve PNG from the benchmark's raw results (RESULTS.json).

    .venv/bin/python bench/report.py [bench/RESULTS.json]     # re-render without measuring again

Everything in RESULTS.md comes from the JSON; the only hand-written part is bench/NOTES.md, which
is copied in (analysis of misses, profiles, what would close them) when it exists.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import peers

HERE = Path(__file__).resolve().parent
PLOT_NAME = "scale.png"
NOTES = HERE / "NOTES.md"
MB = 2**20
ORDER = ("ours", *peers.OURS_VIEWS, *peers.PEERS)
TARGET_P95_SNIPPETS_MS = 30.0
TARGET_RSS_MB = 500.0


def label(engine: str) -> str:
    cls = peers.ADAPTERS.get(engine)
    return cls.label if cls else engine


def num(value: float | None, digits: int = 1, scale: float = 1.0) -> str:
    if value is None:
        return "–"
    value = value / scale
    if abs(value) >= 100 and digits > 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ratio(ours: float | None, peer: float | None) -> str:
    if not ours or not peer:
        return "–"
    value = ours / peer
    return f"{value:.2f}×" if value < 10 else f"{value:.0f}×"


def engines_of(corpus: dict) -> list[str]:
    return [e for e in ORDER if e in corpus["engines"]]


def agg(corpus: dict, engine: str) -> dict:
    return corpus["engines"].get(engine, {}).get("aggregate", {})


def build_seconds(corpus: dict, engine: str) -> tuple[float | None, bool]:
    """Measured build seconds, or the estimate (flagged) when the engine was not built."""
    data = corpus["engines"].get(engine, {})
    seconds = data.get("aggregate", {}).get("build_seconds")
    if seconds is None and data.get("estimate"):
        return data["estimate"]["seconds"], True
    return seconds, False


# -- sections -------------------------------------------------------------------------------------


def header(results: dict, out: Path) -> list[str]:
    meta = results.get("meta", {})
    raw = out.with_suffix(".json").name
    lines = ["# Benchmark results", "",
             f"Written by `make bench` (`bench/run.py`); do not edit by hand. Raw numbers: [{raw}]({raw}); "
             "the full profile call tree: [PROFILE.txt](PROFILE.txt).", ""]
    for note in [*meta.get("notes", []), *(results.get("large_meta") or {}).get("notes", [])]:
        lines += [f"> {note}", ""]
    if meta.get("mode") == "quick":
        lines += ["> **Quick run** (`BENCH_ARGS=--quick`): tiny corpora and 50 queries to exercise every "
                  "code "
                  "path. These numbers say nothing about performance.", ""]
    return lines


def machine_section(results: dict) -> list[str]:
    meta = results.get("meta", {})
    m = meta.get("machine", {})
    lines = ["## Machine, versions and parameters", "",
             f"- Machine: {m.get('cores')} cores ({m.get('cpu')}), {m.get('memory_gb')} GB RAM, "
             f"{m.get('os')}, "
             f"Python {m.get('python')}; load average at start {m.get('load_average_at_start')}.",
             f"- Run: {meta.get('mode')} run from {meta.get('started')} to {meta.get('finished')} "
             f"({num(meta.get('total_seconds'), 0, 60)} min), engine at commit {meta.get('commit')}."]
    large = results.get("large_meta")
    if large:
        lines.append(f"- The 1M corpus comes from `make bench-large`, {large.get('started')} to "
                     f"{large.get('finished')} ({num(large.get('total_seconds'), 0, 60)} min), commit "
                     f"{large.get('commit')}; load average at start "
                     f"{large.get('machine', {}).get('load_average_at_start')}.")
    phases = meta.get("phases_seconds", {})
    if phases:
        spent = "; ".join(f"{k} {v / 60:.1f} min" for k, v in phases.items())
        lines.append(f"- Time per phase: {spent}.")
    settings = meta.get("settings", {})
    lines.append(f"- Parameters: generator seed {settings.get('seed')}, query log seed 7, "
                 f"{settings.get('query_count')} queries per corpus, top 10, rounds per corpus as listed "
                 f"below (medians over rounds), engines rebuilt in every round when their first build took "
                 f"at most {num(settings.get('rebuild_limit'), 0)} s, rank-bm25 at 100k+ and stock Whoosh at "
                 f"1M on the first {settings.get('sample_queries')} queries.")
    lines += ["", "| library | version |", "|---|---|"]
    lines += [f"| {name} | {version} |" for name, version in meta.get("versions", {}).items()]
    return [*lines, ""]


def corpora_section(results: dict) -> list[str]:
    lines = ["## Corpora", "",
             "Reuters-21578 as shipped in `$(SHARED)/data/reuters`; `syn-*` from "
             "`bench/corpus_gen.py` (seeded "
             "bigram chains over Reuters bodies and headlines, Reuters body lengths, Heaps'-law new words, "
             "a sprinkle of Reuters' frequent names). Vocabulary: distinct lowercased words. Every "
             "corpus is a "
             "folder of JSON Lines files of 100 articles, read alike by every engine.", "",
             "| corpus | documents | vocabulary | text MB | mean chars | new words coined | rounds "
             "| queries |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, corpus in results.get("corpora", {}).items():
        m = corpus.get("manifest", {})
        lines.append(f"| {name} | {corpus['docs']:,} | {num(m.get('vocabulary'), 0)} | "
                     f"{num(m.get('bytes'), 1, MB)} | {num(m.get('mean_chars'), 0)} | "
                     f"{num(m.get('coined_words'), 0) if corpus.get('synthetic') else '–'} | "
                     f"{corpus['rounds']} | "
                     f"`{corpus.get('query_log')}` ({corpus.get('queries')}) |")
    heaps = next((c["manifest"] for c in results.get("corpora", {}).values()
                  if c.get("synthetic") and c.get("manifest", {}).get("heaps_k")), None)
    if heaps:
        lines += ["", f"Heaps' law fitted on Reuters: V = {heaps['heaps_k']} · N^{heaps['heaps_beta']} "
                      "(N words so far); the generator coins words to follow it."]
    return [*lines, ""]


def corpus_section(name: str, corpus: dict) -> list[str]:
    planned = corpus.get("rounds_planned", corpus["rounds"])
    rounds = f"{corpus['rounds']} round(s)"
    if planned != corpus["rounds"]:
        rounds += f" of {planned} planned"
    lines = [f"## {name}: {corpus['docs']:,} documents, {rounds}", "",
             "| engine | build s | docs/s | build peak MB | index MB | search peak MB | p50 ms | "
             "p95 ms | p99 ms "
             "| QPS (1 thread) | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for engine in engines_of(corpus):
        a = agg(corpus, engine)
        data = corpus["engines"][engine]
        seconds, estimated = build_seconds(corpus, engine)
        notes = list(data.get("notes", []))
        if a.get("search_errors"):
            notes.append(f"{a['search_errors']:.0f} queries failed")
        if a.get("search_partial"):
            notes.append(f"{a['search_partial']:.0f} answers partial (time budget)")
        notes += [f"failed: {f}" for f in a.get("failures", [])[:1]]
        is_view = engine in peers.OURS_VIEWS
        build = f"~{num(seconds, 0)} (est.)" if estimated else num(seconds)
        build = "(same index)" if is_view else build
        dps = "" if is_view else (f"~{num(corpus['docs'] / seconds, 0)}" if estimated and seconds
                                     else num(a.get("build_docs_per_second"), 0))
        lines.append(
            f"| {label(engine)} | {build} | {dps} | "
            f"{'' if is_view else num(a.get('build_peak_memory_bytes'), 0, MB)} | "
            f"{'' if is_view else num(a.get('build_index_bytes'), 1, MB)} | "
            f"{num(a.get('search_peak_memory_bytes'), 0, MB)} | {ms(a.get('search_p50_ms'))} | "
            f"{ms(a.get('search_p95_ms'))} | {ms(a.get('search_p99_ms'))} | {num(a.get('search_qps'), 1)} | "
            f"{'; '.join(notes).replace('|', '/')} |")
    lines += ["", *ratio_table(corpus), *kind_table(corpus)]
    return lines


def ratio_table(corpus: dict) -> list[str]:
    views = [engine for engine in ("ours-grouped", "ours", "ours-ranking")
             if agg(corpus, engine).get("search_p50_ms")]
    if not views:
        return []
    lines = ["Ours ÷ peer (below 1 is better for us, except QPS where above 1 is). Latency of our full "
             "ranking with grouping (`Engine.stories`); in brackets, of `Engine.search` with snippets, "
             "then of the ranking alone.", "",
             "| peer | p50 | p99 | QPS | build time | index size | search memory |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    ours = agg(corpus, "ours")
    ours_build, _ = build_seconds(corpus, "ours")

    def ratios(key: str, peer: dict) -> str:
        values = [ratio(agg(corpus, view).get(key), peer.get(key)) for view in views]
        return values[0] + (f" ({' / '.join(values[1:])})" if len(values) > 1 else "")

    for engine in peers.PEERS:
        if engine not in corpus["engines"]:
            continue
        p = agg(corpus, engine)
        peer_build, estimated = build_seconds(corpus, engine)
        lines.append(
            f"| {label(engine)} | {ratios('search_p50_ms', p)} | {ratios('search_p99_ms', p)} | "
            f"{ratios('search_qps', p)} | "
            f"{ratio(ours_build, peer_build)}{' (est.)' if estimated else ''} | "
            f"{ratio(ours.get('build_index_bytes'), p.get('build_index_bytes'))} | "
            f"{ratio(ours.get('search_peak_memory_bytes'), p.get('search_peak_memory_bytes'))} |")
    return [*lines, ""]


def kind_table(corpus: dict) -> list[str]:
    engines = [e for e in ("ours", *peers.OURS_VIEWS, "whoosh", "tantivy") if agg(corpus, e).get("by_kind")]
    if not engines:
        return []
    kinds = sorted({k for e in engines for k in agg(corpus, e)["by_kind"]})
    lines = ["Latency by kind of query, p50 / p99 ms:", "",
             "| kind | " + " | ".join(label(e) for e in engines) + " |",
             "|---|" + "---:|" * len(engines)]
    for kind in kinds:
        cells = []
        for engine in engines:
            row = agg(corpus, engine)["by_kind"].get(kind, {})
            cells.append(f"{ms(row.get('p50_ms'))} / {ms(row.get('p99_ms'))}")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def targets_section(results: dict) -> list[str]:
    corpora = results.get("corpora", {})
    rows = []

    def half(name: str, key: str) -> None:
        """Our full ranking with grouping against the goal; with snippets beside it, for the record."""
        corpus = corpora.get(name)
        if not corpus:
            return
        whoosh = agg(corpus, "whoosh").get(key)
        ours = agg(corpus, "ours-grouped").get(key) or agg(corpus, "ours").get(key)
        if ours is None or whoosh is None:
            return
        goal = whoosh / 2
        snippets = agg(corpus, "ours").get(key)
        also = f"; with snippets {ms(snippets)} ms" if snippets and snippets != ours else ""
        rows.append((f"{name}: {key.split('_')[1]} at most half of stock Whoosh's (full ranking, grouped)",
                     f"{ms(ours)} ms vs {ms(whoosh)} ms (goal ≤ {ms(goal)} ms{also})", verdict(ours, goal)))

    for name in ("reuters", "syn-100k", "reuters-2k", "syn-3k"):
        half(name, "search_p50_ms")
        half(name, "search_p99_ms")
    big = corpora.get("syn-100k") or corpora.get("syn-3k")
    big_name = "syn-100k" if "syn-100k" in corpora else "syn-3k"
    if big:
        p95 = agg(big, "ours").get("search_p95_ms")
        if p95 is not None:
            goal = f"under {TARGET_P95_SNIPPETS_MS:.0f} ms"
            rows.append((f"{big_name}: p95 with snippets for the top 10 {goal}",
                         f"{ms(p95)} ms", verdict(p95, TARGET_P95_SNIPPETS_MS)))
        rss = agg(big, "ours").get("search_peak_memory_bytes")
        if rss is not None:
            rows.append((f"{big_name}: peak memory of a searching process under {TARGET_RSS_MB:.0f} MB",
                         f"{rss / MB:.0f} MB", verdict(rss / MB, TARGET_RSS_MB)))
    for name in ("reuters", "syn-100k", "reuters-2k"):
        corpus = corpora.get(name)
        if corpus:
            ours, whoosh = agg(corpus, "ours").get("build_docs_per_second"), agg(corpus, "whoosh").get(
                "build_docs_per_second")
            if ours and whoosh:
                rows.append((f"{name}: indexing (full analysis) at least as fast as stock Whoosh's",
                             f"{ours:.0f} vs {whoosh:.0f} docs/s", verdict(whoosh, ours)))
    if not rows:
        return []
    lines = ["## Targets (issue 6)", "", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return [*lines, ""]


def verdict(value: float, limit: float) -> str:
    if value <= limit:
        return "met"
    return f"missed by {value / limit:.1f}×"


def relevance_section(results: dict) -> list[str]:
    relevance = results.get("relevance") or {}
    if not relevance:
        return []
    collections = list(relevance)
    lines = ["## Relevance", "",
             "MAP and nDCG@10 by ir-measures over each collection's judged queries, runs of depth 1000 "
             "(`search.evaluate`, as `make eval`); ours is `Engine.ranked_ids` in the default "
             "configuration.", "",
             "| engine | " + " | ".join(f"{c} MAP | {c} nDCG@10" for c in collections) + " |",
             "|---|" + "---:|---:|" * len(collections)]
    engines = [e for e in ORDER if any(e in (relevance[c] or {}) for c in collections)]
    for engine in engines:
        cells = []
        for collection in collections:
            row = (relevance[collection] or {}).get(engine) or {}
            cells += [num(row.get("MAP"), 4), num(row.get("nDCG@10"), 4)]
        lines.append(f"| {label(engine)} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def http_section(results: dict) -> list[str]:
    extras = results.get("extras") or {}
    lines = []
    for key, title in (("http_search", "`/api/search`, 8 concurrent clients"),
                       ("load", "load test: 16 concurrent clients, searches, suggestions and "
                                "article fetches")):
        data = extras.get(key)
        if not data:
            continue
        if not lines:
            lines = ["## Our engine over HTTP (`search serve`, loopback)", "",
                     "The clients are threads of one Python process on the same 2-core machine as "
                     "the server, "
                     "each with a keep-alive connection, sending requests back to back "
                     "(`bench/load.py`).", ""]
        if "skipped" in data:
            lines += [f"- {title}: **skipped**: {data['skipped']}.", ""]
            continue
        lines += [f"**{title}** over {data.get('corpus')}, {data.get('seconds', 0):.0f} s: "
                  f"{data.get('throughput_rps', 0):.1f} requests/s, p50 {ms(data.get('p50_ms'))} ms, "
                  f"p95 {ms(data.get('p95_ms'))} ms, p99 {ms(data.get('p99_ms'))} ms; "
                  f"{data.get('errors', 0)} errors, {data.get('dropped', 0)} dropped connections.", ""]
        if len(data.get("by_kind", {})) > 1:
            lines += ["| request | count | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
            for kind, row in data["by_kind"].items():
                lines.append(f"| {kind} | {row.get('requests', 0)} | {ms(row.get('p50_ms'))} | "
                             f"{ms(row.get('p95_ms'))} | {ms(row.get('p99_ms'))} |")
            lines.append("")
        if data.get("error_samples"):
            lines += ["Errors seen: " + "; ".join(f"`{e}`" for e in data["error_samples"][:5]), ""]
    return lines


def slow_section(results: dict) -> list[str]:
    data = (results.get("extras") or {}).get("slow_queries")
    if not data:
        return []
    if "failed" in data:
        return ["## Slow-query regression list", "", f"Failed: {data['failed']}", ""]
    rows = data.get("queries", [])
    within = sum(1 for r in rows if r.get("within_bound"))
    lines = ["## Slow-query regression list (issue 7)", "",
             "`bench/slow_queries.txt` through `Engine.search(q, limit=10)` over "
             f"{data.get('corpus')}, one fresh "
             f"process, list order. Time budget {data.get('time_budget_seconds')} s; bound "
             f"{data.get('bound_seconds')} s: {within} of {len(rows)} queries within it.", "",
             "| query | ms | partial | total | note |", "|---|---:|---|---:|---|"]
    for row in rows:
        text = row["query"]
        if len(text) > 60:
            text = f"{text[:57]}… ({len(text)} chars)"
        text = text.replace("|", "\\|").replace("`", "'")
        warned = f"{row['warnings']} warning(s)" if row.get("warnings") else ""
        note = row.get("refused") or row.get("error") or warned
        lines.append(f"| `{text}` | {row['ms']:.1f} | {'yes' if row.get('partial') else 'no'} | "
                     f"{row.get('total') if row.get('total') is not None else '–'} | {note} |")
    return [*lines, ""]


def profile_section(results: dict) -> list[str]:
    data = (results.get("extras") or {}).get("profile")
    if not data or "failed" in data:
        return []
    lines = ["## Where `Engine.search` spends its time", "",
             f"pyinstrument (1 ms sampling) over the first {data['queries']} queries of the "
             f"{data['corpus']} log "
             f"in one process after opening the engine: {data['ms_per_query']:.1f} ms per query. Full tree: "
             f"[{data.get('tree', 'PROFILE.txt')}]({data.get('tree', 'PROFILE.txt')}).", "",
             "Self time by package:", "", "| package | share |", "|---|---:|"]
    lines += [f"| {row['function']} | {row['percent']:.1f}% |" for row in data.get("by_package", [])[:6]]
    lines += ["", "Our functions, inclusive time (share of all):", "", "| function | share |", "|---|---:|"]
    lines += [f"| `{row['function']}` | {row['percent']:.1f}% |"
              for row in data.get("ours_inclusive", [])[:15]]
    lines += ["", "Functions with the most self time:", "", "| function | share |", "|---|---:|"]
    lines += [f"| `{row['function']}` | {row['percent']:.1f}% |" for row in data.get("self", [])[:15]]
    return [*lines, ""]


def method_section(results: dict) -> list[str]:
    queries = results.get("meta", {}).get("settings", {}).get("query_count", 1000)
    lines = ["## Method", "",
             "- Each corpus is measured in rounds; in every round each engine runs in turn, in an "
             "order rotated "
             "by one engine per round so drift on the machine hits all alike. Tables show medians "
             "over rounds.",
             "- Every build and every query run is a fresh child process (`bench/worker.py`): no "
             "result cache, "
             "warm searcher or page of Python objects is carried from one step to the next. The OS "
             "file cache "
             "is not dropped.",
             "- Build time: from the first record read to the committed index, in the child. Peak "
             "memory: the "
             "largest sum of proportional set size (PSS) over the child's process tree, sampled every 100 ms "
             "(so a worker pool counts once per page it shares); index size: bytes on disk.",
             "- Query latency: wall time of the one call that answers a query with its top 10 (for ours "
             "`Engine.search(q, limit=10)`, the function the CLI and web call, snippets included), "
             f"each of the corpus's {queries:,} distinct queries once, in log order, no warm-up; QPS is "
             "queries "
             "over the summed latencies of one thread. The searching process's peak memory is measured the "
             "same way as the build's.",
             "- Queries: `bench/queries/*.tsv`, made once by `bench/querylog.py` (seeded) from each "
             "corpus and "
             "committed: one-word, two-word, headline-fragment, entity-name and quoted-phrase queries.",
             "", "Engines, as their users would run them:", ""]
    timed = {engine for corpus in results.get("corpora", {}).values() for engine in corpus["engines"]}
    judged = {engine for rows in results.get("relevance", {}).values() for engine in rows}
    for cls in peers.ADAPTERS.values():
        absent = ("" if cls.name in timed else " Only its relevance is in these results."
                  if cls.name in judged else " Not measured in these results.")
        lines.append(f"- **{cls.label}**: {cls.configuration}.{absent}")
    return [*lines, ""]


def write_plot(results: dict, path: Path) -> bool:
    """Build time, index size and p99 latency against corpus size (synthetic corpora), one line per engine."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    corpora = sorted(((c["docs"], c) for c in results.get("corpora", {}).values() if c.get("synthetic")),
                     key=lambda pair: pair[0])
    if len(corpora) < 2:
        return False
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    panels = (("build time (s)", "build"), ("index size (MB)", "index"), ("top-10 p99 latency (ms)", "p99"))
    for axis, (title, what) in zip(axes, panels, strict=True):
        for engine in ORDER:
            if what != "p99" and engine in peers.OURS_VIEWS:
                continue
            xs, ys, hollow = [], [], []
            for docs, corpus in corpora:
                if engine not in corpus["engines"]:
                    continue
                a = agg(corpus, engine)
                if what == "build":
                    value, estimated = build_seconds(corpus, engine)
                elif what == "index":
                    value, estimated = (a.get("build_index_bytes") or 0) / MB or None, False
                else:
                    value, estimated = a.get("search_p99_ms"), False
                if value:
                    xs.append(docs)
                    ys.append(value)
                    hollow.append(estimated)
            if not xs:
                continue
            color = f"C{ORDER.index(engine)}"
            style = "--" if engine in peers.OURS_VIEWS else "-"
            axis.plot(xs, ys, style, marker="o", color=color, label=label(engine))
            for x, y, est in zip(xs, ys, hollow, strict=True):
                if est:
                    axis.plot([x], [y], marker="o", markerfacecolor="white", color=color)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("documents")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    axes[2].legend(fontsize=8)
    figure.suptitle("Scale: synthetic news corpora (hollow marker: estimated, not measured)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def write(results: dict, out: Path) -> None:
    """RESULTS.md (or the quick run's file) and the PNG beside it."""
    plot = out.with_name(PLOT_NAME if out.name == "RESULTS.md" else out.stem + "-" + PLOT_NAME)
    lines = header(results, out) + targets_section(results)
    if write_plot(results, plot):
        lines += ["## Scale curve", "", f"![scale curve]({plot.name})", "",
                  "Build time, index size and top-10 p99 latency against the synthetic corpus size "
                  "(log-log). "
                  "A line steeper than the others' grows super-linearly; see the notes for why.", ""]
    if NOTES.exists() and out.name == "RESULTS.md":
        lines += [NOTES.read_text(encoding="utf-8").strip(), ""]
    lines += corpora_section(results)
    for name, corpus in results.get("corpora", {}).items():
        lines += corpus_section(name, corpus)
    lines += relevance_section(results) + http_section(results) + slow_section(results)
    lines += profile_section(results) + machine_section(results)
    lines += method_section(results) + published_sections(results)
    out.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def published_sections(results: dict) -> list[str]:
    """The tables the standalone benches publish (start-up, the server, indexing), made again from
    their figures in the JSON: a run that rewrites RESULTS.md keeps them (a large run had dropped
    the server's and the indexing tables)."""
    import index_bench  # each pulls in its measuring tools; only their sections are wanted here
    import serve_bench
    import startup

    made = {"startup": lambda found: startup.section(found, startup.RUNS),
            "serve": serve_bench.section,
            "indexing": lambda found: index_bench.section(found, index_bench.ROUNDS)}
    return [made[key](results[key]) for key in made if results.get(key)]


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "RESULTS.json"
    results = json.loads(source.read_text(encoding="utf-8"))
    write(results, source.with_suffix(".md"))
    print(f"wrote {source.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
