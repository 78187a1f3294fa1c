package publicweb_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

const publicBase = "https://jiandu.haidian.example"

// newServer serves a fresh app whose public address is set.
func newServer(t *testing.T) *testkit.Server {
	t.Helper()
	srv := testkit.Serve(t, testkit.NewApp(t))
	setAppURL(t, srv.App, publicBase)
	return srv
}

func setAppURL(t *testing.T, app core.App, u string) {
	t.Helper()
	app.Settings().Meta.AppURL = u
	if err := app.Save(app.Settings()); err != nil {
		t.Fatal(err)
	}
}

// page is an answer of the pages.
type page struct {
	status int
	body   string
	header http.Header
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, srv *testkit.Server, path string) page {
	t.Helper()
	return send(t, srv, http.MethodGet, path, nil)
}

func post(t *testing.T, srv *testkit.Server, path string, form url.Values) page {
	t.Helper()
	return send(t, srv, http.MethodPost, path, form)
}

func send(t *testing.T, srv *testkit.Server, method, path string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, string(data), res.Header}
}

// hidden reads the value of the hidden input name in a page.
func hidden(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in the form", name)
	}
	return m[1]
}

func mustSave(t *testing.T, app core.App, r *core.Record) {
	t.Helper()
	access.AsSystem(r)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}
