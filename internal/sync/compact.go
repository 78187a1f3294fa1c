package sync

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Compact deletes the removal markers written before cutoff and raises the horizon to the
// newest seq it deleted. Clients whose cursor is below the horizon may have missed a removal,
// so their next pull answers "reset" for that scope. It returns how many markers it deleted.
// The server runs it daily with cutoff = now - RemoveRetention.
func Compact(app core.App, cutoffTime time.Time) (int64, error) {
	cutoff := cutoffTime.Unix()
	var deleted int64
	err := app.RunInTransaction(func(tx core.App) error {
		var top int64
		err := tx.DB().NewQuery("SELECT COALESCE(MAX(seq), 0) FROM fs_sync_changes WHERE op = 'remove' AND at < {:cut}").
			Bind(dbx.Params{"cut": cutoff}).Row(&top)
		if err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		if top == 0 {
			return nil
		}
		res, err := tx.DB().NewQuery("DELETE FROM fs_sync_changes WHERE op = 'remove' AND seq <= {:top}").
			Bind(dbx.Params{"top": top}).Execute()
		if err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		deleted, _ = res.RowsAffected()
		_, err = tx.DB().NewQuery("UPDATE fs_sync_horizon SET seq = MAX(seq, {:top}) WHERE id = 1").
			Bind(dbx.Params{"top": top}).Execute()
		return err
	})
	return deleted, err
}
