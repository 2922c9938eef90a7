"""The `search` command: a thin caller of the engine.

    search [--json] [--limit N] [--spell off] [--index DIR] QUERY...
    search index [PATH...] [--rebuild] [--variants FILE]
    search show ID | search stats | search check | search run --queries FILE.tsv
    search watch QUERY... [--json] | search watch --list | search watch --forget QUERY...
    search eval --queries FILE.tsv --qrels QRELS.txt
    search serve [--host 127.0.0.1] [--port 8000] [--threads 8]
    search cluster start|stop [--wipe]|status   (the local OpenSearch cluster)

A first word that names a subcommand is that subcommand; `search -- index`
searches for the word. Errors are one line on stderr and exit code 2. `serve` and `cluster`
are registered by the web app and the OpenSearch backend (entry points of the group
`news_search.commands` in pyproject.toml), so this module imports neither.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html
import importlib
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from search.backends import BACKENDS, DEFAULT_BACKEND
from search.backends import index_location as choose_location
from search.dates import readable_date
from search.errors import SearchError
from search.settings import SETTINGS

if TYPE_CHECKING:
    from search.engine import Engine

# The engine, the request, the indexer and the evaluation (NumPy, Whoosh, ir-measures) are
# imported by the commands that use them, so `search --help` and a search import only what they need.

DEFAULT_INDEX = SETTINGS.default_index
DEFAULT_CORPUS = SETTINGS.default_corpus
INDEX_ENV = SETTINGS.index_env
SUBCOMMANDS = ("index", "show", "stats", "watch", "check", "run", "eval")
COMMAND_LINES = {  # what `search --help` says of each subcommand (serve and cluster: registered)
    "index": "add files or folders of articles to the index (JSON Lines, JSON, text; .gz too)",
    "show": "one article by id: its text, entities, other versions and related stories",
    "stats": "how many articles and stories the index holds, their dates and sources, its size",
    "watch": "the stories indexed since the last `search watch` of the same query",
    "check": "read the whole index and say what is damaged",
    "run": "rank a file of queries and print a TREC run",
    "eval": "score a file of queries against TREC judgments",
    "serve": "the web app and the JSON API (search serve --help)",
    "cluster": "start, stop or ask about the local OpenSearch cluster",
}
COMMIT_EVERY_DOCS = SETTINGS.commit_every_docs
LOCK_TIMEOUT_SECONDS = SETTINGS.lock_wait_seconds
COMMAND_GROUP = "news_search.commands"
DISTRIBUTION = "news-search"
VALUE_OPTIONS = {"--index", "--backend", "--limit", "--page", "--queries", "--qrels", "--variants",
                 "--aliases", "--tag", "--spell", "--host", "--port", "--threads", "--wait", "--commit-every"}
MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)
# control characters (but tab and newline) and the marks that reorder a line's direction
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
EXIT_USAGE = 2


class UsageError(Exception):
    """A command line that cannot be run as given."""


GIVEN = "_options_given"  # the value options a parse has met so far (StoreOnce), removed after it


class StoreOnce(argparse.Action):
    """A value option given twice is refused, as the web refuses a repeated parameter: which of
    `--limit 5 --limit 50` was meant cannot be known, and taking the last hides the first."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        given = vars(namespace).setdefault(GIVEN, set())
        if option_string is not None and self.dest in given:
            parser.error(f"{'/'.join(self.option_strings)} is given more than once; give it once")
        given.add(self.dest)
        setattr(namespace, self.dest, values)


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line as one line, exit code 2, and refuses a value
    option given twice."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, StoreOnce)
        self.register("action", "store", StoreOnce)

    def parse_known_args(self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        parsed, rest = super().parse_known_args(args, namespace)
        vars(parsed).pop(GIVEN, None)
        return parsed, rest

    def error(self, message: str) -> None:
        raise UsageError(message)


def with_dash_hint(message: str, argv: list[str]) -> str:
    """A query word that starts with one dash (`-oil`: every article but those) is read as an
    option, so argparse says the query is missing: say how to search for it."""
    dashed = [arg for arg in argv if arg.startswith("-") and not arg.startswith("--") and arg != "-h"]
    if not dashed or "required: query" not in message:
        return message
    return f"{message} ({dashed[0]!r} is read as an option; to search for it, write: search -- {dashed[0]})"


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"expected 0 to 3600 seconds, got {text}")
    return value


def port_number(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number up to 65535, got {value}")
    return value


def add_index_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", default=None,
                        help=f"index folder, or for OpenSearch the cluster URL and index name "
                             f"(default: ${INDEX_ENV} or ./{DEFAULT_INDEX}; ${SETTINGS.opensearch_url_env} "
                             f"or {SETTINGS.default_opensearch_url})")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default=None,
                        help=f"where the index is kept (default: ${SETTINGS.backend_env} or "
                             f"{DEFAULT_BACKEND})")


