package migrations

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/haidian/fieldsync/internal/vocab"
)

// The select fields' help text in the admin UI says in Chinese what each value means
// (可选：巡查员 inspector、督办主管 supervisor…) instead of the hint "vocab:role" the first
// migrations wrote; a database made from scratch already has it (fields.go). Down puts the
// hints back.
func init() {
	m.Register(func(app core.App) error {
		return rewriteSelectHelp(app, func(f *core.SelectField) string {
			if name, ok := strings.CutPrefix(f.Help, "vocab:"); ok {
				if e, ok := vocab.Named(name); ok {
					return e.Help()
				}
			}
			return f.Help
		})
	}, func(app core.App) error {
		return rewriteSelectHelp(app, func(f *core.SelectField) string {
			if e, ok := vocab.Matching(f.Values); ok && f.Help == e.Help() {
				return "vocab:" + e.Name
			}
			return f.Help
		})
	})
}

// rewriteSelectHelp sets the help of every select field of every collection to help(field).
func rewriteSelectHelp(app core.App, help func(*core.SelectField) string) error {
	colls, err := app.FindAllCollections()
	if err != nil {
		return err
	}
	for _, c := range colls {
		changed := false
		for _, f := range c.Fields {
			if s, ok := f.(*core.SelectField); ok && help(s) != s.Help {
				s.Help, changed = help(s), true
			}
		}
		if changed {
			if err := app.Save(c); err != nil {
				return err
			}
		}
	}
	return nil
}
