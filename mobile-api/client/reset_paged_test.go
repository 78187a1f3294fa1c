package client_test

import (
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/mobile-api/client"
)

// After a compaction raised the removal horizon above a scope's old records, a download from
// the start that takes several pages still finishes: each page's cursor is an old seq below
// the horizon, and only the floor the client sends back tells the server it is mid-download
// rather than asleep through compacted removals.
func TestPull_ResetDownloadsInPages(t *testing.T) {
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
