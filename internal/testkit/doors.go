package testkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/sync"
)

// Outcome is a write's result at either door: accepted, or refused with field codes.
type Outcome struct {
	OK     bool
	ID     string
	Code   string            // the result's code (sync) or the HTTP status (REST)
	Fields map[string]string // field → reason code
	Raw    string
}

func (o Outcome) String() string { return o.Raw }

// Door writes records as one user, through REST or a sync push, so a rule's test runs the
// same writes through both.
type Door interface {
	Create(coll, id string, data map[string]any) Outcome
	Patch(coll, id string, set map[string]any) Outcome
	Name() string
}

// Doors returns user's REST door and a registered phone of user ("phone-<user>").
func Doors(t *testing.T, s *Server, user string) []Door {
	return []Door{NewREST(t, s, user), NewSync(t, s, user, "phone-"+user)}
}

// RESTDoor writes through the records API.
type RESTDoor struct {
	t     *testing.T
	s     *Server
	Token string
}

// NewREST returns the REST door of user (a superuser for Superuser).
func NewREST(t *testing.T, s *Server, user string) *RESTDoor {
	coll := "users"
	if user == Superuser {
		coll = core.CollectionNameSuperusers
	}
	return &RESTDoor{t: t, s: s, Token: s.Token(coll, user)}
}

func (d *RESTDoor) Name() string { return "rest" }

func recordsPath(coll string) string { return "/api/collections/" + coll + "/records" }

// Create posts data with id.
func (d *RESTDoor) Create(coll, id string, data map[string]any) Outcome {
	body := map[string]any{"id": id}
	for k, v := range data {
		body[k] = v
	}
	return d.outcome(d.s.Do(http.MethodPost, recordsPath(coll), d.Token, body))
}

// Patch updates the record with set.
func (d *RESTDoor) Patch(coll, id string, set map[string]any) Outcome {
	return d.outcome(d.s.Do(http.MethodPatch, recordsPath(coll)+"/"+id, d.Token, set))
}

func (d *RESTDoor) outcome(res Response) Outcome {
	d.t.Helper()
	o := Outcome{OK: res.Status == http.StatusOK, Code: strconv.Itoa(res.Status), Fields: map[string]string{}, Raw: string(res.Body)}
	body := res.JSON(d.t)
	if o.OK {
		o.ID, _ = body["id"].(string)
		return o
	}
	data, _ := body["data"].(map[string]any)
	for field, v := range data {
		if e, ok := v.(map[string]any); ok {
			o.Fields[field], _ = e["code"].(string)
		}
	}
	return o
}

// SyncDoor is a registered phone that pushes one mutation at a time.
type SyncDoor struct {
	t     *testing.T
	s     *Server
	token string
	id    string
	// MID is the last mid sent.
	MID int64
}

// NewSync registers a phone of user with clientID.
func NewSync(t *testing.T, s *Server, user, clientID string) *SyncDoor {
	t.Helper()
	d := &SyncDoor{t: t, s: s, token: s.Token("users", user), id: clientID}
	res := s.Do(http.MethodPost, "/api/sync/v1/clients", d.token,
		sync.ClientRequest{ClientID: clientID, AppVersion: "test", SchemaVersion: sync.SchemaVersion})
	if res.Status != http.StatusOK {
		t.Fatalf("register %s: %d %s", clientID, res.Status, res.Body)
	}
	return d
}

func (d *SyncDoor) Name() string { return "sync" }

// Create pushes a create of the record.
func (d *SyncDoor) Create(coll, id string, data map[string]any) Outcome {
	return d.Send(sync.Mutation{Op: sync.OpCreate, Coll: coll, ID: id, Data: data})
}

// Patch pushes a patch based on the record's current version.
func (d *SyncDoor) Patch(coll, id string, set map[string]any) Outcome {
	return d.Send(sync.Mutation{Op: sync.OpPatch, Coll: coll, ID: id, BaseV: d.Version(coll, id), Set: set})
}

// Version is the record's current version, as a phone that has just pulled holds it.
func (d *SyncDoor) Version(coll, id string) int64 {
	var v int64
	d.s.App.DB().NewQuery("SELECT v FROM fs_sync_records WHERE coll = {:c} AND rid = {:id}").
		Bind(map[string]any{"c": coll, "id": id}).Row(&v)
	return v
}

// Send numbers m with the next mid and pushes it.
func (d *SyncDoor) Send(m sync.Mutation) Outcome {
	d.MID++
	m.MID = d.MID
	return d.Push(m)[0]
}

// Push pushes mutations as they are numbered: pushing one again is what a phone does whose
// answer was lost.
func (d *SyncDoor) Push(ms ...sync.Mutation) []Outcome {
	d.t.Helper()
	res := d.s.Do(http.MethodPost, "/api/sync/v1/push", d.token, sync.PushRequest{ClientID: d.id, Mutations: ms})
	if res.Status != http.StatusOK {
		d.t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	var body struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil || len(body.Results) != len(ms) {
		d.t.Fatalf("push answer %s: %v", res.Body, err)
	}
	out := make([]Outcome, len(ms))
	for i, raw := range body.Results {
		var r sync.Result
		if err := json.Unmarshal(raw, &r); err != nil {
			d.t.Fatal(err)
		}
		out[i] = Outcome{OK: r.Outcome == sync.Applied || r.Outcome == sync.Merged || r.Outcome == sync.Conflicted,
			ID: r.ID, Code: r.Code, Fields: r.Fields, Raw: string(raw)}
		if out[i].Fields == nil {
			out[i].Fields = map[string]string{}
		}
	}
	return out
}

// Save saves a record as server code on its own account and fails the test if it cannot.
func Save(t testing.TB, a core.App, coll, id string, data map[string]any) *core.Record {
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

// RID returns a 15-character record id made of a prefix and a number.
func RID(prefix string, n int) string {
	return fmt.Sprintf("%s%0*d", prefix, 15-len(prefix), n)
}

// With returns a copy of body with the given field, value pairs set: a variant of a record's
// body for one case of a table.
func With(body map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(body)+len(kv)/2)
	for k, v := range body {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}
