"""How long reading a story takes (dsl/story_reader.py): the first story in a
process (lemminflect reads its lemma tables then) and each test story after it.

    python3 bench/story_reading.py [STORY.txt ...]   (default: tests/stories/*.txt)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT.parent))

began = time.perf_counter()
from storyreel.dsl.story import plan_pages, read_story  # noqa: E402
from storyreel.dsl.story_reader import read_story_facts  # noqa: E402

imported = time.perf_counter() - began


def main(paths: list[Path]) -> None:
    print(f"import storyreel.dsl.story_reader: {imported * 1000:.0f} ms")
    stories = [(p, read_story(p)) for p in paths]
    planned = [(p, s, plan_pages(s)) for p, s in stories]  # plan_pages reads each story too (the director)
    rows = []
    for n, (path, story, pages) in enumerate(planned):
        times = []
        for _ in range(5):
            t = time.perf_counter()
            read_story_facts(story, pages)
            times.append(time.perf_counter() - t)
        rows.append((path.name, story.words, len(pages), min(times) * 1000))
    print(f"{'story':28} {'words':>5} {'pages':>5} {'best of 5 (ms)':>15}")
    for name, words, pages, ms in rows:
        print(f"{name:28} {words:5} {pages:5} {ms:15.1f}")
    print(f"median {sorted(r[3] for r in rows)[len(rows) // 2]:.1f} ms, worst {max(r[3] for r in rows):.1f} ms")


def first_read() -> None:
    """A fresh process's first story: the lemma tables' load included."""
    import subprocess

    code = ("import time, sys; sys.path.insert(0, %r)\n"
            "from storyreel.dsl.story import plan_pages, read_story, parse_story\n"
            "import storyreel.dsl.story as st; st.direct_story = lambda *a: None  # the reader alone\n"
            "s = read_story(%r); p = plan_pages(s)\n"
            "from storyreel.dsl.story_reader import read_story_facts\n"
            "t = time.perf_counter(); read_story_facts(s, p); print(time.perf_counter() - t)\n"
            % (str(ROOT.parent), str(ROOT / "tests" / "stories" / "tortoise_and_hare.txt")))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    print(f"first story in a fresh process: {float(out.stdout) * 1000:.0f} ms")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or sorted((ROOT / "tests" / "stories").glob("*.txt")))
    first_read()
