"""Part of `make bench-install`: Lucene for the benchmark, from the package registry only.

Takes the Anserini 0.21.0 jar out of the pyserini 0.21.0 wheel (`pip download --no-deps`:
none of pyserini's Python dependencies) and compiles bench/lucene/LuceneDriver.java against
it, into bench/work/lucene. Lucene is optional: without Java or the wheel this says why and
exits 0, and `make bench` runs without it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from peers import LUCENE_CLASS, LUCENE_JAR, LUCENE_SOURCE

WHEEL = "pyserini==0.21.0"
JAR_IN_WHEEL = "pyserini/resources/jars/anserini-0.21.0-fatjar.jar"


def fetch_jar() -> None:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d", folder],
                       check=True)
        wheel = next(Path(folder).glob("pyserini-*.whl"))
        LUCENE_JAR.parent.mkdir(parents=True, exist_ok=True)
        partial = LUCENE_JAR.with_suffix(".part")
        with zipfile.ZipFile(wheel) as archive, archive.open(JAR_IN_WHEEL) as jar, partial.open("wb") as out:
            shutil.copyfileobj(jar, out)
        partial.replace(LUCENE_JAR)


def compile_driver() -> None:
    LUCENE_CLASS.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["javac", "-d", str(LUCENE_CLASS.parent), "-cp", str(LUCENE_JAR), str(LUCENE_SOURCE)],
                   check=True)


def main() -> int:
    if not (shutil.which("java") and shutil.which("javac")):
        print("bench: Lucene left out: no Java 17 JDK (Debian: apt-get install openjdk-17-jdk-headless)")
        return 0
    try:
        if not LUCENE_JAR.exists():
            fetch_jar()
        if not LUCENE_CLASS.exists() or LUCENE_CLASS.stat().st_mtime < LUCENE_SOURCE.stat().st_mtime:
            compile_driver()
    except (subprocess.CalledProcessError, OSError, StopIteration, KeyError) as error:
        print(f"bench: Lucene left out: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
