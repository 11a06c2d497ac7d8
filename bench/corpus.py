"""A generated corpus of letters for the benchmark: deterministic, varied.

Each letter is the English example with its body replaced: 1 to 12
paragraphs, 0 to 5 footnotes, sometimes a section with a heading, and a
unique subject, so that no two sources (or PDFs) are alike.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "input" / "water-quality-2023.xml"

_TEXT = (
    "water board river basin measure report plan monitoring quality status "
    "programme directive period assessment result progress implementation "
    "substance chemical ecological target deadline budget province municipality "
    "delta flood drought soil groundwater nitrogen phosphate sediment survey"
)

WORDS = _TEXT.split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, notes: list[str]) -> str:
    sentences = [_sentence(rng) for _ in range(rng.randint(2, 6))]
    if notes:
        sentences.insert(rng.randint(1, len(sentences)), f"<note>{notes.pop()}</note>")
    return "<p>" + " ".join(sentences) + "</p>"


def letter(index: int) -> str:
    """The XML text of letter number `index`."""
    rng = random.Random(index)
    paragraphs = rng.randint(1, 12)
    notes = [_sentence(rng) for _ in range(min(rng.randint(0, 5), paragraphs))]
    body = ["<salutation>Dear Director-General,</salutation>"]
    body += [_paragraph(rng, notes) for _ in range(paragraphs)]
    if rng.random() < 0.5:
        body.append(f"<section><heading>Annex {index}</heading>{_paragraph(rng, notes)}</section>")
    text = TEMPLATE.read_text(encoding="utf-8")
    text = re.sub(
        r"<body>.*</body>", lambda _: "<body>" + "\n".join(body) + "</body>", text, flags=re.S
    )
    return re.sub(
        r"<subject>.*?</subject>",
        f"<subject>Benchmark letter {index}: {_sentence(rng)}</subject>",
        text,
        flags=re.S,
    )


def long_letter(index: int = 0, paragraphs: int = 110) -> str:
    """A letter of about 20 pages with a footnote in every other paragraph."""
    rng = random.Random(10_000 + index)
    notes = [" ".join(_sentence(rng) for _ in range(2)) for _ in range(paragraphs // 2)]
    body = ["<salutation>Dear Director-General,</salutation>"]
    for i in range(paragraphs):
        body.append(_paragraph(rng, notes if i % 2 == 0 else []))
    text = TEMPLATE.read_text(encoding="utf-8")
    text = re.sub(
        r"<body>.*</body>", lambda _: "<body>" + "\n".join(body) + "</body>", text, flags=re.S
    )
    return re.sub(
        r"<subject>.*?</subject>",
        f"<subject>Benchmark long letter {index}</subject>",
        text,
        flags=re.S,
    )


def write_corpus(folder: Path, count: int) -> list[Path]:
    """Write letters 0 … count-1 as `letter-0000.xml` …; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"letter-{index:04d}.xml"
        path.write_text(letter(index), encoding="utf-8")
        paths.append(path)
    return paths
