package client_test

import (
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/mobile-api/client"
)

// These tests show bugs of the server side (internal/sync) found while writing this client.
// They are skipped until the server is fixed; remove the skip to check a fix, then move the
// test beside the others.

// After a compaction raised the removal horizon, a scope that takes more than one page to
// download from the start can never be downloaded: the first page's cursor is below the
// horizon, so the next request is answered "reset" and starts again from 0, forever. This hits
// every fresh download of a scope bigger than a page (a new phone, a new scope, a reset, a
// healed checksum). This client stops with an error when a scope is reset twice in one Pull.
func TestPull_ResetDownloadsInPages(t *testing.T) {
	t.Skip("server bug: internal/sync pull.go Pull(): `cur.Cursor > 0 && cur.Cursor < horizon` answers reset to " +
		"the second page of a download from 0, whose cursor is an old seq below the horizon, so a download " +
		"needing more than one page restarts forever once compaction has raised the horizon")
	e := newEnv(t)
	rec, err := e.srv.App.FindRecordById("bare_land_entries", testkit.Side("landentry", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.App.Delete(rec); err != nil {
		t.Fatal(err)
	}
	compact(t, e) // the horizon rises to the removal's seq, above every other record's
	p := e.open(testkit.InspectorA, "phone", func(cfg *client.Config) { cfg.PullRows = 10 })
	sync(t, p)
	e.assertConverged(p, testkit.InspectorA)
}
