package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A pull reads a scope's changes by (scope, seq) and needs besides each row's coll, rid, op and
// v. The index on (scope, seq) alone made every change row of a page cost a second lookup in
// the table for op and v: 10,000 of them in an inspector's first download. Holding those
// columns in the index lets the pull read its changes from the index alone ("USING COVERING
// INDEX", which TestPull_PlansSearchOnly checks), in the same order (seq, coll, rid). Writes
// keep one index entry per change row, as before.
func init() {
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(`DROP INDEX idx_fs_sync_changes_scope_seq;
CREATE INDEX idx_fs_sync_changes_scope_seq ON fs_sync_changes (scope, seq, coll, rid, op, v);`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`DROP INDEX idx_fs_sync_changes_scope_seq;
CREATE INDEX idx_fs_sync_changes_scope_seq ON fs_sync_changes (scope, seq);`).Execute()
		return err
	})
}
