// Package gobin builds the servers tests run beside fieldsync (an S3 server, Litestream) from
// their Go modules, once per pinned version: `go install module@version` into the user's
// cache (~/.cache/fieldsync/bin/<name>-<version>/). The Go build cache makes a rebuild after
// the binary's removal cheap; nothing of theirs enters fieldsync's go.mod.
package gobin

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
)

var (
	mu    sync.Mutex
	built = map[string]string{}
)

// Build returns the path of the command pkg (a main package's import path) at version,
// building it when the cache lacks it.
func Build(pkg, version string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	key := pkg + "@" + version
	if bin, ok := built[key]; ok {
		return bin, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	name := path.Base(pkg)
	dir := filepath.Join(cache, "fieldsync", "bin", name+"-"+version)
	bin := filepath.Join(dir, name)
	if _, err := os.Stat(bin); err != nil {
		// Test binaries of several packages may build at once: each installs into a directory
		// of its own and renames the result into place, so nobody runs a half-written file.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		tmp, err := os.MkdirTemp(dir, ".build-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(tmp)
		cmd := exec.Command("go", "install", key)
		cmd.Env = append(os.Environ(), "GOBIN="+tmp)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build %s: %v\n%s", key, err, out)
		}
		if err := os.Rename(filepath.Join(tmp, name), bin); err != nil {
			return "", err
		}
	}
	built[key] = bin
	return bin, nil
}
