package audit_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/audit"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// A transaction that defers its audit rows writes them when its owner flushes them, and an
// owner that commits without flushing gets an error instead of a write without its trail.
func TestDefer_RowsWaitForFlushAndAreNeverDroppedSilently(t *testing.T) {
	a := testkit.NewApp(t)
	count := func(id string) int {
		var n int
		a.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE record_id = {:id}").Bind(map[string]any{"id": id}).Row(&n)
		return n
	}
	place := func(tx core.App, id string) {
		testkit.Save(t, tx, "places", id, map[string]any{"kind": "venue", "name": "延后小店",
			"subdistrict": testkit.SubdistrictA, "address": "延后路 1 号"})
	}
	err := a.RunInTransaction(func(tx core.App) error {
		if err := audit.Defer(tx); err != nil {
			return err
		}
		place(tx, "deferplace00001")
		var inTx int
		tx.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE record_id = 'deferplace00001'").Row(&inTx)
		if inTx != 0 {
			t.Errorf("%d audit rows written before the flush", inTx)
		}
		return audit.Flush(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count("deferplace00001"); n != 1 {
		t.Errorf("%d audit rows after the flush, want 1", n)
	}
	err = a.RunInTransaction(func(tx core.App) error {
		if err := audit.Defer(tx); err != nil {
			return err
		}
		place(tx, "deferplace00002")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "never flushed") {
		t.Errorf("a commit without the flush: %v, want an error", err)
	}
}
