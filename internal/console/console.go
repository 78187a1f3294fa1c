// Package console serves the supervisors' web console: queues, timelines, figures and their
// exports, in Chinese first with an English switch. It is static pages embedded in the binary,
// so nothing else is built or served at run time, and they call the same API as every other
// client with the user's own token: the console sees what the API lets that user see and
// nothing more. Its one route of its own (ExportPath) lays out as CSV or XLSX the rows the
// console already read; it reads nothing itself.
package console

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

//go:embed ui
var files embed.FS

// Path is where the console is served.
const Path = "/console/"

// Register serves the console under Path, and the route that writes its lists as files.
func Register(app core.App) {
	ui, err := fs.Sub(files, "ui")
	if err != nil {
		panic(err) // the embedded tree is part of the build
	}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/console", func(e *core.RequestEvent) error {
			return e.Redirect(http.StatusMovedPermanently, Path)
		})
		se.Router.GET(Path+"{path...}", apis.Static(ui, true)).BindFunc(securityHeaders)
		registerExport(se)
		return se.Next()
	})
}

// securityHeaders keeps the console's pages from running anything but their own scripts
// and from being framed: it holds a supervisor's token.
func securityHeaders(e *core.RequestEvent) error {
	h := e.Response.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "+
		"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	return e.Next()
}
