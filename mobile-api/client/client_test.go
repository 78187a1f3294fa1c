package client_test

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	stdsync "sync"
	"testing"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/mobile-api/client"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// env is one test's server, served over real HTTP, and a directory for the phones' stores.
type env struct {
	t   *testing.T
	srv *testkit.Server
	dir string
}

func newEnv(t *testing.T) *env {
	return &env{t: t, srv: testkit.Serve(t, testkit.NewApp(t)), dir: t.TempDir()}
}

func (e *env) path(name string) string { return filepath.Join(e.dir, name+".db") }

// open opens the store name of a phone of user; tweaks change its config.
func (e *env) open(user, name string, tweaks ...func(*client.Config)) *client.Client {
	e.t.Helper()
	cfg := client.Config{BaseURL: e.srv.URL, Token: e.srv.Token("users", user), ClientID: "device-" + name, AppVersion: "test"}
	for _, f := range tweaks {
		f(&cfg)
	}
	c, err := client.Open(e.t.Context(), e.path(name), cfg)
	if err != nil {
		e.t.Fatalf("open %s: %v", name, err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

func sync(t *testing.T, c *client.Client) (client.PushReport, client.PullReport) {
	t.Helper()
	push, pull, err := c.Sync(t.Context())
	if err != nil {
		t.Fatalf("sync %s: %v", c.ID(), err)
	}
	return push, pull
}

func pull(t *testing.T, c *client.Client) client.PullReport {
	t.Helper()
	rep, err := c.Pull(t.Context())
	if err != nil {
		t.Fatalf("pull %s: %v", c.ID(), err)
	}
	return rep
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// record is a record as the server has it: its version and data.
type record struct {
	V    int64
	Data map[string]any
}

// truth is what the server holds for a user, read through the protocol itself: a pull from
// scratch under a fresh client id, independent of the client under test.
type truth struct {
	records   map[string]record // by "coll/id"
	checksums map[client.Scope]string
}

func (e *env) truth(user string) truth {
	e.t.Helper()
	token, id := e.srv.Token("users", user), "truth-"+user
	if res := e.srv.Do(http.MethodPost, "/api/sync/v1/clients", token, map[string]any{
		"client_id": id, "app_version": "truth", "schema_version": client.SchemaVersion}); res.Status != http.StatusOK {
		e.t.Fatalf("register truth: %d %s", res.Status, res.Body)
	}
	res := e.srv.Do(http.MethodPost, "/api/sync/v1/pull", token, map[string]any{
		"client_id": id, "scopes": map[string]any{}, "limit_rows": 5000})
	var body struct {
		Scopes map[client.Scope]struct {
			HasMore  bool   `json:"has_more"`
			Checksum string `json:"checksum"`
			Changes  []struct {
				Coll, ID, Op string
				V            int64
				Data         map[string]any
			} `json:"changes"`
		} `json:"scopes"`
	}
	if err := jsonDecode(res.Body, &body); err != nil || res.Status != http.StatusOK {
		e.t.Fatalf("truth pull: %d %v %s", res.Status, err, res.Body)
	}
	tr := truth{records: map[string]record{}, checksums: map[client.Scope]string{}}
	for sc, sr := range body.Scopes {
		if sr.HasMore {
			e.t.Fatalf("truth pull of %s has more", sc)
		}
		tr.checksums[sc] = sr.Checksum
		for _, c := range sr.Changes {
			tr.records[c.Coll+"/"+c.ID] = record{V: c.V, Data: c.Data}
		}
	}
	return tr
}

// local returns every record of a phone's store, by "coll/id".
func (e *env) local(c *client.Client) map[string]client.Record {
	e.t.Helper()
	colls, err := e.srv.App.FindAllCollections()
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]client.Record{}
	for _, coll := range colls {
		for _, r := range must[[]client.Record](e.t)(c.List(e.t.Context(), coll.Name)) {
			out[r.Coll+"/"+r.ID] = r
		}
	}
	return out
}

// assertConverged checks that a phone of user holds exactly what the server holds for user:
// the same scopes, the same records at the same versions with the same data, no edit left to
// push, and the same checksum in every scope.
func (e *env) assertConverged(c *client.Client, user string) {
	e.t.Helper()
	tr := e.truth(user)
	if len(tr.records) == 0 {
		e.t.Fatalf("the server holds nothing for %s", user)
	}
	scopes := must[[]client.Scope](e.t)(c.Scopes(e.t.Context()))
	if want := slices.Sorted(maps.Keys(tr.checksums)); !slices.Equal(scopes, want) {
		e.t.Errorf("%s: scopes %v, server %v", c.ID(), scopes, want)
	}
	for sc, want := range tr.checksums {
		if got := must[string](e.t)(c.Checksum(e.t.Context(), sc)); got != want {
			e.t.Errorf("%s: checksum of %s is %s, server %s", c.ID(), sc, got, want)
		}
	}
	local := e.local(c)
	for key, want := range tr.records {
		got, ok := local[key]
		switch {
		case !ok:
			e.t.Errorf("%s: %s missing", c.ID(), key)
		case got.V != want.V || got.Dirty || !reflect.DeepEqual(got.Data, want.Data):
			e.t.Errorf("%s: %s differs:\n local  v%d dirty=%v %v\n server v%d %v", c.ID(), key, got.V, got.Dirty, got.Data, want.V, want.Data)
		}
	}
	for key := range local {
		if _, ok := tr.records[key]; !ok {
			e.t.Errorf("%s: %s is local only", c.ID(), key)
		}
	}
}

// lossy is an http.RoundTripper to the real server that can lose answers: the server has
// acted, but the phone hears a network error instead.
type lossy struct {
	mu    stdsync.Mutex
	sent  map[string]int          // requests sent, by path
	drops map[string]map[int]bool // the answers to lose: path → request numbers from 1
}

func newLossy() *lossy { return &lossy{sent: map[string]int{}, drops: map[string]map[int]bool{}} }

// loseAnswers loses the answers of the nth next requests to path: 1 is the next one.
func (l *lossy) loseAnswers(path string, nth ...int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.drops[path] == nil {
		l.drops[path] = map[int]bool{}
	}
	for _, n := range nth {
		l.drops[path][l.sent[path]+n] = true
	}
}

func (l *lossy) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.sent[req.URL.Path]++
	lose := l.drops[req.URL.Path][l.sent[req.URL.Path]]
	l.mu.Unlock()
	if lose {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return nil, errors.New("connection reset: answer lost by the test")
	}
	return res, nil
}

func (l *lossy) config(cfg *client.Config) { cfg.HTTPClient = &http.Client{Transport: l} }

// count returns the number of rows a SQL count query over the server's database finds.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	q := e.srv.App.DB().NewQuery(query)
	params := map[string]any{}
	for i, a := range args {
		params[fmt.Sprintf("p%d", i)] = a
	}
	if err := q.Bind(params).Row(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}
