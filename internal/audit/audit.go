// Package audit keeps the append-only trail of every write to fieldsync's collections: who,
// when, through which door, and what changed. Rows are written by model hooks inside the
// write's own transaction, so a change is never stored without its audit row or the reverse.
package audit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/atomic"
	"github.com/haidian/fieldsync/internal/bulk"
	"github.com/haidian/fieldsync/internal/schema"
)

// Register binds the audit hooks. Each write and its audit row run in one transaction (the
// write's own, or one opened for it), so neither is ever stored without the other. Audit rows
// can be neither created, changed nor deleted through saves, by anyone: only this package
// writes them, with a direct insert.
func Register(app core.App) {
	app.OnRecordCreateExecute().BindFunc(func(e *core.RecordEvent) error {
		return logged(e, "create", func() map[string]any { return snapshot(e.Record) })
	})
	app.OnRecordUpdateExecute().BindFunc(func(e *core.RecordEvent) error {
		return logged(e, "update", func() map[string]any { return diff(e.Record) })
	})
	app.OnRecordDeleteExecute().BindFunc(func(e *core.RecordEvent) error {
		before := snapshot(e.Record)
		return logged(e, "delete", func() map[string]any { return before })
	})
	app.OnRecordCreate(schema.AuditLog).BindFunc(refuse)
	app.OnRecordUpdate(schema.AuditLog).BindFunc(refuse)
	app.OnRecordDelete(schema.AuditLog).BindFunc(refuse)
	app.OnCollectionUpdateRequest().BindFunc(guardSchema)
	app.OnCollectionDeleteRequest().BindFunc(guardSchema)
	// An import may replace the log's definition or, with deleteMissing, drop it. The schema is
	// the migrations' anyway: such imports are refused whole.
	app.OnCollectionsImportRequest().BindFunc(func(e *core.CollectionsImportRequestEvent) error {
		if e.DeleteMissing || slices.ContainsFunc(e.CollectionsData, touchesLog) {
			return schemaError()
		}
		return e.Next()
	})
}

// errAppendOnly refuses any save or deletion of an audit row, and edits of their collection.
var errAppendOnly = validation.NewError("audit_append_only",
	"审计记录只能由系统追加, 不能新建、修改或删除 / audit rows are appended by the system only; they cannot be created, changed or deleted")

func refuse(*core.RecordEvent) error {
	return router.NewBadRequestError(errAppendOnly.Message(), validation.Errors{"id": errAppendOnly})
}

// guardSchema keeps the audit log's collection as the migrations made it: changing its fields
// or deleting it through the API (the admin UI) would delete its rows.
func guardSchema(e *core.CollectionRequestEvent) error {
	if e.Collection.Name == schema.AuditLog {
		return schemaError()
	}
	return e.Next()
}

func schemaError() error {
	return router.NewBadRequestError(errAppendOnly.Message(), validation.Errors{"collection": errAppendOnly})
}

// touchesLog reports whether an imported collection definition names the audit log.
func touchesLog(c map[string]any) bool {
	return c["name"] == schema.AuditLog || c["id"] == schema.CollectionID(schema.AuditLog)
}

// logged runs the rest of e's write and then appends its audit row, both in one transaction.
// changes is called after the write, so the row holds the values as stored, with what the
// write itself set (a new token key on a password change, the names of uploaded files).
func logged(e *core.RecordEvent, action string, changes func() map[string]any) error {
	if !audited(e.Record.Collection()) {
		return e.Next()
	}
	return atomic.InTx(e, func() error {
		if err := e.Next(); err != nil {
			return err
		}
		return record(e.App, e.Record, action, changes())
	})
}

// audited reports whether writes to c are recorded: every collection of ours and the staff
// accounts, not PocketBase's internal ones nor the audit log itself.
func audited(c *core.Collection) bool {
	return !c.IsView() && c.Name != schema.AuditLog && !strings.HasPrefix(c.Name, "_")
}

