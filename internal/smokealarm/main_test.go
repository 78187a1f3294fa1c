package smokealarm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
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

func with(body map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// outcome is a write's result at any door: accepted, or refused with field codes.
type outcome struct {
	ok     bool
	id     string
	code   string            // the top-level code (sync) or status (REST)
	fields map[string]string // field → reason code
	raw    string
}

func (o outcome) String() string { return o.raw }

// door writes records as one user, through REST or a sync push. create and patch write
// installs.
type door interface {
	createIn(coll, id string, data map[string]any) outcome
	patchIn(coll, id string, set map[string]any) outcome
	name() string
}

type installDoor struct{ door }

func (d installDoor) create(id string, data map[string]any) outcome {
	return d.createIn(schema.AlarmInstalls, id, data)
}

func (d installDoor) patch(id string, set map[string]any) outcome {
	return d.patchIn(schema.AlarmInstalls, id, set)
}

type restDoor struct {
	t     *testing.T
	srv   *testkit.Server
	token string
}

func newREST(t *testing.T, srv *testkit.Server, user string) *restDoor {
	coll := "users"
	if user == testkit.Superuser {
		coll = core.CollectionNameSuperusers
	}
	return &restDoor{t: t, srv: srv, token: srv.Token(coll, user)}
}

func (d *restDoor) name() string { return "rest" }

func (d *restDoor) createIn(coll, id string, data map[string]any) outcome {
	return d.outcome(d.srv.Do(http.MethodPost, recordsPath(coll), d.token, with(data, "id", id)))
}

func (d *restDoor) patchIn(coll, id string, set map[string]any) outcome {
	return d.outcome(d.srv.Do(http.MethodPatch, recordsPath(coll)+"/"+id, d.token, set))
}

func (d *restDoor) create(id string, data map[string]any) outcome {
	return d.createIn(schema.AlarmInstalls, id, data)
}

func (d *restDoor) patch(id string, set map[string]any) outcome {
	return d.patchIn(schema.AlarmInstalls, id, set)
}

func recordsPath(coll string) string { return "/api/collections/" + coll + "/records" }

func (d *restDoor) outcome(res testkit.Response) outcome {
	d.t.Helper()
	o := outcome{ok: res.Status == http.StatusOK, code: fmt.Sprint(res.Status), fields: map[string]string{}, raw: string(res.Body)}
	body := res.JSON(d.t)
	if o.ok {
		o.id, _ = body["id"].(string)
		return o
	}
	data, _ := body["data"].(map[string]any)
	for field, v := range data {
		if e, ok := v.(map[string]any); ok {
			o.fields[field], _ = e["code"].(string)
		}
	}
	return o
}

// syncDoor is a registered phone that pushes one mutation at a time.
type syncDoor struct {
	t     *testing.T
	srv   *testkit.Server
	token string
	id    string
	mid   int64
}

func newSync(t *testing.T, srv *testkit.Server, user, clientID string) *syncDoor {
	t.Helper()
	d := &syncDoor{t: t, srv: srv, token: srv.Token("users", user), id: clientID}
	res := srv.Do(http.MethodPost, "/api/sync/v1/clients", d.token,
		sync.ClientRequest{ClientID: clientID, AppVersion: "test", SchemaVersion: sync.SchemaVersion})
	if res.Status != http.StatusOK {
		t.Fatalf("register %s: %d %s", clientID, res.Status, res.Body)
	}
	return d
}

func (d *syncDoor) name() string { return "sync" }

func (d *syncDoor) createIn(coll, id string, data map[string]any) outcome {
	return d.send(sync.Mutation{Op: sync.OpCreate, Coll: coll, ID: id, Data: data})
}

func (d *syncDoor) patchIn(coll, id string, set map[string]any) outcome {
	return d.send(sync.Mutation{Op: sync.OpPatch, Coll: coll, ID: id, BaseV: d.version(coll, id), Set: set})
}

func (d *syncDoor) create(id string, data map[string]any) outcome {
	return d.createIn(schema.AlarmInstalls, id, data)
}

func (d *syncDoor) patch(id string, set map[string]any) outcome {
	return d.patchIn(schema.AlarmInstalls, id, set)
}

// version is the record's current version, as a phone that has just pulled holds it.
func (d *syncDoor) version(coll, id string) int64 {
	var v int64
	d.srv.App.DB().NewQuery("SELECT v FROM fs_sync_records WHERE coll = {:c} AND rid = {:id}").
		Bind(map[string]any{"c": coll, "id": id}).Row(&v)
	return v
}

// send numbers m with the next mid and pushes it.
func (d *syncDoor) send(m sync.Mutation) outcome {
	d.mid++
	m.MID = d.mid
	return d.resend(m)
}

// resend pushes m as it is, as a phone does whose answer was lost.
func (d *syncDoor) resend(m sync.Mutation) outcome {
	d.t.Helper()
	res := d.srv.Do(http.MethodPost, "/api/sync/v1/push", d.token,
		sync.PushRequest{ClientID: d.id, Mutations: []sync.Mutation{m}})
	if res.Status != http.StatusOK {
		d.t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	var body struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil || len(body.Results) != 1 {
		d.t.Fatalf("push answer %s: %v", res.Body, err)
	}
	var r sync.Result
	if err := json.Unmarshal(body.Results[0], &r); err != nil {
		d.t.Fatal(err)
	}
	o := outcome{ok: r.Outcome == sync.Applied || r.Outcome == sync.Merged || r.Outcome == sync.Conflicted,
		id: r.ID, code: r.Code, fields: r.Fields, raw: string(body.Results[0])}
	if o.fields == nil {
		o.fields = map[string]string{}
	}
	return o
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
