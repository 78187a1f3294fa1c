package sync_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// downloadBody is the raw answer of one pull of all of d's scopes from the start.
func downloadBody(t *testing.T, d *device) []byte {
	t.Helper()
	res := d.srv.Do(http.MethodPost, "/api/sync/v1/pull", d.token,
		sync.PullRequest{ClientID: d.id, Scopes: map[sync.Scope]sync.ScopeRequest{}, LimitRows: 5000})
	if res.Status != http.StatusOK {
		t.Fatalf("pull: %d %s", res.Status, res.Body)
	}
	return res.Body
}

// helperDelta is what became of page helpers since a count was taken.
type helperDelta struct{ used, moved, calledOff int64 }

func helperCountsSince(t0 helperDelta) helperDelta {
	u, m, c := sync.HelperCounts()
	return helperDelta{u - t0.used, m - t0.moved, c - t0.calledOff}
}

func helperCountsNow() helperDelta {
	u, m, c := sync.HelperCounts()
	return helperDelta{u, m, c}
}

// TestPull_PageReadByAHelperIsTheSame: a download page whose records a helper connection read
// is byte for byte the page its own connection reads alone.
func TestPull_PageReadByAHelperIsTheSame(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "helper-same")
	alone := downloadBody(t, d)

	defer sync.ReadPagesWithHelper(1, 2, true, nil)()
	t0 := helperCountsNow()
	shared := downloadBody(t, d)
	// One page per scope of the user; each has a helper.
	if got := helperCountsSince(t0); got.used == 0 || got.moved+got.calledOff != 0 {
		t.Fatalf("helpers %+v, want only used ones", got)
	}
	if !bytes.Equal(alone, shared) {
		t.Errorf("the page read with a helper differs:\nalone:  %s\nhelper: %s", alone, shared)
	}
	if n := bytes.Count(shared, []byte(`"op":"put"`)); n < 10 {
		t.Errorf("the page holds %d records: too few to have been split into chunks", n)
	}
}

// TestPull_WriteBeforeTheHelperBeginsStaysForTheNextPull: a write that commits after a page's
// snapshot and before its helper's must not reach the page through the helper. The helper sees
// the head moved and reads nothing, the page is its snapshot exactly, and the next pull brings
// the write.
func TestPull_WriteBeforeTheHelperBeginsStaysForTheNextPull(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "helper-moved")
	before := downloadBody(t, d)
	household := testkit.Side("household", "a")
	if !bytes.Contains(before, []byte(household)) {
		t.Fatalf("the download does not hold household %s", household)
	}

	var writeErr error
	wrote := false
	defer sync.ReadPagesWithHelper(1, 1, true, func() {
		if wrote {
			return
		}
		wrote = true
		r, err := app.FindRecordById("households", household)
		if err != nil {
			writeErr = err
			return
		}
		r.Set("head_name", "快照之后改名")
		access.AsSystem(r)
		writeErr = app.Save(r)
	})()
	t0 := helperCountsNow()
	during := downloadBody(t, d)
	if writeErr != nil || !wrote {
		t.Fatalf("the write in the helper's hook: wrote=%v, %v", wrote, writeErr)
	}
	// Every page's helper (one per scope) begins after the write, and none may read.
	if got := helperCountsSince(t0); got.moved == 0 || got.used+got.calledOff != 0 {
		t.Errorf("helpers %+v, want only ones that found the head moved", got)
	}
	if !bytes.Equal(before, during) {
		t.Errorf("the page is not its snapshot:\nbefore: %s\nduring: %s", before, during)
	}

	// The client takes the page's cursors; the next pull brings the household as written.
	var page sync.PullResponse
	if err := json.Unmarshal(during, &page); err != nil {
		t.Fatal(err)
	}
	for sc, sr := range page.Scopes {
		if sr.HasMore {
			t.Fatalf("%s has more than one page", sc)
		}
		d.cursors[sc] = sync.ScopeRequest{Cursor: sr.Cursor}
	}
	found := 0
	for _, sr := range d.pull(5000).Scopes {
		for _, c := range sr.Changes {
			if c.ID == household && c.Data["head_name"] == "快照之后改名" {
				found++
			}
		}
	}
	if found == 0 {
		t.Errorf("the next pull does not bring the household as written")
	}
}

// TestPull_PageNeverWaitsForAHelperConnection: with no connection of the read pool to spare,
// a page reads its records on its own connection and starts no helper, which would wait for
// one (and take it from the requests queued for it).
func TestPull_PageNeverWaitsForAHelperConnection(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "helper-no-conn")
	alone := downloadBody(t, d)

	pool := app.ConcurrentDB().(*dbx.DB).DB()
	defer pool.SetMaxOpenConns(pool.Stats().MaxOpenConnections)
	pool.SetMaxOpenConns(1)
	defer sync.ReadPagesWithHelper(1, 1, false, nil)()
	t0 := helperCountsNow()
	got := downloadBody(t, d)
	if c := helperCountsSince(t0); c != (helperDelta{}) {
		t.Errorf("helpers %+v with no connection to spare, want none", c)
	}
	if !bytes.Equal(alone, got) {
		t.Errorf("the page differs:\nbefore: %s\nnow:    %s", alone, got)
	}
}
