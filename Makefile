# Set-up and entry points. Every target creates what it needs on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch is pinned to the CPU wheel that lies on this kind of machine's disk; an unpinned
# torch would pull a multi-GB CUDA build. Change the pin (or TORCH_SPEC) for a GPU machine.
TORCH_SPEC ?= torch==2.13.0

.PHONY: study test wheel-check lint bench browser results-page clean

$(BIN)/invlab: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

## The main job: the built-in study "size-vs-invariance" on MNIST-1D (results/ by default).
study: $(BIN)/invlab
	$(BIN)/invlab study $(ARGS)

## The test suite: ruff, pytest (installs Chromium for the report's browser test), then the
## wheel installed without extras in a fresh venv runs `invlab study --quick` (.ci/wheel-check).
test: $(BIN)/invlab browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) wheel-check

## A user's `pip install invlab`: the wheel, no extras, a fresh venv outside the source tree.
wheel-check: $(BIN)/invlab
	TORCH_SPEC="$(TORCH_SPEC)" .ci/wheel-check $(BIN)/python

## docs/results.md's tables, rewritten from the committed study databases (docs/data/).
results-page: $(BIN)/invlab
	$(BIN)/invlab page docs/results.md

lint: $(BIN)/invlab
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian's Chromium for the headless report test; skipped where it is already there or
# where apt-get is not available (the test then skips with its reason).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed: the browser test will be skipped"; fi; }

## Benchmarks against the peers (Kymatio, e2cnn, scikit-image), medians and ratios.
bench: $(BIN)/invlab
	for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
