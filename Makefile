# PocketBase v0.40 needs Go 1.27; the go command fetches this toolchain by itself.
export GOTOOLCHAIN := go1.27.3

# The long suites (thousands of random seeds, crash loops) run with LONG=1.
LONG ?=

.PHONY: run test test-long bench demo build vet browser proxy

## run: the server on embedded SQLite in ./pb_data, admin UI at http://127.0.0.1:8090/_/
run:
	go run ./cmd/fieldsync serve --http 127.0.0.1:8090

## test: every test, as CI runs it
test: browser proxy
	go vet ./...
	go test -count=1 -timeout 40m ./...

## browser: Debian's chromium for the console's browser tests, installed when missing
browser:
	@bash scripts/install-chromium.sh

## proxy: Debian's nginx for the test of the documented reverse proxy, installed when missing
proxy:
	@bash scripts/install-nginx.sh

## test-long: the same tests with the long randomized and crash suites at full length
test-long: browser proxy
	FIELDSYNC_LONG=1 go test -count=1 -timeout 3h ./...

## demo: load the demo accounts and records into ./pb_data
demo:
	go run ./cmd/fieldsync demo

## build: the static server binary with its version (bin/fieldsync; fieldsync --version)
build:
	bash scripts/build.sh bin/fieldsync
