// Package atomic makes every record write run inside a database transaction, whichever door
// it came through. PocketBase saves a record outside any transaction unless its caller opened
// one; the hooks that write rows beside a record (the audit trail, the sync change log) need
// the record and their rows to commit or roll back together, so a crash can never leave one
// without the other.
package atomic

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Priority of the wrapping handlers: before every other execute handler, so that those run
// inside the transaction.
const Priority = -1000

// Register binds the transaction wrappers.
func Register(app core.App) {
	app.OnRecordCreateExecute().Bind(&hook.Handler[*core.RecordEvent]{Func: wrap, Priority: Priority})
	app.OnRecordUpdateExecute().Bind(&hook.Handler[*core.RecordEvent]{Func: wrap, Priority: Priority})
	app.OnRecordDeleteExecute().Bind(&hook.Handler[*core.RecordEvent]{Func: wrap, Priority: Priority})
}

// wrap runs the rest of the execute chain in a transaction unless it already is in one. The
// event's app is swapped for the transactional one, which PocketBase then uses for the write
// itself.
func wrap(e *core.RecordEvent) error {
	if e.App.IsTransactional() {
		return e.Next()
	}
	outer := e.App
	defer func() { e.App = outer }()
	return outer.RunInTransaction(func(tx core.App) error {
		e.App = tx
		return e.Next()
	})
}
