// Package audit keeps the append-only trail of every write to fieldsync's collections: who,
// when, through which door, and what changed. Rows are written by model hooks inside the
// write's own transaction, so a change is never stored without its audit row or the reverse.
package audit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// Register binds the audit hooks. Audit rows can be neither changed nor deleted, by anyone.
func Register(app core.App) {
	app.OnRecordCreateExecute().BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return record(e.App, e.Record, "create", snapshot(e.Record))
	})
	app.OnRecordUpdateExecute().BindFunc(func(e *core.RecordEvent) error {
		changes := diff(e.Record)
		if err := e.Next(); err != nil {
			return err
		}
		return record(e.App, e.Record, "update", changes)
	})
	app.OnRecordDeleteExecute().BindFunc(func(e *core.RecordEvent) error {
		before := snapshot(e.Record)
		if err := e.Next(); err != nil {
			return err
		}
		return record(e.App, e.Record, "delete", before)
	})
	refuse := func(e *core.RecordEvent) error {
		return fmt.Errorf("audit log rows are append-only")
	}
	app.OnRecordUpdate(schema.AuditLog).BindFunc(refuse)
	app.OnRecordDelete(schema.AuditLog).BindFunc(refuse)
}

// audited reports whether writes to c are recorded: every collection of ours and the staff
// accounts, not PocketBase's internal ones nor the audit log itself.
func audited(c *core.Collection) bool {
	return !c.IsView() && c.Name != schema.AuditLog && !strings.HasPrefix(c.Name, "_")
}

func record(app core.App, r *core.Record, action string, changes map[string]any) error {
	if !audited(r.Collection()) {
		return nil
	}
	attr := access.AttributionOf(r)
	data, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("audit marshal: %w", err)
	}
	now := types.NowDateTime().String()
	_, err = app.DB().Insert(schema.AuditLog, dbx.Params{
		"id":         core.GenerateDefaultRandomId(),
		"coll":       r.Collection().Name,
		"record_id":  r.Id,
		"action":     action,
		"actor_id":   attr.Actor.ID,
		"actor_kind": string(attr.Actor.Kind),
		"door":       string(attr.Door),
		"changes":    string(data),
		"created":    now,
		"updated":    now,
	}).Execute()
	if err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	return nil
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

// diff lists the fields whose values differ from the stored original, as [old, new] pairs.
// A changed secret is listed without its values.
func diff(r *core.Record) map[string]any {
	out := map[string]any{}
	orig := r.Original()
	for _, f := range r.Collection().Fields {
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