def query_parser() -> Parser:
    commands = "\n".join(f"  {name:<9} {line}" for name, line in COMMAND_LINES.items())
    parser = Parser(prog="search", description="Search the news index.",
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                    epilog=f"commands (search COMMAND --help):\n{commands}\n\nA first word that "
                           "names a command runs it; `search -- show` searches for the word.")
    parser.add_argument("query", nargs="+", help="the query (see README for the syntax)")
    parser.add_argument("--limit", type=positive_int, default=SETTINGS.page_size,
                        help=f"results per page, up to {SETTINGS.max_results} (default {SETTINGS.page_size})")
    parser.add_argument("--page", type=positive_int, default=1, help="page of results (default 1)")
    parser.add_argument("--json", action="store_true", help="print the JSON result shape")
    parser.add_argument("--spell", choices=("on", "off"), default="on",
                        help="off: run the query as typed, never its spelling correction (default on)")
    parser.add_argument("--aliases", type=Path, action="append", default=[],
                        help="extra aliases for this search (canonical<TAB>alias|alias)")
    add_index_option(parser)
    return parser


def subcommand_parser(name: str) -> Parser:
    parser = Parser(prog=f"search {name}")
    add_index_option(parser)
    if name == "index":
        parser.add_argument("paths", nargs="*", type=Path,
                            help=f"files or folders (default: {DEFAULT_CORPUS}/)")
        parser.add_argument("--rebuild", action="store_true", help="start a new index from scratch")
        parser.add_argument("--variants", type=Path, action="append", default=[],
                            help="extra spelling variants (canonical<TAB>variants...)")
        parser.add_argument("--aliases", type=Path, action="append", default=[],
                            help="extra aliases kept with the index (canonical<TAB>alias|alias)")
        parser.add_argument("--upgrade", action="store_true",
                            help="rebuild the index if another version of the analysis, or other "
                                 "--variants, built it")
        parser.add_argument("--commit-every", type=positive_int, default=COMMIT_EVERY_DOCS,
                            help=f"commit after this many documents, between files "
                                 f"(default {COMMIT_EVERY_DOCS})")
        parser.add_argument("--wait", type=seconds, default=LOCK_TIMEOUT_SECONDS,
                            help=f"seconds to wait for another run's lock (default {LOCK_TIMEOUT_SECONDS:g})")
    elif name == "show":
        parser.add_argument("id")
        parser.add_argument("--json", action="store_true")
    elif name == "stats":
        parser.add_argument("--json", action="store_true")
    elif name == "check":
        parser.add_argument("--json", action="store_true", help="print {index, sound, problems} as JSON")
    elif name == "run":
        parser.add_argument("--queries", type=Path, required=True, help="qid<TAB>query lines")
        parser.add_argument("--limit", type=positive_int, default=1000)
        parser.add_argument("--tag", default="news-search")
    elif name == "watch":
        parser.add_argument("query", nargs="*", help="the query watched (see README for the syntax)")
        parser.add_argument("--json", action="store_true", help="print {query, since, new, updated} as JSON")
        parser.add_argument("--list", action="store_true", help="list this index's watched queries")
        parser.add_argument("--forget", action="store_true", help="stop watching the query")
    elif name == "eval":
        parser.add_argument("--queries", type=Path, required=True, help="qid<TAB>query lines")
        parser.add_argument("--qrels", type=Path, required=True, help="TREC qrels: qid 0 docid rel")
        parser.add_argument("--json", action="store_true")
    return parser


def split_command(argv: list[str]) -> tuple[str | None, list[str]]:
    """The subcommand named by the first word (if any) and the arguments for it."""
    skip_value = False
    for i, arg in enumerate(argv):
        if skip_value:
            skip_value = False
        elif arg == "--":
            return None, argv
        elif arg.startswith("-"):
            skip_value = arg in VALUE_OPTIONS
        else:
            if arg in SUBCOMMANDS or arg in registered_commands():
                return arg, argv[:i] + argv[i + 1:]
            return None, argv
    return None, argv


def index_location(args: argparse.Namespace) -> tuple[str, Path | str]:
    """The backend and index location the command line names (search.backends.index_location)."""
    return choose_location(args.backend, args.index)


def open_engine(args: argparse.Namespace, **options) -> Engine:
    from search.engine import Engine

    backend, location = index_location(args)
    return Engine(location, backend=backend, **options)


