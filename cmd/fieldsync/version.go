package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// The build's identity, set by scripts/build.sh (make build) with -ldflags -X; a plain
// go build or go run leaves these.
var (
	version = "dev"
	commit  = "unknown"
	built   = "unknown"
)

// versionText is what fieldsync --version prints.
func versionText() string {
	return fmt.Sprintf("fieldsync %s\ncommit: %s\nbuilt: %s\ngo: %s %s/%s\npocketbase: %s\n",
		version, commit, built, runtime.Version(), runtime.GOOS, runtime.GOARCH, moduleVersion("github.com/pocketbase/pocketbase"))
}

// moduleVersion is the version of the module at path built into the binary.
func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == path {
				return m.Version
			}
		}
	}
	return "unknown"
}
