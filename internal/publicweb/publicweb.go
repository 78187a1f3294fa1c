// Package publicweb serves the pages parents and residents use without an account: a
// centre's page (what its QR code opens, /c/{id}), centre search, the report form, and the
// tracking page a reporter comes back to with a link or a short code. The pages are
// server-rendered html/template, embedded in the binary, and work with JavaScript failing;
// the one small script (static/report.js) only uploads photos through the public upload door.
// Nothing is loaded from elsewhere: no third-party scripts, fonts or maps.
//
// What a page shows of a centre comes from tutoring.FindLookup, the code behind the public
// centre API, and what it shows of a report from reports.Service.ReporterView, the code behind
// the receipt view: the pages publish nothing those doors do not.
package publicweb

import (
	"embed"
	"html/template"
	"io/fs"
	"net/url"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/reports"
	"github.com/haidian/fieldsync/internal/schema"
)

//go:embed templates static
var files embed.FS

// maxForm bounds a posted form: the description (4,000 characters), contact and photo ids.
const maxForm = 64 << 10

// Site is the public pages bound to an app and its reports service.
type Site struct {
	app     core.App
	reports *reports.Service
	pages   *template.Template
	guard   *codeGuard
}

// Register serves the public pages and sends reporters their e-mail updates.
func Register(app core.App, rep *reports.Service) *Site {
	s := &Site{app: app, reports: rep, pages: parsePages(), guard: newCodeGuard()}
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree is part of the build
	}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("")
		g.BindFunc(securityHeaders)
		g.GET("/c", s.handleSearch)
		g.GET("/c/{id}", s.handleCentre)
		g.GET("/r", s.handleForm)
		g.POST("/r", s.handleSubmit).Bind(apis.BodyLimit(maxForm))
		g.GET("/t", s.handleFind)
		g.POST("/t", s.handleFindPost).Bind(apis.BodyLimit(maxForm))
		g.GET("/t/{tracking}/{code}", s.handleTrack)
		g.POST("/t/{tracking}/{code}", s.handleAdd).Bind(apis.BodyLimit(maxForm))
		g.GET("/p/{path...}", apis.Static(static, false))
		return se.Next()
	})
	s.bindMail(app)
	return s
}

// securityHeaders: only our own script and styles run; the pages are never framed; a link
// holding a short code is not sent on as a referrer.
func securityHeaders(e *core.RequestEvent) error {
	h := e.Response.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "+
		"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	return e.Next()
}

// render writes page with status; data is completed with the language and the path.
func (s *Site) render(e *core.RequestEvent, status int, page string, data map[string]any) error {
	lang := langOf(e)
	data["Lang"] = lang
	data["Switch"] = switchLink(e, lang)
	if sd, err := e.App.FindFirstRecordByFilter(schema.Subdistricts, ""); err == nil {
		// Any subdistrict will do for a photo's upload: a report takes its photos into its own.
		data["UploadSubdistrict"] = sd.Id
	}
	if _, ok := data["Errors"]; !ok {
		data["Errors"] = map[string]string{}
	}
	if _, ok := data["Title"]; !ok {
		data["Title"] = tr(lang, page+".title")
	}
	h := e.Response.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	e.Response.WriteHeader(status)
	return s.pages.ExecuteTemplate(e.Response, page, data)
}

// switchLink is the same page in the other language, keeping the rest of its query (a
// search, the centre of a form).
func switchLink(e *core.RequestEvent, lang string) string {
	q := e.Request.URL.Query()
	if lang == "en" {
		q.Del("lang")
	} else {
		q.Set("lang", "en")
	}
	u := url.URL{Path: e.Request.URL.Path, RawQuery: q.Encode()}
	return u.String()
}

// langOf is "en" when the page was asked for in English (?lang=en), "zh" otherwise: Chinese
// first, whatever the browser says, because a parent's phone may be set to anything.
func langOf(e *core.RequestEvent) string {
	if e.Request.URL.Query().Get("lang") == "en" || e.Request.FormValue("lang") == "en" {
		return "en"
	}
	return "zh"
}

func parsePages() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"t":     tr,
		"term":  term,
		"href":  href,
		"deref": func(b *bool) bool { return b != nil && *b },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
	}).ParseFS(files, "templates/*.html"))
}

// errorPage answers a failure the pages cannot show better, keeping its cause in the log.
func (s *Site) errorPage(e *core.RequestEvent, err error) error {
	status, msg := faultMessage(langOf(e), err)
	if status >= 500 {
		e.App.Logger().Error("public page failed", "path", e.Request.URL.Path, "error", err)
	}
	return s.render(e, status, "error", map[string]any{"Message": msg})
}
