package sdktest

import (
	"net/http"
	"path/filepath"
	"strings"
)

// Assets serves, beside the API on the same origin (as the inspector web app is served), the
// SDK's bundle and the pages that load it: /__sdk/ the browser tests' page, /__bench/ the
// benchmark's page with PocketBase's own JS SDK (from node_modules, a devDependency). jsDir is
// mobile-api/js. It answers false for any other path. cmd/fsbench serves the benchmark with it too.
func Assets(jsDir string, w http.ResponseWriter, r *http.Request) bool {
	var dir string
	name := filepath.Base(r.URL.Path)
	switch {
	case strings.HasPrefix(r.URL.Path, "/__sdk/"):
		dir = filepath.Join(jsDir, "test", "browser")
	case strings.HasPrefix(r.URL.Path, "/__bench/"):
		dir = filepath.Join(jsDir, "bench")
		if name == "pocketbase.es.mjs" {
			dir = filepath.Join(jsDir, "node_modules", "pocketbase", "dist")
		}
	default:
		return false
	}
	if name == "fieldsync.js" {
		dir = filepath.Join(jsDir, "dist")
	}
	if strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".mjs") {
		w.Header().Set("Content-Type", "text/javascript")
	}
	http.ServeFile(w, r, filepath.Join(dir, name))
	return true
}
