package migrations

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/refdata"
	s "github.com/haidian/fieldsync/internal/schema"
)

// The subdistricts and agencies are present from the first start. They are saved with the
// app's hooks, so they enter the audit trail and the sync change log like any later write.
func init() {
	system := access.Attribution{Actor: access.System, Door: access.DoorSystem}
	m.Register(func(app core.App) error {
		subdistricts, err := app.FindCollectionByNameOrId(s.Subdistricts)
		if err != nil {
			return err
		}
		for i, sd := range refdata.Subdistricts() {
			r := core.NewRecord(subdistricts)
			r.Id = sd.ID
			r.Load(map[string]any{"code": sd.Code, "name_zh": sd.NameZH, "name_en": sd.NameEN,
				"kind": sd.Kind, "sort": i + 1})
			access.Attribute(r, system)
			if err := app.Save(r); err != nil {
				return err
			}
		}
		agencies, err := app.FindCollectionByNameOrId(s.Agencies)
		if err != nil {
			return err
		}
		for i, ag := range refdata.Agencies() {
			r := core.NewRecord(agencies)
			r.Id = ag.ID
			r.Load(map[string]any{"code": ag.Code, "name_zh": ag.NameZH, "name_en": ag.NameEN, "sort": i + 1})
			access.Attribute(r, system)
			if err := app.Save(r); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, table := range []string{s.Subdistricts, s.Agencies} {
			if _, err := app.DB().Delete(table, dbx.NewExp("1=1")).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}
