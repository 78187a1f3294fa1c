// Package inspectorapp serves 巡查通, the inspectors' installable offline web app, at /app/.
// Like the console it is static files embedded in the binary that speak only the public API
// with the user's own token; unlike the console it must open with no network at all, so a
// service worker keeps its shell on the phone.
//
// The service worker is the one file not served as it is: the server writes into it the list
// of the shell's files and a version made from their contents, so any change of any file
// makes a new worker, which the phone installs on its next visit online, and no build step or
// hand-kept list can fall out of date.
package inspectorapp

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

//go:embed ui
var files embed.FS

// Path is where the app is served; it is also the service worker's scope.
const Path = "/app/"

const workerName = "sw.js"

// Register serves the app under Path.
func Register(app core.App) {
	ui, err := fs.Sub(files, "ui")
	if err != nil {
		panic(err) // the embedded tree is part of the build
	}
	worker, err := Worker(ui)
	if err != nil {
		panic(err)
	}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/app", func(e *core.RequestEvent) error {
			return e.Redirect(http.StatusMovedPermanently, Path)
		})
		se.Router.GET(Path+workerName, func(e *core.RequestEvent) error {
			h := e.Response.Header()
			h.Set("Content-Type", "text/javascript; charset=utf-8")
			h.Set("Service-Worker-Allowed", Path)
			return e.Blob(http.StatusOK, "text/javascript; charset=utf-8", worker)
		}).BindFunc(securityHeaders)
		se.Router.GET(Path+"{path...}", func(e *core.RequestEvent) error {
			if strings.HasSuffix(e.Request.PathValue("path"), ".webmanifest") {
				e.Response.Header().Set("Content-Type", "application/manifest+json")
			}
			return apis.Static(ui, true)(e)
		}).BindFunc(securityHeaders)
		return se.Next()
	})
}

// Worker returns the service worker of the shell in ui: ui's sw.js with the list of every
// other file (as URLs under Path) and the hash of all their contents written in.
func Worker(ui fs.FS) ([]byte, error) {
	src, err := fs.ReadFile(ui, workerName)
	if err != nil {
		return nil, err
	}
	shell := []string{Path}
	sum := sha256.New()
	err = fs.WalkDir(ui, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == workerName {
			return err
		}
		data, err := fs.ReadFile(ui, path)
		if err != nil {
			return err
		}
		sum.Write([]byte(path))
		sum.Write(data)
		shell = append(shell, Path+path)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sum.Write(src)
	slices.Sort(shell)
	list, err := json.Marshal(shell)
	if err != nil {
		return nil, err
	}
	version := hex.EncodeToString(sum.Sum(nil))[:16]
	out := bytes.Replace(src, []byte(`"__SHELL_VERSION__"`), []byte(`"`+version+`"`), 1)
	return bytes.Replace(out, []byte(`["__SHELL_FILES__"]`), list, 1), nil
}

// securityHeaders keep the app's pages from running anything but their own scripts and from
// being framed (they hold an inspector's token), and allow what an inspection needs: the
// camera and the phone's position, for this origin only.
func securityHeaders(e *core.RequestEvent) error {
	h := e.Response.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "+
		"script-src 'self'; worker-src 'self'; manifest-src 'self'; connect-src 'self'; "+
		"frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(self), geolocation=(self)")
	// Online, the phone always asks whether a file changed; offline, the worker answers.
	h.Set("Cache-Control", "no-cache")
	return e.Next()
}
