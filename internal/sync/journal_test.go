package sync_test

import (
	"database/sql"
	"math"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestJournal_FlagsClockSkew: the push journal records each push's device clock against the
// server's (README: "the push journal flags skew"), and flags it beyond the skew tolerance
// of 5 minutes; a push without a readable clock is recorded without a skew.
func TestJournal_FlagsClockSkew(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	d := newDevice(t, srv, testkit.InspectorA, "device-journal-skew")
	void := sync.Mutation{Op: sync.OpVoid, Coll: "households", ID: testkit.Side("household", "a"), BaseV: 1}
	d.pushAt(now(), void)
	d.pushAt(now().Add(-10*time.Minute), void)
	d.pushAt(now().Add(4*time.Minute), void)
	d.push(void) // no sent_at
	var rows []struct {
		Skew    sql.NullFloat64 `db:"skew_seconds"`
		Flagged bool            `db:"skew_flagged"`
	}
	err := app.DB().Select("skew_seconds", "skew_flagged").From("sync_journal").
		Where(dbx.HashExp{"client_id": d.id}).OrderBy("rowid").All(&rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d journal rows, want 4", len(rows))
	}
	for i, want := range []struct {
		skew    float64
		flagged bool
	}{{0, false}, {600, true}, {-240, false}} {
		if r := rows[i]; !r.Skew.Valid || math.Abs(r.Skew.Float64-want.skew) > 1 || r.Flagged != want.flagged {
			t.Errorf("push %d: skew %+v flagged %v, want %v %v", i, r.Skew, r.Flagged, want.skew, want.flagged)
		}
	}
	if r := rows[3]; r.Flagged || r.Skew.Float64 != 0 {
		t.Errorf("a push without sent_at: skew %+v flagged %v", r.Skew, r.Flagged)
	}
}
