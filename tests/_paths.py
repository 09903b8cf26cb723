"""Where the tests find the repository: one place, whatever folder a test lives in."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SRC = REPO / "src"
DATA = TESTS / "resources"
