package migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/haidian/fieldsync/internal/schema"
)

// presentableNames are the fields the admin UI shows for a record wherever another record
// points to it (relation pickers and lists): a subdistrict reads as 万寿路街道, not as
// sd0000000000001.
var presentableNames = map[string]string{
	schema.Subdistricts: "name_zh",
	schema.Agencies:     "name_zh",
	schema.Places:       "name",
	schema.Users:        "name",
}

func init() {
	set := func(on bool) func(core.App) error {
		return func(app core.App) error {
			for coll, field := range presentableNames {
				c, err := app.FindCollectionByNameOrId(coll)
				if err != nil {
					return err
				}
				f, ok := c.Fields.GetByName(field).(*core.TextField)
				if !ok {
					return fmt.Errorf("%s.%s is no text field", coll, field)
				}
				f.Presentable = on
				if err := app.Save(c); err != nil {
					return err
				}
			}
			return nil
		}
	}
	m.Register(set(true), set(false))
}