def use_colour(stream) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def printable(text: str, lines: bool = False) -> str:
    """Text from an article or a file name as a terminal shows it: control characters and
    direction overrides as visible escapes (`\\x1b`), so no text can move the cursor, recolour
    the terminal or forge a line of ours; newlines kept only where `lines`."""
    shown = CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    return shown if lines else shown.replace("\n", "\\n")


def print_json(value) -> None:
    """A JSON answer on stdout, always valid UTF-8: a byte of the command line that is not UTF-8
    (Python keeps it as a lone surrogate) is printed as U+FFFD, not as itself."""
    from search.analysis import valid_text

    print(valid_text(json.dumps(value, ensure_ascii=False, indent=2)))


def render_snippet(snippet_html: str, colour: bool) -> str:
    """Terminal text of an HTML snippet: marks in colour, or in [brackets]."""
    pieces = MARK.split(snippet_html)  # text, marked, text, marked, …
    shown = [printable(re.sub(r"\s+", " ", html.unescape(piece))) for piece in pieces]
    for at in range(1, len(shown), 2):
        shown[at] = f"\x1b[1;33m{shown[at]}\x1b[0m" if colour else f"[{shown[at]}]"
    return "".join(shown).strip()


def print_results(answer: dict, offset: int) -> None:
    colour = use_colour(sys.stdout)
    for warning in answer["warnings"]:
        print(f"note: {warning['message']}", file=sys.stderr)
    if answer.get("corrected_query"):
        print(f"Showing results for {answer['corrected_query']!r} · "
              f"Search instead for {answer['query']!r}: add --spell off")
    elif answer.get("suggestion"):
        print(f"Did you mean: {answer['suggestion']}?")
    if not answer["results"]:
        print(f"No results for {answer['query']!r}.")
        return
    for rank, result in enumerate(answer["results"], start=offset + 1):
        print(f"{rank}. {printable(result['headline'])}")
        print("   " + printable(" · ".join(described(result))))
        if result["snippet"]:
            print("   " + render_snippet(result["snippet"], colour))
        if (result.get("quote") or {}).get("speaker"):
            print("   quoting " + printable(result["quote"]["speaker"]))
        if result["missing"]:
            print("   missing: " + printable(", ".join(result["missing"])))
        first = next((record for record in (result, *result["versions"]) if record["first_report"]), None)
        if first is not None:
            print("   first reported by " + printable(" · ".join(described(first))))
        for version in result["versions"]:
            print(f"   also: {printable(version['headline'])} · {printable(' · '.join(described(version)))}")
            if version.get("snippet"):
                print("         " + render_snippet(version["snippet"], colour))
    shown = offset + len(answer["results"])
    print(f"\n{offset + 1}-{shown} of {counts_line(answer)} ({answer['took_ms']:.0f} ms)")


def described(record: dict) -> list[str]:
    """Source, date as people read it, and id: where an article came from and how to `show` it."""
    return [record["source"] or "unknown source", readable_date(record["date"]) or "undated", record["id"]]


def counts_line(answer: dict) -> str:
    """`565 stories, 30 with all words` (the all-words count only when it says something)."""
    total = counted(answer["total"], answer.get("total_relation"))
    every = counted(answer.get("all_words_total"), answer.get("all_words_total_relation"))
    line = f"{total} {'story' if answer['total'] == 1 else 'stories'}"
    if answer.get("all_words_total") is not None and every != total:
        line += f", {every} with all words"
    return line


def counted(count: int | None, relation: str | None) -> str:
    """A count as printed: `more than 10000` when it is a lower bound."""
    return f"more than {count}" if relation == "gte" else str(count)


