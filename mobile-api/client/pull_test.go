package client_test

import (
	"database/sql"
	"net/http"
	"reflect"
	"slices"
	stdsync "sync"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/access"
	fssync "github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/mobile-api/client"
)

var scopeA, scopeB = client.Scope("sd:" + testkit.SubdistrictA), client.Scope("sd:" + testkit.SubdistrictB)

// A pull that brings a new version of a record the inspector is editing keeps the edit on top
// of the new version.
func TestPull_KeepsUnpushedEdits(t *testing.T) {
	e := newEnv(t)
	ins, sup := e.open(testkit.InspectorA, "inspector"), e.open(testkit.SupervisorA, "supervisor")
	sync(t, ins)
	sync(t, sup)
	ctx := t.Context()
	f := testkit.Side("finding", "a")
	before := must[client.Record](t)(ins.Get(ctx, "findings", f))
	if err := ins.Patch(ctx, "findings", f, map[string]any{"description": "巡查员：已复查"}); err != nil {
		t.Fatal(err)
	}
	if err := sup.Patch(ctx, "findings", f, map[string]any{"severity": "major"}); err != nil {
		t.Fatal(err)
	}
	sync(t, sup)
	pull(t, ins)
	r := must[client.Record](t)(ins.Get(ctx, "findings", f))
	if r.V != before.V+1 || !r.Dirty || r.Data["severity"] != "major" || r.Data["description"] != "巡查员：已复查" {
		t.Fatalf("after pull: %+v", r)
	}
	push, _ := sync(t, ins)
	if len(push.Results) != 1 || push.Results[0].Outcome != client.Merged {
		t.Errorf("results = %+v", push.Results)
	}
	e.assertConverged(ins, testkit.InspectorA)
}

// An inspector moved from subdistrict A to B while offline loses scope A and gains scope B,
// and the edit they made offline to a record of A comes back quarantined, not lost, whether
// the phone pushes before it pulls or after.
func TestPull_MovedInspector(t *testing.T) {
	for _, pushFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "push first", false: "pull first"}[pushFirst], func(t *testing.T) {
			e := newEnv(t)
			p := e.open(testkit.InspectorA, "phone")
			sync(t, p)
			ctx := t.Context()
			f := testkit.Side("finding", "a")
			if err := p.Patch(ctx, "findings", f, map[string]any{"description": "调岗前补充：电线已拆除"}); err != nil {
				t.Fatal(err)
			}
			created := must[string](t)(p.Create(ctx, "findings", newFinding("调岗前发现：楼道堆物")))
			user, err := e.srv.App.FindRecordById("users", testkit.InspectorA)
			if err != nil {
				t.Fatal(err)
			}
			user.Set("subdistricts", []string{testkit.SubdistrictB})
			access.AsSystem(user)
			if err := e.srv.App.Save(user); err != nil {
				t.Fatal(err)
			}
			var push client.PushReport
			var rep client.PullReport
			if pushFirst {
				push, rep = sync(t, p)
			} else {
				rep = pull(t, p)
				if r := must[client.Record](t)(p.Get(ctx, "findings", f)); !r.Dirty || r.Data["description"] != "调岗前补充：电线已拆除" {
					t.Fatalf("the purge of scope A dropped an unpushed edit: %+v", r)
				}
				push = must[client.PushReport](t)(p.Push(ctx))
				pull(t, p)
			}
			if !slices.Contains(rep.Removed, scopeA) || !slices.Contains(rep.Added, scopeB) {
				t.Errorf("pull report = %+v", rep)
			}
			if len(push.Results) != 2 || push.Results[0].Outcome != client.Quarantined || push.Results[1].Outcome != client.Quarantined {
				t.Fatalf("results = %+v", push.Results)
			}
			issues := must[[]client.Issue](t)(p.Issues(ctx))
			if len(issues) != 2 || issues[0].Data["description"] != "调岗前补充：电线已拆除" ||
				issues[1].ID != created || issues[1].Data["description"] != "调岗前发现：楼道堆物" {
				t.Errorf("issues = %+v", issues)
			}
			for _, id := range []string{f, created} {
				if n := e.count("SELECT COUNT(*) FROM sync_issues WHERE kind = 'quarantined' AND record_id = {:p0} AND user = {:p1}",
					id, testkit.InspectorA); n != 1 {
					t.Errorf("%d quarantine issues for %s on the server, want 1", n, id)
				}
				if _, err := p.Get(ctx, "findings", id); err == nil {
					t.Errorf("finding %s of A is still on the phone", id)
				}
			}
			must[client.Record](t)(p.Get(ctx, "findings", testkit.Side("finding", "b")))
			e.assertConverged(p, testkit.InspectorA)

			// The supervisor of A accepts the quarantined edit: it reaches the finding.
			sup := e.open(testkit.SupervisorA, "supervisor")
			if err := sup.ResolveIssue(ctx, issues[0].Result.Issue, client.Accept); err != nil {
				t.Fatal(err)
			}
			sync(t, sup)
			if r := must[client.Record](t)(sup.Get(ctx, "findings", f)); r.Data["description"] != "调岗前补充：电线已拆除" {
				t.Errorf("accepted edit not applied: %+v", r)
			}
			e.assertConverged(sup, testkit.SupervisorA)
		})
	}
}

