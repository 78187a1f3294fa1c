package apidoc_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// phone drives a live server as an app would, and checks every request it sends and every
// answer it gets against the document.
type phone struct {
	t       *testing.T
	k       *contract
	srv     *testkit.Server
	token   string
	id      string // client_id, also sent as X-Fieldsync-Client
	mid     int64
	cursors map[sync.Scope]sync.ScopeRequest
}

func newPhone(t *testing.T, k *contract, srv *testkit.Server, user, clientID string) *phone {
	return &phone{t: t, k: k, srv: srv, token: srv.Token("users", user), id: clientID,
		cursors: map[sync.Scope]sync.ScopeRequest{}}
}

// answer is a checked response.
type answer struct {
	Status int
	Body   []byte
	Header http.Header
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.Body, v); err != nil {
		t.Fatalf("decode %s: %v", a.Body, err)
	}
}

func (a answer) code(t *testing.T) string {
	t.Helper()
	var e struct{ Code string }
	a.decode(t, &e)
	return e.Code
}

// call sends body (a []byte or string as is, anything else as JSON) to the operation
// method tmpl (the document's path template) at path, checks a JSON body against the
// operation's request schema unless it is raw, and checks the answer against the document.
func call(t *testing.T, k *contract, srv *testkit.Server, token, clientID, method, tmpl, path string, body any) answer {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", token)
	}
	if clientID != "" {
		h.Set(sync.ClientHeader, clientID)
	}
	return send(t, k, srv, h, method, tmpl, path, body)
}

// send is call with the request's headers given.
func send(t *testing.T, k *contract, srv *testkit.Server, h http.Header, method, tmpl, path string, body any) answer {
	t.Helper()
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
			t.Fatal(err)
		}
		if err := k.checkRequest(method, tmpl, data); err != nil {
			t.Fatal(err)
		}
	}
	var rd io.Reader
	if data != nil {
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if data != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for name, vs := range h {
		req.Header[name] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.checkResponse(method, tmpl, res.StatusCode, res.Header.Get("Content-Type"), out); err != nil {
		t.Error(err)
	}
	return answer{Status: res.StatusCode, Body: out, Header: res.Header}
}

func (p *phone) post(tmpl string, body any) answer {
	p.t.Helper()
	return call(p.t, p.k, p.srv, p.token, p.id, http.MethodPost, tmpl, tmpl, body)
}

func (p *phone) register() answer {
	p.t.Helper()
	return p.post("/api/sync/v1/clients", sync.ClientRequest{ClientID: p.id, AppVersion: "1.0.0", SchemaVersion: sync.SchemaVersion})
}

// pull pulls once, checks every put's data against its record schema, and advances the
// cursors as an app does.
func (p *phone) pull(limit int) sync.PullResponse {
	p.t.Helper()
	a := p.post("/api/sync/v1/pull", sync.PullRequest{ClientID: p.id, Scopes: p.cursors, LimitRows: limit})
	if a.Status != http.StatusOK {
		p.t.Fatalf("pull: %d %s", a.Status, a.Body)
	}
	var out sync.PullResponse
	a.decode(p.t, &out)
	for sc, sr := range out.Scopes {
		for _, c := range sr.Changes {
			if c.Op != "put" {
				continue
			}
			if err := p.k.checkRecord(c.Coll, c.Data); err != nil {
				p.t.Errorf("pull, scope %s, change %s/%s: %v", sc, c.Coll, c.ID, err)
			}
		}
		if sr.Status == sync.StatusRemoved {
			delete(p.cursors, sc)
			continue
		}
		p.cursors[sc] = sync.ScopeRequest{Cursor: sr.Cursor}
	}
	return out
}

// pullAll pulls until no scope has more.
func (p *phone) pullAll(limit int) []sync.PullResponse {
	p.t.Helper()
	var pages []sync.PullResponse
	for range 100 {
		page := p.pull(limit)
		pages = append(pages, page)
		more := false
		for _, sr := range page.Scopes {
			more = more || sr.HasMore
		}
		if !more {
			return pages
		}
	}
	p.t.Fatal("pull never reached the head")
	return nil
}

// push numbers the mutations whose mid is 0 and sends them.
func (p *phone) push(ms ...sync.Mutation) answer {
	p.t.Helper()
	for i := range ms {
		if ms[i].MID == 0 {
			p.mid++
			ms[i].MID = p.mid
		}
	}
	if ms == nil {
		ms = []sync.Mutation{}
	}
	return p.post("/api/sync/v1/push", sync.PushRequest{ClientID: p.id, SentAt: "2018-05-02T10:40:00+08:00", Mutations: ms})
}

// results pushes and returns the outcomes of a 200 answer.
func (p *phone) results(ms ...sync.Mutation) []sync.Result {
	p.t.Helper()
	a := p.push(ms...)
	if a.Status != http.StatusOK {
		p.t.Fatalf("push: %d %s", a.Status, a.Body)
	}
	var out struct{ Results []sync.Result }
	a.decode(p.t, &out)
	for i, r := range out.Results {
		if i < len(ms) && ms[i].Op == sync.OpCreate && r.Outcome == sync.Applied {
			if err := p.k.checkCreate(ms[i].Coll, ms[i].Data); err != nil {
				p.t.Error(err)
			}
		}
	}
	return out.Results
}

func (p *phone) resolve(issue, decision string) answer {
	p.t.Helper()
	return call(p.t, p.k, p.srv, p.token, p.id, http.MethodPost, "/api/sync/v1/issues/{id}/resolve",
		"/api/sync/v1/issues/"+issue+"/resolve", sync.ResolveRequest{Decision: decision})
}

// wantStatus fails the test unless a answered status (and, if given, code).
func wantStatus(t *testing.T, what string, a answer, status int, code string) {
	t.Helper()
	if a.Status != status || (code != "" && a.code(t) != code) {
		t.Errorf("%s: %d %s, want %d %s", what, a.Status, a.Body, status, code)
	}
}

// outcomes returns the outcome names of results, for messages.
func outcomes(rs []sync.Result) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Outcome + "/" + r.Code + " ")
	}
	return b.String()
}