def cmd_search(args: argparse.Namespace) -> int:
    from search.request import SearchRequest

    engine = open_engine(args, alias_files=tuple(args.aliases))
    offset = (args.page - 1) * args.limit
    request = SearchRequest(" ".join(args.query), limit=args.limit, offset=offset, correct=args.spell == "on")
    answer = engine.search(request)
    if args.json:
        print_json(answer)
    else:
        print_results(answer, offset)
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from search.indexer import update_index
    from search.progress import TerminalProgress, closing_line

    roots = args.paths or [Path(DEFAULT_CORPUS)]
    progress = TerminalProgress() if sys.stderr.isatty() else None
    backend, location = index_location(args)
    report = update_index(location, roots, rebuild=args.rebuild, variant_files=args.variants,
                          progress=progress, alias_files=args.aliases, lock_timeout=args.wait,
                          commit_every=args.commit_every, upgrade=args.upgrade, backend=backend)
    for problem in report.problems:
        label = "skipped" if problem.fatal else "warning"
        print(f"{label}: {printable(str(problem))}", file=sys.stderr)
    print(report.summary())
    print(closing_line(report.added + report.updated, report.seconds))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """One article in the API's article shape (`--json`), or as text: its facts, the entities
    found in it by kind, its text, its story's other versions and related stories."""
    from search.facets import FACETS
    from search.quotes import by_speaker

    engine = open_engine(args)
    article = engine.article(args.id)
    if args.json:
        print_json(article)
        return 0
    print(printable(article["headline"] or "(untitled)"))
    facts = (("source", article["source"]), ("date", readable_date(article["date"])),
             ("authors", ", ".join(article["authors"])), ("url", article["url"]),
             ("path", article["path"]), ("id", article["id"]))
    for label, value in facts:
        if value:
            print(f"{label}: {printable(value)}")
    for facet in FACETS:
        names = [entity["name"] for entity in article["entities"] if entity["type"] == facet.name]
        if names:
            print(f"{facet.heading.lower()}: {printable(', '.join(names))}")
    print()
    print(printable("\n\n".join(article["paragraphs"]), lines=True))
    if article["quotes"]:
        print("\nquotes:")
    for speaker, said in by_speaker(article["quotes"]):
        print(f"  {printable(speaker or 'unattributed')}:")
        for quote in said:
            print(f"    “{printable(quote['text'])}”")
    related = engine.related(args.id, SETTINGS.related)
    for heading, records in (("other versions", article["versions"]), ("related stories", related)):
        if records:
            print(f"\n{heading}:")
        for record in records:
            headline = record["headline"] or "(untitled)"
            print(f"  {printable(' · '.join([headline, *described(record)]))}")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    """The stories indexed since this query's last watch (search/watch.py), newest first: new
    stories, then known stories with new versions; nothing printed when nothing is new."""
    from search.watch import Watches, watches_file

    backend, location = index_location(args)
    where = str(location.absolute()) if isinstance(location, Path) else str(location)
    watches = Watches(watches_file(), f"{backend}:{where}")
    query = " ".join(" ".join(args.query).split())
    if args.list:
        for watched, ran in sorted(watches.listed().items()):
            print(f"{printable(watched)}\t(last run {datetime.fromtimestamp(ran):%Y-%m-%d %H:%M})")
        return 0
    if not query:
        raise UsageError("give the query to watch (or --list)")
    if args.forget:
        if not watches.forget(query):
            raise UsageError(f"{query!r} is not watched on this index (see search watch --list)")
        return 0
    report = watches.run(open_engine(args), query)
    if report.since is None:
        print(f"watching {query!r}: its next run prints the stories indexed after this one", file=sys.stderr)
    elif args.json and (report.new or report.updated):
        print_json(report.as_dict())
    elif not args.json:
        colour = use_colour(sys.stdout)
        for label, hits in (("new", report.new), ("update", report.updated)):
            for hit in hits:
                print(f"{label}: {printable(hit['headline'])}")
                print("   " + printable(" · ".join(described(hit))))
                if hit["snippet"]:
                    print("   " + render_snippet(hit["snippet"], colour))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from search.facets import FACETS, OVERVIEW_FACETS

    stats = open_engine(args).stats()
    if args.json:
        print_json(stats)
        return 0
    updated = "never"
    if stats["updated"]:
        updated = datetime.fromtimestamp(stats["updated"]).strftime("%Y-%m-%d %H:%M")
    first, last = (readable_date(stats[end]) or "none" for end in ("first_date", "last_date"))
    print(f"documents: {stats['documents']}")
    cut_short = " (counted in part: the time budget ran out)" if stats["partial"] else ""
    print(f"stories: {stats['stories']}{cut_short}")
    print(f"dates: {first} to {last}" if stats["last_date"] else "dates: none (no article is dated)")
    for facet in FACETS:
        if facet.name in OVERVIEW_FACETS and (values := stats["top"].get(facet.name)):
            counted = ", ".join(f"{top['value']} ({top['count']})" for top in values)
            print(f"{facet.heading.lower()}: {counted}")
    print(f"terms: {stats['terms']}")
    print(f"size on disk: {stats['size_bytes'] / 1_000_000:.2f} MB")
    print(f"last update: {updated}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Read the whole index; exit 0 when it is sound, 1 when something is damaged (each problem
    a line), 2 when it cannot be checked at all (no index, the cluster unreachable)."""
    from tqdm import tqdm

    from search.backends import check_index
    from search.errors import REBUILD_HINT

    backend, location = index_location(args)
    bar = tqdm(desc="documents read", unit=" docs", file=sys.stderr, disable=not sys.stderr.isatty())

    def read(documents: int) -> None:
        bar.update(documents - bar.n)

    try:
        problems = check_index(backend, location, read)
    finally:
        bar.close()
    if args.json:
        print_json({"index": str(location), "sound": not problems, "problems": problems})
    elif problems:
        for problem in problems:
            print(f"damaged: {printable(problem)}")
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {location}; {REBUILD_HINT}")
    else:
        print(f"{location}: sound, every file read whole")
    return 1 if problems else 0


def queries_from(path: Path) -> list[tuple[str, str]]:
    from search.evaluate import read_queries

    try:
        return read_queries(path)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UsageError(f"cannot read queries: {error}") from None


def cmd_run(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    for qid, text in queries_from(args.queries):
        if not text:
            continue
        for rank, (doc_id, score) in enumerate(engine.ranked_ids(text, args.limit), start=1):
            print(f"{qid} Q0 {doc_id} {rank} {score:.6f} {args.tag}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from search.evaluate import read_qrels, run_queries, score_run

    engine = open_engine(args)
    queries = queries_from(args.queries)
    try:
        qrels = read_qrels(args.qrels)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UsageError(f"cannot read qrels: {error}") from None
    scores = score_run(run_queries(engine.ranked_ids, queries), qrels)
    if args.json:
        print_json(scores)
    else:
        for name, value in scores.items():
            print(f"{name}\t{value:.4f}")
    return 0


@functools.cache
def registered_commands() -> dict[str, str]:
    """Subcommands other packages register (see the module's docstring): each name's
    `module:function`, from this distribution's entry points file, the first found on sys.path
    as importlib.metadata finds it. Read here, not through importlib.metadata, because importing
    that takes 80 ms, a sixth of a search's start, and every search asks (its first word may
    name a command)."""
    import configparser  # 5 ms

    prefix = DISTRIBUTION.replace("-", "_")
    for entry in sys.path:
        folder = Path(entry or ".")
        for metadata in (*sorted(folder.glob(f"{prefix}-*.dist-info")), folder / f"{prefix}.egg-info"):
            points = metadata / "entry_points.txt"
            if points.is_file():
                parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
                parser.optionxform = str  # names as written
                parser.read(points, encoding="utf-8")
                return dict(parser[COMMAND_GROUP]) if parser.has_section(COMMAND_GROUP) else {}
    return {}  # run from a checkout that was never installed


def load_command(target: str) -> Callable[[list[str]], int]:
    """The function an entry point names (`module:function`)."""
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module.strip()), function.strip())


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: cmd_search,
    "index": cmd_index,
    "show": cmd_show,
    "stats": cmd_stats,
    "check": cmd_check,
    "run": cmd_run,
    "eval": cmd_eval,
    "watch": cmd_watch,
}


def escape_unprintable() -> list[tuple[object, str]]:
    """Make strict stdout and stderr write what they cannot encode as backslash escapes.

    Bytes of the command line that are not UTF-8 reach Python as lone surrogates
    (`search $'zz\\xff'` holds `zz\\udcff`); echoing the query back on a strict UTF-8 stream
    would raise (JSON answers write U+FFFD in their place: `print_json`). Returns the streams
    changed and their error handlers, for `main` to put back.
    """
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            with contextlib.suppress(OSError, ValueError):
                stream.reconfigure(errors="backslashreplace")
                changed.append((stream, "strict"))
    return changed


LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(message: str) -> str:
    """A message on one line: the line breaks a path or query may hold, escaped."""
    return LINE_BREAKS.sub(lambda match: ascii(match.group())[1:-1], message)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `search` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    changed = escape_unprintable()
    try:
        return run_command(argv)
    finally:
        for stream, errors in changed:
            with contextlib.suppress(OSError, ValueError):
                stream.reconfigure(errors=errors)


def run_command(argv: list[str]) -> int:
    """Run one command line; errors become one line on stderr and exit code 2."""
    try:
        if not argv:
            print(query_parser().format_help(), end="")
            return 0
        name, rest = split_command(argv)
        if name in registered_commands():
            return load_command(registered_commands()[name])(rest)
        parser = query_parser() if name is None else subcommand_parser(name)
        try:
            args = parser.parse_args(rest)
        except UsageError as error:
            raise UsageError(with_dash_hint(str(error), rest) if name is None else str(error)) from None
        return COMMANDS[name](args)
    except UsageError as error:
        print(f"search: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except SearchError as error:
        print(f"search: {one_line(error.message)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # `python -m search.cli`: run the module subcommands import (search.cli),
    from search import cli  # not this copy, whose UsageError they would not raise

    sys.exit(cli.main())
