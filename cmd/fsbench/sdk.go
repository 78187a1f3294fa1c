package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/haidian/fieldsync/internal/benchdata"
	"github.com/haidian/fieldsync/mobile-api/sdktest"
)

// benchSDK is benchmark 5: the first sync of inspector 1 of subdistrict sd into IndexedDB in
// headless chromium by the JavaScript SDK, against PocketBase's own JS SDK listing the same
// collections with getFullList into IndexedDB, then delta syncs. The browser half and its
// driver are mobile-api/js/bench (node, playwright-core), which print the figures; this
// fronts the server with the benchmark's page on the same origin, as the inspector web app is
// served, and runs the driver. It needs node, `npm ci` in mobile-api/js and chromium.
func benchSDK(ctx context.Context, srv *server, sd, reps int, chromium string, out io.Writer) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	jsDir := filepath.Join(root, "mobile-api", "js")
	if _, err := os.Stat(filepath.Join(jsDir, "node_modules", "pocketbase")); err != nil {
		return fmt.Errorf("the SDK's npm packages are missing (cd mobile-api/js && npm ci): %w", err)
	}
	u, err := url.Parse(srv.url)
	if err != nil {
		return err
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	ln, err := freeListener()
	if err != nil {
		return err
	}
	front := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sdktest.Assets(jsDir, w, r) {
			proxy.ServeHTTP(w, r)
		}
	})}
	go front.Serve(ln)
	defer front.Close()

	cmd := exec.CommandContext(ctx, "node", filepath.Join("bench", "run.mjs"), strconv.Itoa(reps))
	cmd.Dir = jsDir
	cmd.Env = append(os.Environ(), "FS_URL=http://"+ln.Addr().String(), "FS_EMAIL="+benchdata.InspectorEmail(sd, 1),
		"FS_PASSWORD="+benchdata.Password, "FS_CHROMIUM="+chromium)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("node bench/run.mjs: %w", err)
	}
	return nil
}
