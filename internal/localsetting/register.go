package localsetting

import (
	"encoding/json"
	"slices"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// Register drops the cache whenever a setting is written, from any door, and refuses a value
// of the wrong shape for its key (or a key the code does not read).
func Register(app core.App) {
	drop := func(e *core.RecordEvent) error {
		cacheOf(e.App).invalidate()
		return e.Next()
	}
	dropOnError := func(e *core.RecordErrorEvent) error {
		cacheOf(e.App).invalidate()
		return e.Next()
	}
	// Dropped as the write happens (a reader inside the transaction sees the new value) and
	// again once it is committed or rolled back (a reader outside it may have loaded the old).
	for _, h := range []*hook.TaggedHook[*core.RecordEvent]{
		app.OnRecordCreateExecute(schema.LocalSettings), app.OnRecordUpdateExecute(schema.LocalSettings),
		app.OnRecordDeleteExecute(schema.LocalSettings), app.OnRecordAfterCreateSuccess(schema.LocalSettings),
		app.OnRecordAfterUpdateSuccess(schema.LocalSettings), app.OnRecordAfterDeleteSuccess(schema.LocalSettings),
	} {
		h.BindFunc(drop)
	}
	for _, h := range []*hook.TaggedHook[*core.RecordErrorEvent]{
		app.OnRecordAfterCreateError(schema.LocalSettings), app.OnRecordAfterUpdateError(schema.LocalSettings),
		app.OnRecordAfterDeleteError(schema.LocalSettings),
	} {
		h.BindFunc(dropOnError)
	}
	app.OnRecordValidate(schema.LocalSettings).BindFunc(func(e *core.RecordEvent) error {
		if err := check(e.Record); err != nil {
			return err
		}
		return e.Next()
	})
}

// check refuses an unknown key, a changed key, and a value of the wrong shape.
func check(r *core.Record) error {
	key := Key(r.GetString("key"))
	s, ok := find(key)
	if !ok {
		return validation.Errors{"key": validation.NewError("local_setting_unknown",
			"没有这一本地选择设置 / no such local setting")}
	}
	if !r.IsNew() && r.Original().GetString("key") != string(key) {
		return validation.Errors{"key": validation.NewError("local_setting_key_fixed",
			"设置的键不可更改 / a setting's key does not change")}
	}
	raw, _ := json.Marshal(r.Get("value"))
	if !valueFits(s.Default, raw) {
		return validation.Errors{"value": validation.NewError("local_setting_value_invalid",
			"设置值的类型不符：应为 true/false，或角色列表（inspector、supervisor、agency_staff） / "+
				"the value must be true/false, or a list of roles (inspector, supervisor, agency_staff)")}
	}
	return nil
}

// valueFits reports whether raw has the shape of def: a bool for a bool, a list of known roles
// for a list.
func valueFits(def any, raw []byte) bool {
	switch def.(type) {
	case bool:
		var b bool
		return json.Unmarshal(raw, &b) == nil && string(raw) != "null"
	case []string:
		var list []string
		if json.Unmarshal(raw, &list) != nil || list == nil {
			return false
		}
		return !slices.ContainsFunc(list, func(role string) bool { return !slices.Contains(roles, role) })
	}
	return false
}

// Seed saves the records of keys with their defaults, as server code; the migration that
// introduces a setting seeds it.
func Seed(app core.App, keys ...Key) error {
	coll, err := app.FindCollectionByNameOrId(schema.LocalSettings)
	if err != nil {
		return err
	}
	for _, key := range keys {
		s, ok := find(key)
		if !ok {
			return validation.NewError("local_setting_unknown", string(key))
		}
		r := core.NewRecord(coll)
		r.Load(map[string]any{"key": string(s.Key), "value": s.Default, "gazette_line": s.Gazette,
			"description_zh": s.ZH, "description_en": s.EN})
		access.AsSystem(r)
		if err := app.Save(r); err != nil {
			return err
		}
	}
	return nil
}
