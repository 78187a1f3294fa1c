// Package testkit gives fieldsync's tests a real PocketBase app on a temporary data dir, built
// once per test binary from the Go migrations and a small fixture, and served over real HTTP
// on loopback. Tests clone the migrated template instead of migrating again, so each test gets
// a fresh database in milliseconds.
package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/haidian/fieldsync/internal/sqlite"

	// The schema under test.
	_ "github.com/haidian/fieldsync/pb_migrations"
)

var templateDir string

// Runner runs a package's tests: a *testing.M, or a wrapper that runs them more than once
// (the blob suite runs on local disk and on S3).
type Runner interface{ Run() int }

// Main builds the shared migrated fixture, runs the package's tests and removes the fixture.
// Call it from TestMain.
func Main(m Runner) {
	dir, err := buildTemplate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		os.Exit(2)
	}
	templateDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildTemplate migrates an empty data dir and loads the fixture, with the app's hooks bound
// so the fixture's audit rows are written as in production.
func buildTemplate() (string, error) {
	dir, err := os.MkdirTemp("", "fieldsync-template-")
	if err != nil {
		return "", err
	}
	app := core.NewBaseApp(appConfig(dir))
	if err := app.Bootstrap(); err != nil {
		return "", fmt.Errorf("bootstrap: %w", err)
	}
	defer app.ClearBootstrap()
	// Bound before migrating, as in production, so the reference data the migrations load
	// passes through the same hooks (change log, audit) as every later write.
	if bind != nil {
		bind(app)
	}
	if err := app.RunAllMigrations(); err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	if err := loadFixture(app); err != nil {
		return "", fmt.Errorf("fixture: %w", err)
	}
	if err := exemptLoopback(app, loopback); err != nil {
		return "", fmt.Errorf("rate limits: %w", err)
	}
	return dir, nil
}

// loopback is where every test request comes from. PocketBase's rate limits, on by default
// (pb_migrations/1764205200_signin.go), count requests per address: a single test sends more
// from one address than the limits allow a whole office, so the fixture exempts loopback and
// keeps the production rules otherwise as they are.
var loopback = []string{"127.0.0.1", "::1"}

func exemptLoopback(app core.App, ips []string) error {
	s := app.Settings()
	s.RateLimits.ExcludedIPs = ips
	return app.Save(s)
}

// RateLimitsAsInProduction lifts the fixture's loopback exemption from app's rate limits, for
// the tests of the limits themselves.
func RateLimitsAsInProduction(t testing.TB, app core.App) {
	t.Helper()
	if err := exemptLoopback(app, nil); err != nil {
		t.Fatalf("testkit: rate limits: %v", err)
	}
}

// appConfig opens dir's databases as the server does (statement cache included), with
// synchronous=NORMAL: tests check behaviour, not survival of a power cut, and an fsync per
// commit would only slow them.
func appConfig(dir string) core.BaseAppConfig {
	return core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env", DBConnect: sqlite.DBConnect(sqlite.SyncNormal)}
}

// bind wires the modules under test; set by SetBind before Main.
var bind func(core.App)

// SetBind sets the function that wires fieldsync's modules into every test app (normally
// app.Bind). Call it in TestMain before Main.
func SetBind(f func(core.App)) { bind = f }

// NewApp returns a fresh app on a clone of the fixture, wired with the modules, and removes it
// when the test ends.
func NewApp(t testing.TB) *tests.TestApp {
	t.Helper()
	return NewAppWith(t, bind)
}

// NewAppWith is NewApp with the modules wired by with instead of SetBind's function: a test
// app with other settings (with nil wires nothing).
func NewAppWith(t testing.TB, with func(core.App)) *tests.TestApp {
	t.Helper()
	if templateDir == "" {
		t.Fatal("testkit: call testkit.Main from TestMain")
	}
	app, err := tests.NewTestAppWithConfig(appConfig(templateDir))
	if err != nil {
		t.Fatalf("testkit: new app: %v", err)
	}
	if with != nil {
		with(app)
	}
	t.Cleanup(app.Cleanup)
	return app
}

// Server is an app served over real HTTP on loopback. Its address survives Restart.
type Server struct {
	App *tests.TestApp
	URL string
	t   testing.TB
	mux *atomic.Pointer[http.Handler]
}

// Serve starts app's router, with every OnServe hook applied, on a loopback port.
func Serve(t testing.TB, app *tests.TestApp) *Server {
	t.Helper()
	s := &Server{App: app, t: t, mux: new(atomic.Pointer[http.Handler])}
	s.mux.Store(s.build(app))
	// One listener for the server's whole life; Restart swaps the handler behind it.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*s.mux.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *Server) build(app *tests.TestApp) *http.Handler {
	s.t.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		s.t.Fatal(err)
	}
	// As apis.Serve does for the deployed server (its --origins default "*"): every answer
	// then carries the same headers, "Vary: Origin" among them, which the inspectors' app's
	// service worker must cope with.
	router.Bind(apis.CORS(apis.CORSConfig{AllowOrigins: []string{"*"},
		AllowMethods: []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodPost, http.MethodDelete}}))
	var h http.Handler
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		h = mux
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	// Serving starts PocketBase's scheduler. Its jobs stay registered but must not tick: one
	// firing on the wall clock's five-minute marks (escalation) would change a test's data at
	// random. Tests run the jobs' functions themselves, on an injected clock.
	app.Cron().Stop()
	return &h
}

// Restart stops the app as a shutdown would (closing its databases) and starts a new app on
// the same files, behind the same address. Requests in flight during the swap may fail, as
// they would against a real restart.
func (s *Server) Restart() {
	s.t.Helper()
	dir := s.App.DataDir()
	s.App.ClearBootstrap()
	app, err := tests.NewTestAppWithConfig(appConfig(dir)) // a clone of the closed app's files
	if err != nil {
		s.t.Fatalf("testkit: restart: %v", err)
	}
	if bind != nil {
		bind(app)
	}
	s.t.Cleanup(app.Cleanup)
	s.App = app
	s.mux.Store(s.build(app))
}

// ServeHTTP hands r to the app's router in process, without a connection: for tests that send
// tens of thousands of requests, where loopback round trips would dominate.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*s.mux.Load()).ServeHTTP(w, r) }

// For returns a view of s that reports failures to t, for subtests and fuzz targets.
func (s *Server) For(t testing.TB) *Server {
	c := *s
	c.t = t
	return &c
}

// Response is a decoded HTTP response.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
}

// JSON decodes the body into a generic map; it fails the test if the body is not an object.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
	return m
}

// Do sends a request with an optional auth token and body (a []byte or string is sent as is,
// anything else as JSON) and returns the response.
func (s *Server) Do(method, path, token string, body any) Response {
	s.t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		data = b
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			s.t.Fatal(err)
		}
	}
	var header map[string]string
	if body != nil {
		header = map[string]string{"Content-Type": "application/json"}
	}
	return s.DoRaw(method, path, token, header, data)
}

// DoRaw sends body as it is, with the given headers and an optional auth token, and returns
// the response. It asks for no compression, so the body read is the body the server wrote.
func (s *Server) DoRaw(method, path, token string, header map[string]string, body []byte) Response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return Response{Status: res.StatusCode, Body: data, Header: res.Header}
}

// Token returns an auth token for the record with the given id in collection ("users" or
// "_superusers").
func (s *Server) Token(collection, id string) string {
	s.t.Helper()
	r, err := s.App.FindRecordById(collection, id)
	if err != nil {
		s.t.Fatalf("token for %s/%s: %v", collection, id, err)
	}
	tok, err := r.NewAuthToken()
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}
