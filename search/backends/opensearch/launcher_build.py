"""Builds the Java launcher of the project's OpenSearch nodes with Maven, and says how to run it.

The launcher (launcher/pom.xml, launcher/src) is compiled into build/opensearch-launcher/, a
folder git ignores; its jars stay in the local Maven repository (~/.m2) and are listed in
classpath.txt by the build. It is rebuilt when a source is newer than that list, or when a jar
the list names has gone (a cleaned ~/.m2). Maven fetches the jars from Maven Central itself.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from search.backends.opensearch.errors import ClusterError

PROJECT_ROOT = Path(__file__).resolve().parents[3]
LAUNCHER_SOURCE = Path(__file__).resolve().parent / "launcher"
LAUNCHER_BUILD = PROJECT_ROOT / "build" / "opensearch-launcher"
MAIN_CLASS = "newssearch.launcher.Launcher"
BUILD_TIMEOUT_SECONDS = 1200


def java_executable() -> str:
    """The `java` of $JAVA_HOME when set (as Maven uses), else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    candidate = Path(home, "bin", "java") if home else None
    if candidate and candidate.is_file():
        return str(candidate)
    found = shutil.which("java")
    if not found:
        raise ClusterError("the OpenSearch cluster needs Java 17 or newer: "
                           "apt-get install openjdk-17-jdk-headless")
    return found


def launcher_classpath(report: Callable[[str], None] = lambda line: None,
                       build_dir: Path = LAUNCHER_BUILD) -> str:
    """The class path that runs the launcher, building it first when missing or out of date."""
    with build_lock(build_dir):
        entries = read_classpath(build_dir)
        if entries is None or sources_newer_than(build_dir / "classpath.txt"):
            report(f"building the OpenSearch launcher with Maven into {build_dir} "
                   f"(the first build fetches about 75 MB of jars)")
            run_maven(build_dir)
            entries = read_classpath(build_dir)
        if entries is None:
            raise ClusterError(f"the Maven build left no complete class path in {build_dir}")
    return os.pathsep.join(entries)


def read_classpath(build_dir: Path) -> list[str] | None:
    """The compiled classes and every jar of the last build, or None when any of them is missing."""
    listing = build_dir / "classpath.txt"
    classes = build_dir / "classes"
    if not (listing.is_file() and (classes / "log4j2.properties").is_file()):
        return None
    jars = [jar for jar in listing.read_text(encoding="utf-8").strip().split(os.pathsep) if jar]
    if not jars or not all(Path(jar).is_file() for jar in jars):
        return None
    return [str(classes), *jars]


def sources_newer_than(stamp: Path) -> bool:
    """True when pom.xml or a file under src/ changed after the build wrote `stamp`."""
    built = stamp.stat().st_mtime
    sources = [LAUNCHER_SOURCE / "pom.xml", *(p for p in (LAUNCHER_SOURCE / "src").rglob("*") if p.is_file())]
    return any(path.stat().st_mtime > built for path in sources)


def run_maven(build_dir: Path) -> None:
    """`mvn compile` of the launcher into `build_dir`; its output goes to build_dir/maven.log."""
    maven = shutil.which("mvn")
    if not maven:
        raise ClusterError("building the OpenSearch launcher needs Maven: apt-get install maven")
    build_dir.mkdir(parents=True, exist_ok=True)
    log = build_dir / "maven.log"
    pom = LAUNCHER_SOURCE / "pom.xml"
    command = [maven, "-B", "-q", "-f", str(pom), f"-Dlauncher.out={build_dir}", "compile"]
    with log.open("w", encoding="utf-8") as output:
        try:
            completed = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, timeout=BUILD_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise ClusterError(f"the Maven build of the OpenSearch launcher took over "
                               f"{BUILD_TIMEOUT_SECONDS} s; see {log}") from None
    if completed.returncode != 0:
        raise ClusterError(f"building the OpenSearch launcher failed: {first_error(log)} (see {log})")


def first_error(log: Path) -> str:
    """The first [ERROR] line of a Maven log, the one that names the cause."""
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("[ERROR]"):
            return line.removeprefix("[ERROR]").strip()[:300]
    return "no [ERROR] line"


@contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """One build at a time: `make cluster` and a test session may both find the launcher missing."""
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    with (build_dir.parent / f".{build_dir.name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
