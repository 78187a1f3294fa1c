package dust_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// outcome is a write's result at either door: accepted, or refused with field codes.
type outcome struct {
	ok     bool
	id     string
	fields map[string]string // field → reason code
	raw    string
}

func (o outcome) String() string { return o.raw }

// door writes records as one user, through REST or a sync push.
type door interface {
	create(coll, id string, data map[string]any) outcome
	patch(coll, id string, set map[string]any) outcome
	name() string
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

func recordsPath(coll string) string { return "/api/collections/" + coll + "/records" }

func (d *restDoor) create(coll, id string, data map[string]any) outcome {
	body := map[string]any{"id": id}
	for k, v := range data {
		body[k] = v
	}
	return d.outcome(d.srv.Do(http.MethodPost, recordsPath(coll), d.token, body))
}

func (d *restDoor) patch(coll, id string, set map[string]any) outcome {
	return d.outcome(d.srv.Do(http.MethodPatch, recordsPath(coll)+"/"+id, d.token, set))
}

func (d *restDoor) outcome(res testkit.Response) outcome {
	d.t.Helper()
	o := outcome{ok: res.Status == http.StatusOK, fields: map[string]string{}, raw: string(res.Body)}
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

func (d *syncDoor) create(coll, id string, data map[string]any) outcome {
	return d.send(sync.Mutation{Op: sync.OpCreate, Coll: coll, ID: id, Data: data})
}

func (d *syncDoor) patch(coll, id string, set map[string]any) outcome {
	return d.send(sync.Mutation{Op: sync.OpPatch, Coll: coll, ID: id, BaseV: d.version(coll, id), Set: set})
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
	return d.push(m)[0]
}

// push pushes mutations as they are numbered, as a phone does whose answer was lost and
// which sends its outbox again.
func (d *syncDoor) push(ms ...sync.Mutation) []outcome {
	d.t.Helper()
	res := d.srv.Do(http.MethodPost, "/api/sync/v1/push", d.token, sync.PushRequest{ClientID: d.id, Mutations: ms})
	if res.Status != http.StatusOK {
		d.t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	var body struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil || len(body.Results) != len(ms) {
		d.t.Fatalf("push answer %s: %v", res.Body, err)
	}
	out := make([]outcome, len(ms))
	for i, raw := range body.Results {
		var r sync.Result
		if err := json.Unmarshal(raw, &r); err != nil {
			d.t.Fatal(err)
		}
		out[i] = outcome{ok: r.Outcome == sync.Applied || r.Outcome == sync.Merged || r.Outcome == sync.Conflicted,
			id: r.ID, fields: r.Fields, raw: string(raw)}
		if out[i].fields == nil {
			out[i].fields = map[string]string{}
		}
	}
	return out
}

// doors returns a user's REST door and sync door on srv.
func doors(t *testing.T, srv *testkit.Server, user string) []door {
	return []door{newREST(t, srv, user), newSync(t, srv, user, "phone-"+user)}
}

// save saves a record as server code.
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

// rid returns a 15-character record id made of a prefix and a number.
func rid(prefix string, n int) string {
	return fmt.Sprintf("%s%0*d", prefix, 15-len(prefix), n)
}