func record(app core.App, r *core.Record, action string, changes map[string]any) error {
	attr := access.AttributionOf(r)
	data, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("audit marshal: %w", err)
	}
	now := types.NowDateTime().String()
	row := []any{core.GenerateDefaultRandomId(), r.Collection().Name, r.Id, action, attr.Actor.ID,
		string(attr.Actor.Kind), string(attr.Door), string(data), now, now}
	if deferred.add(app, row) {
		return nil
	}
	return insert(app.DB(), [][]any{row})
}

// insert appends audit rows, a few statements for any number of them (see bulk). A row is
// its id, coll, record_id, action, actor_id, actor_kind, door, changes, created and updated.
func insert(db dbx.Builder, rows [][]any) error {
	err := bulk.Insert(db, "INSERT INTO "+schema.AuditLog+
		" (id, coll, record_id, action, actor_id, actor_kind, door, changes, created, updated)", "", rows)
	if err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	return nil
}

// pending holds the audit rows of the transactions whose owners write them at their end.
type pending struct {
	mu  sync.Mutex
	txs map[*core.TxAppInfo]*[][]any
}

var deferred = pending{txs: map[*core.TxAppInfo]*[][]any{}}

// Defer lets tx's owner write tx's audit rows at its end, with a few statements, by Flush:
// a push group of a hundred creates appends its hundred rows at once. The rows are still
// made as each write happens, with its time; nothing reads the trail inside the transactions
// that defer it. Only an owner that calls Flush on every path to a commit may ask for it, as
// the rows would otherwise be lost with their transaction's end.
func Defer(tx core.App) error {
	info := tx.TxInfo()
	if info == nil {
		return fmt.Errorf("audit: defer outside a transaction")
	}
	deferred.mu.Lock()
	defer deferred.mu.Unlock()
	if _, ok := deferred.txs[info]; ok {
		return nil
	}
	deferred.txs[info] = &[][]any{}
	info.OnComplete(func(txErr error) error {
		deferred.mu.Lock()
		rows, unflushed := deferred.txs[info]
		delete(deferred.txs, info)
		deferred.mu.Unlock()
		if txErr == nil && unflushed && len(*rows) > 0 {
			// A bug of the owner, made loud: the writes are committed without their trail.
			return fmt.Errorf("audit: %d deferred rows were never flushed", len(*rows))
		}
		return nil
	})
	return nil
}

// Flush writes the audit rows tx deferred, and lets later writes of tx append theirs as they
// happen.
func Flush(tx core.App) error {
	info := tx.TxInfo()
	if info == nil {
		return nil
	}
	deferred.mu.Lock()
	rows, ok := deferred.txs[info]
	delete(deferred.txs, info)
	deferred.mu.Unlock()
	if !ok {
		return nil
	}
	return insert(tx.DB(), *rows)
}

// add keeps row for app's transaction if its owner deferred its audit rows.
func (p *pending) add(app core.App, row []any) bool {
	info := app.TxInfo()
	if info == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	rows, ok := p.txs[info]
	if ok {
		*rows = append(*rows, row)
	}
	return ok
}

// secret reports whether a field's value must stay out of the trail (passwords, token keys).
func secret(f core.Field) bool {
	_, isPassword := f.(*core.PasswordField)
	return isPassword || f.GetHidden()
}

func snapshot(r *core.Record) map[string]any {
	out := map[string]any{}
	for _, f := range r.Collection().Fields {
		if !secret(f) {
			out[f.GetName()] = r.Get(f.GetName())
		}
	}
	return out
}

// diff lists the fields whose values differ from the stored state the update replaced, as
// [old, new] pairs.
// A changed secret is listed without its values. The "updated" stamp is left out: every
// update changes it, and the audit row has its own time.
func diff(r *core.Record) map[string]any {
	out := map[string]any{}
	orig := atomic.Previous(r)
	for _, f := range r.Collection().Fields {
		if _, ok := f.(*core.AutodateField); ok {
			continue
		}
		name := f.GetName()
		old, cur := orig.Get(name), r.Get(name)
		if reflect.DeepEqual(old, cur) {
			continue
		}
		if secret(f) {
			out[name] = "changed"
			continue
		}
		out[name] = []any{old, cur}
	}
	return out
}
