# PocketBase v0.40 needs Go 1.27; the go command fetches this toolchain by itself.
export GOTOOLCHAIN := go1.27.3

# The long suites (thousands of random seeds, crash loops) run with LONG=1.
LONG ?=

.PHONY: run test test-long bench demo build vet browser proxy mailpit npm sdk mutants

## run: the server on embedded SQLite in ./pb_data, admin UI at http://127.0.0.1:8090/_/
run: build
	./bin/fieldsync serve --http 127.0.0.1:8090

## test: every test, as CI runs it
test: browser proxy mailpit sdk npm
	go vet ./...
	go test -count=1 -timeout 40m ./...
	# the Go benchmarks (the packages that have them) once each, so that no change breaks them unnoticed
	go test -count=1 -run '^$$' -bench . -benchtime 1x ./internal/sync ./internal/sqlite

## browser: Debian's chromium for the console's browser tests, installed when missing
browser:
	@bash scripts/install-chromium.sh

## proxy: Debian's nginx for the test of the documented reverse proxy, installed when missing
proxy:
	@bash scripts/install-nginx.sh

## mailpit: a real SMTP server for the public pages' e-mail tests, built once from the Go module proxy
MAILPIT := $(HOME)/.cache/fieldsync/mailpit-v1.33.1
export FIELDSYNC_MAILPIT := $(MAILPIT)/mailpit
mailpit:
	@test -x $(MAILPIT)/mailpit || GOBIN=$(MAILPIT) GOFLAGS=-mod=mod go install github.com/axllent/mailpit@v1.33.1

## npm: the JavaScript the page tests use, from the committed lockfiles (go build never needs it)
npm:
	cd internal/publicweb/testdata/axe && npm ci --no-audit --no-fund --silent

## sdk: the JavaScript SDK's npm packages from its lockfile, and the check that its types and dist/ are current
sdk:
	@bash scripts/sdk-deps.sh

## test-long: the same tests with the long randomized and crash suites at full length
test-long: browser proxy mailpit sdk npm
	FIELDSYNC_LONG=1 go test -count=1 -timeout 3h ./...

## mutants: plant faults one at a time in a temporary copy and check the sync model test catches each
mutants:
	bash scripts/mutants.sh

## demo: load the demo accounts and records into ./pb_data
demo:
	go run ./cmd/fieldsync demo

## build: the static server binary with its version (bin/fieldsync; fieldsync --version)
build:
	@echo "compiling bin/fieldsync (the first build takes about two minutes on 2 cores; later ones reuse Go's cache)"
	bash scripts/build.sh bin/fieldsync
