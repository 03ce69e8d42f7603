"""Screenshot of a running stack's live view after it has watched for a while.

    uv run python scripts/live_screenshot.py --stack .local/stack.json --after 60 \
        --out docs/live-view.png

Run it beside `make load` (or any load) to see the lesson: environments multiplying while
the database's connections stay flat behind PgBouncer.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pokedex_local.gateway.server import LIVE_PATH
from pokedex_local.live.browser import available, headless_chromium

# What --help says: a constant, since python -OO strips docstrings.
DESCRIPTION = "Screenshot of a running stack's live view after it has watched for a while."


def main() -> None:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--stack", type=Path, default=Path(".local/stack.json"))
    parser.add_argument("--after", type=float, default=60.0, help="seconds to watch first")
    parser.add_argument("--out", type=Path, default=Path("docs/live-view.png"))
    args = parser.parse_args()
    if not available():
        parser.error("needs Debian's chromium and chromium-driver (make setup installs them)")
    try:
        url = json.loads(args.stack.read_text())["api_url"] + LIVE_PATH
    except (OSError, ValueError, KeyError) as exc:
        parser.error(f"cannot read the stack's URL from {args.stack}: {exc}")
    browser = headless_chromium(1280, 640)
    try:
        browser.get(url)
        time.sleep(args.after)
        browser.save_screenshot(str(args.out))
    finally:
        browser.quit()
    print(f"wrote {args.out}")  # noqa: T201 - a command-line tool's one line of output


if __name__ == "__main__":
    main()
