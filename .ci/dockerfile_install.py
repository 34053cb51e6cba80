"""Reads the Dockerfile's install step, so CI runs exactly what the image runs (the two cannot drift).

``stage DIR``: performs the ``COPY`` instructions that precede the ``RUN pip install`` line into DIR (the image's
build context, relative to its ``WORKDIR``), then prints the directory pip runs in and the ``pip install``
arguments, one per line.
"""

from __future__ import annotations

import glob
import shlex
import shutil
import sys
from pathlib import Path

DOCKERFILE = Path("Dockerfile")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    pairs = []
    for line in joined:
        word, _, rest = line.strip().partition(" ")
        pairs.append((word.upper(), rest.strip()))
    return pairs


def pip_arguments(run: str) -> list[str] | None:
    for command in run.split("&&"):
        words = shlex.split(command)
        if words[:2] == ["pip", "install"]:
            return words[2:]
    return None


def stage(root: Path) -> tuple[Path, list[str]]:
    workdir = Path("/")
    for word, rest in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if word == "WORKDIR":
            workdir = workdir / rest
        elif word == "COPY":
            *sources, dest = shlex.split(rest)
            target = root / (workdir / dest).relative_to("/")
            for pattern in sources:
                for source in map(Path, sorted(glob.glob(pattern))):  # `README.md*`: optional files
                    into = target / source.name if dest.endswith("/") or len(sources) > 1 else target
                    into.parent.mkdir(parents=True, exist_ok=True)
                    if source.is_dir():
                        shutil.copytree(source, into, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
                    else:
                        shutil.copy2(source, into)
        elif word == "RUN" and (arguments := pip_arguments(rest)) is not None:
            return root / workdir.relative_to("/"), arguments
    raise SystemExit(f"{DOCKERFILE}: no `RUN pip install ...` line")


if __name__ == "__main__":
    directory, arguments = stage(Path(sys.argv[2]))
    print(directory)
    print("\n".join(arguments))
