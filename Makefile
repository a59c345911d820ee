# `make demo` and `make test` work on a fresh machine: they create .venv and install into it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install demo test bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) -m lamina demo

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m pip install -q -e ".[test,bench]"
	$(PY) bench/fit_mlp.py
	$(PY) bench/fit_cnn.py
	$(PY) bench/fit_lstm.py
	$(PY) bench/predict.py
	$(PY) bench/memory.py

clean:
	rm -rf $(VENV) .pytest_cache
