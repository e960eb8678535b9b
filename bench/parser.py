"""How fast is the signal parser? `uv run python bench/parser.py [--repeat N] [--corpus PATH]
[--profile]`

Runs `parse_post` over the shared corpus (../shared/signals/corpus.json) repeated N times
(default 20) on one core, in-process, and prints posts per second and the per-post
p50 / p99 in microseconds. The last line is one JSON object with the figures.
Throughput is the best of three passes (the least disturbed by other processes).
`--profile` first prints where the time goes (cProfile, functions by their own time; the
profiler slows the parser down, so the figures that follow are measured without it).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.parsing import parse_post  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "signals" / "corpus.json"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="corpus passes (default 20)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile summary before the figures"
    )
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 1
    texts = [record["text"] for record in json.loads(args.corpus.read_text(encoding="utf-8"))]
    posts = texts * args.repeat

    for text in texts:  # warm up regex caches and imports
        parse_post(text)

    if args.profile:
        _profile(posts)

    passes = []
    for _ in range(3):
        started = time.perf_counter()
        for text in posts:
            parse_post(text)
        passes.append(time.perf_counter() - started)
    best = min(passes)

    per_post: list[float] = []
    clock = time.perf_counter
    for text in posts:
        started = clock()
        parse_post(text)
        per_post.append((clock() - started) * 1e6)
    per_post.sort()
    p50 = statistics.median(per_post)
    p99 = per_post[min(len(per_post) - 1, int(len(per_post) * 0.99))]
    figures = {
        "posts": len(posts),
        "corpus_posts": len(texts),
        "seconds": round(best, 4),
        "posts_per_s": round(len(posts) / best),
        "p50_us": round(p50, 1),
        "p99_us": round(p99, 1),
        "max_us": round(per_post[-1], 1),
    }
    print(f"parsed {len(posts)} posts ({len(texts)} corpus posts x {args.repeat}) on one core")
    print(f"throughput: {figures['posts_per_s']:,} posts/s (best of 3 passes: {best:.3f} s)")
    print(f"per post: p50 {p50:.1f} us, p99 {p99:.1f} us, max {per_post[-1]:.1f} us")
    print(json.dumps(figures))
    return 0


def _profile(posts: list[str], top: int = 30) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for text in posts:
        parse_post(text)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats(pstats.SortKey.TIME).print_stats(top)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
