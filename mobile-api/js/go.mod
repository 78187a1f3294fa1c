// Not Go: this file makes mobile-api/js its own (empty) module, so that the repository's
// `go build ./...`, `go vet ./...` and `go test ./...` never walk into node_modules.
module github.com/haidian/fieldsync/mobile-api/js

go 1.27