// A local store that drifted from the server (here: a version changed and a record added
// behind the client's back) is detected by the checksum at the head of the scope and healed
// by downloading the scope again, even when that download is cut off and resumed after the
// store was closed.
func TestPull_HealsDrift(t *testing.T) {
	e := newEnv(t)
	net := newLossy()
	smallPages := func(cfg *client.Config) { cfg.PullRows = 4 }
	p := e.open(testkit.InspectorA, "drifty")
	sync(t, p)
	p.Close()

	db, err := sql.Open("sqlite", e.path("drifty"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"UPDATE records SET v = v + 7 WHERE coll = 'findings' AND id = ?", []any{testkit.Side("finding", "a")}},
		{"INSERT INTO records (coll, id, v, base, data, dirty) VALUES ('findings', 'phantom00000000', 1, '{}', '{}', 0)", nil},
		{"INSERT INTO record_scopes (scope, coll, id) VALUES (?, 'findings', 'phantom00000000')", []any{string(scopeA)}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	p = e.open(testkit.InspectorA, "drifty", net.config, smallPages)
	net.loseAnswers("/api/sync/v1/pull", 3) // the check, the first page again, then cut off
	rep, err := p.Pull(t.Context())
	if err == nil || !slices.Equal(rep.Healed, []client.Scope{scopeA}) {
		t.Fatalf("healed = %v (%v), want [%s] and an error", rep.Healed, err, scopeA)
	}
	p.Close()
	p = e.open(testkit.InspectorA, "drifty", smallPages)
	if rep = pull(t, p); len(rep.Healed) != 0 {
		t.Errorf("the resumed download healed again: %v", rep.Healed)
	}
	if _, err := p.Get(t.Context(), "findings", "phantom00000000"); err == nil {
		t.Error("the phantom record survived the healing")
	}
	e.assertConverged(p, testkit.InspectorA)
	if rep = pull(t, p); len(rep.Healed) != 0 {
		t.Errorf("a second pull healed again: %v", rep.Healed)
	}
}

// A phone whose cursor fell below the server's removal horizon downloads the scope again, and
// drops the records the download did not send (their removal markers were compacted away),
// while keeping its unpushed edits.
func TestPull_ResetDropsWhatWasNotResent(t *testing.T) {
	e := newEnv(t)
	p := e.open(testkit.InspectorA, "phone")
	sync(t, p)
	ctx := t.Context()
	gone := testkit.Side("landentry", "a")
	must[client.Record](t)(p.Get(ctx, "bare_land_entries", gone))
	f := testkit.Side("finding", "a")
	if err := p.Patch(ctx, "findings", f, map[string]any{"responsible_party": "房东"}); err != nil {
		t.Fatal(err)
	}
	rec, err := e.srv.App.FindRecordById("bare_land_entries", gone)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.App.Delete(rec); err != nil {
		t.Fatal(err)
	}
	compact(t, e)
	if rep := pull(t, p); !slices.Contains(rep.Reset, scopeA) {
		t.Errorf("pull report = %+v", rep)
	}
	if _, err := p.Get(ctx, "bare_land_entries", gone); err == nil {
		t.Error("the reset kept a record the server no longer has")
	}
	if r := must[client.Record](t)(p.Get(ctx, "findings", f)); !r.Dirty || r.Data["responsible_party"] != "房东" {
		t.Errorf("the reset lost an unpushed edit: %+v", r)
	}
	sync(t, p)
	e.assertConverged(p, testkit.InspectorA)
}

// compact runs the server's compaction as if every removal were older than the retention.
func compact(t *testing.T, e *env) {
	t.Helper()
	if _, err := fssync.Compact(e.srv.App, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// A scope whose change rows are all removals (here: a finding referred to an agency and taken
// back) downloads like any other: a pull from cursor 0 sends only puts, and must not count the
// removals as more, or it answers has_more=true at cursor 0 with no change forever (this
// client then stops with an error rather than loop). (Fixed on the server in ad09c87; found by
// this test.)
func TestPull_RemovalOnlyScopeDownloads(t *testing.T) {
	e := newEnv(t)
	for _, agency := range []string{testkit.AgencyEnv, ""} {
		refer(t, e, testkit.Side("finding", "b"), agency)
	}
	p := e.open(testkit.EnvStaff, "env")
	sync(t, p)
	e.assertConverged(p, testkit.EnvStaff)
}

// refer sets a finding's agency as server code would, loading it afresh.
func refer(t *testing.T, e *env, id, agency string) {
	t.Helper()
	f, err := e.srv.App.FindRecordById("findings", id)
	if err != nil {
		t.Fatal(err)
	}
	f.Set("agency", agency)
	access.AsSystem(f)
	if err := e.srv.App.Save(f); err != nil {
		t.Fatal(err)
	}
}

// codings records the Content-Encoding of every answer; strip takes the client's
// Accept-Encoding off its requests, as a phone of before compression sent none.
type codings struct {
	mu    stdsync.Mutex
	seen  []string
	strip bool
}

func (c *codings) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.strip {
		req = req.Clone(req.Context())
		req.Header.Del("Accept-Encoding")
	}
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err == nil {
		c.mu.Lock()
		c.seen = append(c.seen, res.Header.Get("Content-Encoding"))
		c.mu.Unlock()
	}
	return res, err
}

// The client asks for compressed pulls, reads zstd answers, and ends with the records and
// checksums of a phone that asked for none.
func TestPull_DownloadsCompressed(t *testing.T) {
	e := newEnv(t)
	zipped, plain := &codings{}, &codings{strip: true}
	z := e.open(testkit.InspectorA, "zstd", func(c *client.Config) { c.HTTPClient = &http.Client{Transport: zipped} })
	p := e.open(testkit.InspectorA, "plain", func(c *client.Config) { c.HTTPClient = &http.Client{Transport: plain} })
	pull(t, z)
	pull(t, p)
	if !slices.Contains(zipped.seen, "zstd") {
		t.Errorf("no answer came as zstd: %q", zipped.seen)
	}
	if slices.ContainsFunc(plain.seen, func(s string) bool { return s != "" }) {
		t.Errorf("a client asking for no coding got %q", plain.seen)
	}
	ctx := t.Context()
	scopes := must[[]client.Scope](t)(z.Scopes(ctx))
	if !slices.Equal(scopes, must[[]client.Scope](t)(p.Scopes(ctx))) {
		t.Fatalf("scopes differ")
	}
	for _, sc := range scopes {
		if a, b := must[string](t)(z.Checksum(ctx, sc)), must[string](t)(p.Checksum(ctx, sc)); a != b {
			t.Errorf("%s: checksum %s against %s", sc, a, b)
		}
	}
	for _, coll := range []string{"places", "findings", "inspections", "users"} {
		a, b := must[[]client.Record](t)(z.List(ctx, coll)), must[[]client.Record](t)(p.List(ctx, coll))
		if len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Errorf("%s: %d records against %d, or they differ", coll, len(a), len(b))
		}
	}
}
