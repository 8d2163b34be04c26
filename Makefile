# The README's commands. `make install` is idempotent: a second run does nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

# fairseq-fixed's metadata asks for torchaudio, which would pull a multi-GB CUDA torch, so its real
# dependencies are listed here and fairseq itself is installed without deps (see ../shared/DESIGN.md).
FAIRSEQ_DEPS := numpy cython hydra-core==1.3.2 omegaconf==2.3.0 regex sacrebleu tqdm bitarray \
	scikit-learn packaging cffi

.PHONY: install demo test bench clean

install: $(STAMP)

$(STAMP): setup.cfg setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q $(FAIRSEQ_DEPS)
	$(PIP) install -q --no-deps --no-build-isolation fairseq-fixed==0.12.3.1
	$(PIP) install -q -e '.[test,examples,teachers]'
	touch $(STAMP)

demo: install
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH bash examples/demo/run.sh

test: install
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH OMP_NUM_THREADS=1 $(PY) -m pytest -q -n 2 --dist loadfile tests

bench: install
	$(PIP) install -q -e '.[bench]'
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH bash benchmarks/run_all.sh

clean:
	rm -rf $(VENV) build *.egg-info
