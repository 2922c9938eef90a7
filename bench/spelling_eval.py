"""Spelling correction measured both ways on Reuters-21578: typos found, real words left alone.

    .venv/bin/python bench/spelling_eval.py generate --index REUTERS_INDEX     # the two lists (once)
    .venv/bin/python bench/spelling_eval.py --index REUTERS_INDEX              # the Spelling section only

Two lists, generated once from a Reuters index with a fixed seed and committed as data:
- `data/spelling-typos.tsv`: TYPOS typos, each one random edit (a letter dropped, added,
  changed, or two neighbours swapped) of a word printed at least MIN_SOURCE_FREQUENCY times in
  Reuters, typed in lower case; kept only when the typo is another word neither of Reuters (no
  field prints it or analyses to it, no name table holds it) nor of English (not a real word
  of the reference list, search/wordlist.py) and has at least MIN_WORD_CHARS letters (shorter
  words are never corrected).
- `data/spelling-real-words.tsv`: REAL_WORDS words of the reference list, frequent enough to
  be real (Zipf >= REAL_WORD_ZIPF: once in a million words), absent from Reuters (no field
  prints it or analyses to it), typed in lower case.

Each is searched as a one-word query, as the CLI and web search it. A typo counts as found when
the correction run instead, or the suggestion, is the word it was made from; a real word must
never be replaced, and be offered a suggestion at most MAX_REAL_SUGGESTED of the time.
`bench/eval.py` (`make eval`) builds a Reuters index and writes the section into EVAL.md;
run alone with `--index`, this script rewrites only that section of EVAL.md and EVAL.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import string
import sys
import time
from pathlib import Path

from search.backends.base import Vocabulary
from search.documents import SPELLING_FIELDS
from search.engine import Engine
from search.indexer import update_index
from search.query import SEARCH_FIELDS
from search.spelling import MIN_WORD_CHARS
from search.wordlist import REAL_WORD_ZIPF, zipf_frequency, zipf_table

HERE = Path(__file__).resolve().parent
TYPOS_FILE = HERE / "data" / "spelling-typos.tsv"
REAL_WORDS_FILE = HERE / "data" / "spelling-real-words.tsv"
SEED = 16
TYPOS = 300
REAL_WORDS = 300
MIN_SOURCE_FREQUENCY = 20
MIN_TYPOS_FOUND = 0.85
MAX_REAL_SUGGESTED = 0.02
EDITS = ("drop", "add", "change", "swap")
SECTION_TITLE = "## Spelling"
LOWER_WORD = re.compile(r"[a-z]+")


def one_edit(word: str, rng: random.Random) -> tuple[str, str]:
    """A random edit of `word` and its kind."""
    kind = rng.choice(EDITS)
    at = rng.randrange(len(word) - (kind == "swap"))
    if kind == "drop":
        return word[:at] + word[at + 1:], kind
    if kind == "add":
        return word[:at] + rng.choice(string.ascii_lowercase) + word[at:], kind
    if kind == "change":
        return word[:at] + rng.choice(string.ascii_lowercase.replace(word[at], "")) + word[at + 1:], kind
    return word[:at] + word[at + 1] + word[at] + word[at + 2:], kind


def known_to(engine: Engine, vocabulary: Vocabulary, word: str) -> bool:
    """Whether Reuters has the word: a spelling field prints it, an analysed field has its term,
    or a name table holds it."""
    if word in engine.speller.names:
        return True
    fields = vocabulary.fields((*SPELLING_FIELDS, *SEARCH_FIELDS))
    return any(vocabulary.has(fieldname, word) for fieldname in fields)


def generate(engine: Engine, seed: int = SEED) -> tuple[list[tuple[str, str, str]], list[tuple[str, float]]]:
    """The typos (typo, word, edit) and the real words (word, Zipf) for this index."""
    rng = random.Random(seed)
    view = engine.view()
    vocabulary = view.vocabulary()  # only asked what it has
    reader = view.searcher.reader()
    sources = sorted(word for word in (term.decode() if isinstance(term, bytes) else term
                                       for term in reader.lexicon("content_exact"))
                     if LOWER_WORD.fullmatch(word) and len(word) >= MIN_WORD_CHARS
                     and reader.frequency("content_exact", word) >= MIN_SOURCE_FREQUENCY)
    typos: dict[str, tuple[str, str, str]] = {}
    while len(typos) < TYPOS:
        word = rng.choice(sources)
        typo, kind = one_edit(word, rng)
        if typo in typos or typo == word or len(typo) < MIN_WORD_CHARS:
            continue
        if zipf_frequency(typo) >= REAL_WORD_ZIPF or known_to(engine, vocabulary, typo):
            continue
        typos[typo] = (typo, word, kind)
    listed = sorted(word for word, zipf in zipf_table().items()
                    if zipf >= REAL_WORD_ZIPF and LOWER_WORD.fullmatch(word) and len(word) >= MIN_WORD_CHARS)
    absent = [word for word in listed if not known_to(engine, vocabulary, word)]
    real = [(word, zipf_frequency(word)) for word in sorted(rng.sample(absent, REAL_WORDS))]
    return sorted(typos.values()), real


def write_lists(typos: list[tuple[str, str, str]], real: list[tuple[str, float]], seed: int) -> None:
    note = (f"# Generated by bench/spelling_eval.py generate from Reuters-21578 (seed {seed}); "
            "see its docstring. Do not edit by hand.\n")
    TYPOS_FILE.parent.mkdir(exist_ok=True)
    typo_lines = "".join("\t".join(row) + "\n" for row in typos)
    real_lines = "".join(f"{word}\t{zipf:.2f}\n" for word, zipf in real)
    TYPOS_FILE.write_text(note + "# typo\tword\tedit\n" + typo_lines, encoding="utf-8")
    REAL_WORDS_FILE.write_text(note + "# word\tzipf\n" + real_lines, encoding="utf-8")


def read_rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


def evaluate(engine: Engine) -> dict:
    """Every typo and every real word searched as a query; what spelling made of each."""
    typos = [(typo, word) for typo, word, _ in read_rows(TYPOS_FILE)]
    real = [word for word, _ in read_rows(REAL_WORDS_FILE)]
    engine.search("warm up the index")
    times: list[float] = []

    def answer(text: str) -> dict:
        started = time.perf_counter()
        found = engine.search(text, limit=1)
        times.append((time.perf_counter() - started) * 1000)
        return found

    typo_answers = [(word, answer(typo)) for typo, word in typos]
    real_answers = [answer(word) for word in real]
    replaced = sum(found["corrected_query"] == word for word, found in typo_answers)
    suggested = sum(found["corrected_query"] is None and found["suggestion"] == word
                    for word, found in typo_answers)
    wrong = [(typo, found["suggestion"]) for (typo, word), (_, found) in zip(typos, typo_answers, strict=True)
             if found["suggestion"] not in (None, word)]
    offered = [(word, found["suggestion"]) for word, found in zip(real, real_answers, strict=True)
               if found["suggestion"]]
    return {
        "typos": len(typos), "typos_replaced": replaced, "typos_suggested": suggested,
        "typos_found": (replaced + suggested) / len(typos),
        "typos_wrong": len(wrong), "typos_wrong_examples": wrong[:10],
        "real_words": len(real),
        "real_replaced": sum(found["corrected_query"] is not None for found in real_answers),
        "real_suggested": len(offered) / len(real), "real_suggested_examples": offered[:10],
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(statistics.quantiles(times, n=20)[-1], 1),
    }


def markdown(result: dict) -> str:
    met_typos = "met" if result["typos_found"] >= MIN_TYPOS_FOUND else "MISSED"
    real_met = not result["real_replaced"] and result["real_suggested"] <= MAX_REAL_SUGGESTED
    met_real = "met" if real_met else "MISSED"
    wrong = ", ".join(f"`{typo}` → `{other}`" for typo, other in result["typos_wrong_examples"]) or "none"
    real = ", ".join(f"`{word}` → `{other}`" for word, other in result["real_suggested_examples"]) or "none"
    return "\n".join([
        SECTION_TITLE,
        "",
        "Did-you-mean on Reuters-21578, measured both ways (`bench/spelling_eval.py`): "
        f"{result['typos']} typos (one random edit of a word Reuters prints at least "
        f"{MIN_SOURCE_FREQUENCY} times, making no other word of Reuters or of English; "
        "`bench/data/spelling-typos.tsv`) and "
        f"{result['real_words']} real words absent from Reuters (the reference list's words "
        f"written at least once in a million, Zipf >= {REAL_WORD_ZIPF}; "
        "`bench/data/spelling-real-words.tsv`), "
        "each typed in lower case as a one-word query.",
        "",
        "| list | measure | result | target |",
        "|---|---|---|---|",
        f"| typos | the word the typo came from: run instead, or suggested | "
        f"{result['typos_found']:.1%} ({result['typos_replaced']} run instead, {result['typos_suggested']} "
        f"suggested) | at least {MIN_TYPOS_FOUND:.0%}: {met_typos} |",
        f"| typos | another word suggested | {result['typos_wrong']} | |",
        f"| real words | replaced by a correction | {result['real_replaced']} | 0 |",
        f"| real words | given a suggestion | {result['real_suggested']:.1%} | "
        f"at most {MAX_REAL_SUGGESTED:.0%}: {met_real} |",
        "",
        f"Typos given another word: {wrong}. Real words given a suggestion: {real}.",
        f"Each query took {result['median_ms']} ms at the median, {result['p95_ms']} ms at the 95th "
        "percentile (the whole search, spelling included).",
        "",
    ])


def section(shared: Path, work: Path) -> tuple[str, dict]:
    """For `make eval`: a Reuters index built in `work`, then the section and its figures."""
    corpus = shared / "data" / "reuters" / "corpus.jsonl"
    if not corpus.exists() or not TYPOS_FILE.exists():
        return "", {}
    update_index(work / "reuters", [corpus])
    result = evaluate(Engine(work / "reuters"))
    return markdown(result), result


def replace_section(document: str, text: str) -> str:
    """`document` with its Spelling section (up to the next `## ` heading) replaced by `text`."""
    start = document.find(SECTION_TITLE + "\n")
    if start < 0:
        return document.rstrip("\n") + "\n\n" + text
    end = document.find("\n## ", start + len(SECTION_TITLE))
    return document[:start] + text + (document[end + 1:] if end >= 0 else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=("evaluate", "generate"), default="evaluate")
    parser.add_argument("--index", type=Path, required=True, help="an index of Reuters-21578")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=HERE / "EVAL.md")
    args = parser.parse_args()
    engine = Engine(args.index)
    if args.command == "generate":
        typos, real = generate(engine, args.seed)
        write_lists(typos, real, args.seed)
        print(f"wrote {TYPOS_FILE} ({len(typos)}) and {REAL_WORDS_FILE} ({len(real)})")
        return 0
    result = evaluate(engine)
    text = markdown(result)
    print(text)
    args.out.write_text(replace_section(args.out.read_text(encoding="utf-8"), text), encoding="utf-8")
    raw_path = args.out.with_suffix(".json")
    raw = json.loads(raw_path.read_text(encoding="utf-8")) if raw_path.exists() else {}
    raw_path.write_text(json.dumps({**raw, "spelling": result}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
