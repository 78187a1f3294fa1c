// Package atomic makes every record write run inside a database transaction, whichever door
// it came through, and keeps the stored state an update replaces. PocketBase saves a record
// outside any transaction unless its caller opened one; the hooks that write rows beside a
// record (the audit trail, the sync change log) need the record and their rows to commit or
// roll back together, so a crash can never leave one without the other.
package atomic

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/spf13/cast"
)

// Priority of the wrapping handlers: before every other execute handler, so that those run
// inside the transaction.
const Priority = -1000

// Register binds the transaction wrappers.
func Register(app core.App) {
	app.OnRecordCreateExecute().Bind(&hook.Handler[*core.RecordEvent]{Func: wrap, Priority: Priority})
	app.OnRecordUpdateExecute().Bind(&hook.Handler[*core.RecordEvent]{Func: wrapUpdate, Priority: Priority})
	app.OnRecordDeleteExecute().Bind(&hook.Handler[*core.RecordEvent]{Func: wrap, Priority: Priority})
}

// InTx runs fn, which continues e's execute chain, in a transaction unless e already is in
// one. The event's app is swapped for the transactional one, which PocketBase then uses for
// the write itself.
func InTx(e *core.RecordEvent, fn func() error) error {
	if e.App.IsTransactional() {
		return fn()
	}
	outer := e.App
	defer func() { e.App = outer }()
	return outer.RunInTransaction(func(tx core.App) error {
		e.App = tx
		return fn()
	})
}

func wrap(e *core.RecordEvent) error { return InTx(e, e.Next) }

// previousKey holds, in the record's custom data (never serialised, never loadable from a
// request body), the stored state an update replaces.
const previousKey = "@fieldsyncPrevious"

// wrapUpdate also reads the row as stored, inside the transaction and before the write, so
// later handlers can tell what the update really changes.
func wrapUpdate(e *core.RecordEvent) error {
	return InTx(e, func() error {
		prev, err := e.App.FindRecordById(e.Record.Collection(), cast.ToString(e.Record.LastSavedPK()))
		if err != nil {
			prev = e.Record.Original()
		}
		e.Record.SetRaw(previousKey, prev)
		defer e.Record.SetRaw(previousKey, nil)
		return e.Next()
	})
}

// Previous returns the stored state that the update of r being executed replaces. Unlike
// r.Original(), which PocketBase refreshes only when a record is loaded, it is right even for a
// record object saved more than once. Outside an update it returns r.Original().
func Previous(r *core.Record) *core.Record {
	if prev, ok := r.GetRaw(previousKey).(*core.Record); ok && prev != nil {
		return prev
	}
	return r.Original()
}
