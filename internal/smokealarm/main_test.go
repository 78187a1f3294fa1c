package smokealarm_test

import (
	"errors"
	"testing"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

const installsPath = "/api/collections/" + schema.AlarmInstalls + "/records"

// The homes of the tests. Each side's fixture home ("fxhomea0000000") is an elderly person
// living alone; addHomes adds one household of every other category on both sides.
type homes struct{ elderly, disabled, sixty, general, bare string }

var sides = map[string]homes{
	"a": {testkit.Side("home", "a"), "sadisableda0000", "sasixtya0000000", "sageneral000000", "sabareplacea000"},
	"b": {testkit.Side("home", "b"), "sadisabledb0000", "sasixtyb0000000", "sageneralb00000", "sabareplaceb000"},
}

func subdistrictOf(side string) string {
	if side == "b" {
		return testkit.SubdistrictB
	}
	return testkit.SubdistrictA
}

// addHomes saves, as server code, a home place and its household for the disabled, 60+ and
// general categories on both sides, and a home place with no household record.
func addHomes(t testing.TB, a core.App) {
	t.Helper()
	for side, h := range sides {
		sd := subdistrictOf(side)
		for id, household := range map[string]map[string]any{
			h.disabled: {"members": 2, "members_60plus": 0, "disabled": true, "head_name": "马德明", "phone": "13800000104"},
			h.sixty:    {"members": 3, "members_60plus": 2, "head_name": "陈振华", "phone": "13800000102"},
			h.general:  {"members": 3, "members_60plus": 0, "head_name": "张三", "phone": "13900000003"},
			h.bare:     nil,
		} {
			save(t, a, schema.Places, id, map[string]any{"kind": "household", "name": "住户 " + id,
				"subdistrict": sd, "address": "测试小区 " + id, "grid": "网格-" + side})
			if household != nil {
				household["place"], household["subdistrict"] = id, sd
				save(t, a, schema.Households, "hh"+id[2:], household)
			}
		}
	}
}

func save(t testing.TB, a core.App, coll, id string, data map[string]any) *core.Record {
	t.Helper()
	c, err := a.FindCollectionByNameOrId(coll)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(c)
	r.Id = id
	r.Load(data)
	access.AsSystem(r)
	if err := a.Save(r); err != nil {
		t.Fatalf("save %s %s: %v", coll, id, err)
	}
	return r
}

// install returns the body of a complete install of unit at home on side, with serial.
func install(side, home, unit, serial string) map[string]any {
	return map[string]any{
		"household": home, "subdistrict": subdistrictOf(side), "unit_type": unit,
		"installed_on": "2018-08-01 00:00:00.000Z", "serial": serial,
		"location_in_home": "客厅", "consent": true,
	}
}

// with returns a copy of body with the given field, value pairs set.
var with = testkit.With

// installDoor writes installs through one of testkit's doors (REST or a sync push).
type installDoor struct{ testkit.Door }

func (d installDoor) create(id string, data map[string]any) testkit.Outcome {
	return d.Create(schema.AlarmInstalls, id, data)
}

func (d installDoor) patch(id string, set map[string]any) testkit.Outcome {
	return d.Patch(schema.AlarmInstalls, id, set)
}

// saveAs saves an install through the model as actor at door, as the admin UI or server code
// would; it returns the record and the save's error.
func saveAs(a core.App, actor access.Actor, d access.Door, id string, data map[string]any) (*core.Record, error) {
	c, err := a.FindCollectionByNameOrId(schema.AlarmInstalls)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(c)
	r.Id = id
	r.Load(data)
	access.Attribute(r, access.Attribution{Actor: actor, Door: d})
	access.AsSystem(r)
	return r, a.Save(r)
}

// fieldCode returns the code err gives field, if err is a model validation failure.
func fieldCode(err error, field string) string {
	var errs validation.Errors
	if !errors.As(err, &errs) {
		return ""
	}
	var e validation.Error
	if errors.As(errs[field], &e) {
		return e.Code()
	}
	return ""
}
