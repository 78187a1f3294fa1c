package app_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestAudit_EveryDoor: every write leaves one audit row saying who wrote, when, through which
// door and what changed; an update lists [old, new] for the changed fields only.
func TestAudit_EveryDoor(t *testing.T) {
	finding := testkit.Side("finding", "a")
	change := map[string]any{"description": "群租房私拉电线, 已断电", "severity": "general"} // severity as stored
	cases := []struct {
		name      string
		door      door
		user      string
		wantDoor  string
		wantKind  string
		wantActor string
	}{
		{"staff REST", viaREST, testkit.InspectorA, "rest", "user", testkit.InspectorA},
		{"staff batch", viaBatch, testkit.InspectorA, "batch", "user", testkit.InspectorA},
		{"superuser REST", viaREST, testkit.Superuser, "admin", "superuser", testkit.Superuser},
		{"superuser batch", viaBatch, testkit.Superuser, "batch", "superuser", testkit.Superuser},
		{"sync push", viaSync, testkit.InspectorA, "sync", "user", testkit.InspectorA},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			start := types.NowDateTime()
			if o := write(t, srv, tc.door, tc.user, schema.Findings, finding, change); o.status != http.StatusOK {
				t.Fatalf("update: %v", o)
			}
			row := lastAudit(t, srv, schema.Findings, finding, start)
			if row.Action != "update" || row.Door != tc.wantDoor || row.ActorKind != tc.wantKind || row.ActorID != tc.wantActor {
				t.Errorf("audit row %+v, want door %s actor %s %s", row, tc.wantDoor, tc.wantKind, tc.wantActor)
			}
			want := map[string]any{"description": []any{"群租房私拉电线", "群租房私拉电线, 已断电"}}
			if got := row.changes(t); !jsonEqual(got, want) {
				t.Errorf("changes %v, want %v", got, want)
			}
		})
	}
	t.Run("server code", func(t *testing.T) {
		srv := testkit.Serve(t, testkit.NewApp(t))
		start := types.NowDateTime()
		r := mustFind(t, srv, schema.Findings, finding)
		r.Set("supervised", true)
		// A save that names no writer fails closed: the field policies bind it.
		if err := srv.App.Save(r); errCode(err, "supervised") != "protected_field" {
			t.Fatalf("an unattributed save of a protected field: %v, want protected_field", err)
		}
		access.AsSystem(r)
		if err := srv.App.Save(r); err != nil {
			t.Fatal(err)
		}
		row := lastAudit(t, srv, schema.Findings, finding, start)
		if row.Door != "hook" || row.ActorKind != "system" || row.ActorID != "" {
			t.Errorf("audit row %+v, want door hook, actor system", row)
		}
		if got := row.changes(t); !jsonEqual(got, map[string]any{"supervised": []any{false, true}}) {
			t.Errorf("changes %v", got)
		}
	})
}

// lastAudit returns the newest audit row of a record, checking it was written at or after start.
func lastAudit(t *testing.T, srv *testkit.Server, coll, id string, start types.DateTime) auditRow {
	t.Helper()
	rows := auditRowsOf(t, srv, coll, id)
	if len(rows) == 0 {
		t.Fatalf("no audit row for %s/%s", coll, id)
	}
	row := rows[len(rows)-1]
	created, err := types.ParseDateTime(row.Created)
	if err != nil || created.Time().Before(start.Time().Truncate(time.Millisecond)) || created.Time().After(time.Now()) {
		t.Errorf("audit row written at %q, the write began at %s", row.Created, start)
	}
	return row
}

// TestAudit_CreateAndDelete: a create records the new values, a delete the last ones.
func TestAudit_CreateAndDelete(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	start := types.NowDateTime()
	o, id := createAndFind(t, srv, viaREST, testkit.InspectorA, schema.Findings, newFinding("a"))
	if o.status != http.StatusOK {
		t.Fatalf("create: %v", o)
	}
	row := lastAudit(t, srv, schema.Findings, id, start)
	got := row.changes(t)
	if row.Action != "create" || row.Door != "rest" || row.ActorID != testkit.InspectorA ||
		got["description"] != "楼道私拉电线充电" || got["author"] != testkit.InspectorA || got["status"] != "open" {
		t.Errorf("create row %+v", row)
	}

	class := testkit.Side("class", "a")
	res := srv.Do(http.MethodDelete, recordsPath(schema.CentreClasses)+"/"+class, tokenOf(srv, testkit.Superuser), nil)
	if res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	row = lastAudit(t, srv, schema.CentreClasses, class, start)
	if got := row.changes(t); row.Action != "delete" || row.Door != "admin" || got["name"] != "少儿美术" {
		t.Errorf("delete row %+v", row)
	}
}

// TestAudit_SecretsStayOut: password changes are recorded as "changed", with no value, hash or
// token key anywhere in the trail.
func TestAudit_SecretsStayOut(t *testing.T) {
	const newPassword = "a-new-secret-password-2018"
	cases := []struct {
		name string
		user string
		body map[string]any
	}{
		{"own password", testkit.InspectorA, map[string]any{
			"oldPassword": testkit.Password, "password": newPassword, "passwordConfirm": newPassword}},
		{"administrator resets it", testkit.Superuser, map[string]any{
			"password": newPassword, "passwordConfirm": newPassword}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			start := types.NowDateTime()
			old := mustFind(t, srv, schema.Users, testkit.InspectorA)
			secrets := []string{newPassword, testkit.Password, old.GetString("password"), old.TokenKey()}
			res := srv.Do(http.MethodPatch, recordsPath(schema.Users)+"/"+testkit.InspectorA, tokenOf(srv, tc.user), tc.body)
			if res.Status != http.StatusOK {
				t.Fatalf("password change: %d %s", res.Status, res.Body)
			}
			cur := mustFind(t, srv, schema.Users, testkit.InspectorA)
			secrets = append(secrets, cur.GetString("password"), cur.TokenKey())
			row := lastAudit(t, srv, schema.Users, testkit.InspectorA, start)
			want := map[string]any{"password": "changed", "tokenKey": "changed"}
			if got := row.changes(t); !jsonEqual(got, want) {
				t.Errorf("changes %v, want %v", got, want)
			}
			assertNoSecrets(t, srv, secrets)
		})
	}
	t.Run("new account", func(t *testing.T) {
		srv := testkit.Serve(t, testkit.NewApp(t))
		body := map[string]any{"email": "new@fieldsync.test", "password": newPassword, "passwordConfirm": newPassword,
			"role": "inspector", "subdistricts": []string{testkit.SubdistrictA}}
		o, id := createAndFind(t, srv, viaREST, testkit.Superuser, schema.Users, body)
		if o.status != http.StatusOK {
			t.Fatalf("create: %v", o)
		}
		r := mustFind(t, srv, schema.Users, id)
		got := lastAudit(t, srv, schema.Users, id, types.DateTime{}).changes(t)
		if _, ok := got["password"]; ok || got["email"] != "new@fieldsync.test" {
			t.Errorf("create changes %v", got)
		}
		assertNoSecrets(t, srv, []string{newPassword, r.GetString("password"), r.TokenKey()})
	})
	t.Run("deleted account", func(t *testing.T) {
		srv := testkit.Serve(t, testkit.NewApp(t))
		users, err := srv.App.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			t.Fatal(err)
		}
		// A throwaway account with nothing pointing at it.
		u := core.NewRecord(users)
		u.Load(map[string]any{"email": "temp@fieldsync.test", "role": "inspector", "subdistricts": []string{testkit.SubdistrictA}})
		u.SetPassword(newPassword)
		access.AsSystem(u)
		if err := srv.App.Save(u); err != nil {
			t.Fatal(err)
		}
		start := types.NowDateTime()
		res := srv.Do(http.MethodDelete, recordsPath(schema.Users)+"/"+u.Id, tokenOf(srv, testkit.Superuser), nil)
		if res.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		row := lastAudit(t, srv, schema.Users, u.Id, start)
		if got := row.changes(t); row.Action != "delete" || row.Door != "admin" || got["email"] != "temp@fieldsync.test" {
			t.Errorf("delete row %+v", row)
		}
		assertNoSecrets(t, srv, []string{newPassword, u.GetString("password"), u.TokenKey()})
	})
}

func assertNoSecrets(t *testing.T, srv *testkit.Server, secrets []string) {
	t.Helper()
	var all []string
	if err := srv.App.DB().Select("changes").From(schema.AuditLog).Column(&all); err != nil {
		t.Fatal(err)
	}
	for _, changes := range all {
		for _, s := range secrets {
			if s != "" && strings.Contains(changes, s) {
				t.Fatalf("the audit trail holds a secret: %s", changes)
			}
		}
	}
}

// TestAudit_AppendOnly: nobody changes or removes audit rows, or adds forged ones: not staff,
// not a superuser through the API (records, batch, truncate, collection edits), not server
// code through app.Save or app.Delete.
func TestAudit_AppendOnly(t *testing.T) {
	rows := recordsPath(schema.AuditLog)
	coll := "/api/collections/" + schema.AuditLog
	forged := map[string]any{"coll": "findings", "record_id": "x", "action": "delete", "actor_kind": "user", "door": "sync"}
	type attempt struct {
		name   string
		user   string
		method string
		path   string // "{id}" is an audit row's id
		body   any
	}
	var attempts []attempt
	for _, user := range []string{testkit.Superuser, testkit.SupervisorA} {
		attempts = append(attempts,
			attempt{"update", user, http.MethodPatch, rows + "/{id}", map[string]any{"actor_id": "someone"}},
			attempt{"delete", user, http.MethodDelete, rows + "/{id}", nil},
			attempt{"forge", user, http.MethodPost, rows, forged},
			attempt{"batch delete", user, http.MethodPost, "/api/batch", map[string]any{"requests": []any{
				map[string]any{"method": "DELETE", "url": rows + "/{id}"}}}},
		)
	}
	attempts = append(attempts,
		attempt{"truncate", testkit.Superuser, http.MethodDelete, coll + "/truncate", nil},
		attempt{"delete the collection", testkit.Superuser, http.MethodDelete, coll, nil},
		attempt{"drop a field", testkit.Superuser, http.MethodPatch, coll, "{drop changes}"},
		attempt{"import without it", testkit.Superuser, http.MethodPut, "/api/collections/import", "{all but the log}"},
	)
	for _, a := range attempts {
		t.Run(a.name+"/"+a.user, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			enableBatch(t, srv)
			all, id := auditState(t, srv)
			res := srv.Do(a.method, strings.ReplaceAll(a.path, "{id}", id), tokenOf(srv, a.user), attemptBody(t, srv, a.body, id))
			if res.Status < 400 || res.Status >= 500 {
				t.Fatalf("want a refusal, got %d %s", res.Status, res.Body)
			}
			if after, _ := auditState(t, srv); !slices.Equal(after, all) {
				t.Fatalf("the audit trail changed: %d rows before, %d after", len(all), len(after))
			}
		})
	}

	t.Run("server code", func(t *testing.T) {
		srv := testkit.Serve(t, testkit.NewApp(t))
		all, id := auditState(t, srv)
		r := mustFind(t, srv, schema.AuditLog, id)
		r.Set("actor_id", "someone")
		if err := srv.App.Save(r); errCode(err, "id") != "audit_append_only" {
			t.Errorf("save: %v", err)
		}
		if err := srv.App.Delete(mustFind(t, srv, schema.AuditLog, id)); errCode(err, "id") != "audit_append_only" {
			t.Errorf("delete: %v", err)
		}
		n := newOrFound(t, srv, schema.AuditLog, "")
		n.Load(forged)
		if err := srv.App.Save(n); errCode(err, "id") != "audit_append_only" {
			t.Errorf("forge: %v", err)
		}
		if after, _ := auditState(t, srv); !slices.Equal(after, all) {
			t.Fatal("the audit trail changed")
		}
	})
}

// auditState returns every audit row, serialised, and the id of one of them.
func auditState(t *testing.T, srv *testkit.Server) ([]string, string) {
	t.Helper()
	var rows []dbx.NullStringMap
	if err := srv.App.DB().Select("*").From(schema.AuditLog).OrderBy("rowid").All(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no audit rows in the fixture")
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(r)) {
			b.WriteString(k + "=" + r[k].String + ";")
		}
		out[i] = b.String()
	}
	return out, rows[0]["id"].String
}

// attemptBody returns the body of an attempt on the audit trail: body with "{id}" in the URLs
// of its batch requests replaced by id, or one of the schema edits it names.
func attemptBody(t *testing.T, srv *testkit.Server, body any, id string) any {
	t.Helper()
	switch body {
	case "{drop changes}":
		c, err := srv.App.FindCollectionByNameOrId(schema.AuditLog)
		if err != nil {
			t.Fatal(err)
		}
		c.Fields.RemoveByName("changes")
		return c
	case "{all but the log}":
		all, err := srv.App.FindAllCollections()
		if err != nil {
			t.Fatal(err)
		}
		kept := slices.DeleteFunc(all, func(c *core.Collection) bool { return c.Name == schema.AuditLog })
		return map[string]any{"collections": kept, "deleteMissing": true}
	}
	if m, ok := body.(map[string]any); ok && m["requests"] != nil {
		for _, r := range m["requests"].([]any) {
			req := r.(map[string]any)
			req["url"] = strings.ReplaceAll(req["url"].(string), "{id}", id)
		}
	}
	return body
}

// TestAudit_FailedWritesLeaveNoRow: a write that fails leaves no audit row, and a write whose
// audit row cannot be written is not stored either, whichever kind of write it is.
func TestAudit_FailedWritesLeaveNoRow(t *testing.T) {
	t.Run("refused by the database", func(t *testing.T) {
		srv := testkit.Serve(t, testkit.NewApp(t))
		unchanged := snapshotFor(t, srv, schema.Households, "")
		// A second household for the same home breaks the unique index on place.
		body := map[string]any{"place": testkit.Side("home", "a"), "subdistrict": testkit.SubdistrictA, "members": 2}
		if o := write(t, srv, viaREST, testkit.InspectorA, schema.Households, "", body); o.status != http.StatusBadRequest {
			t.Fatalf("want 400, got %v", o)
		}
		unchanged(t)
	})

	writes := []struct {
		name   string
		method string
		path   string
		body   map[string]any
		coll   string
		id     string
	}{
		{"create", http.MethodPost, recordsPath(schema.Findings), newFinding("a"), schema.Findings, ""},
		{"update", http.MethodPatch, recordsPath(schema.Findings) + "/" + testkit.Side("finding", "a"),
			map[string]any{"description": "已整改"}, schema.Findings, testkit.Side("finding", "a")},
		{"delete", http.MethodDelete, recordsPath(schema.CentreClasses) + "/" + testkit.Side("class", "a"),
			nil, schema.CentreClasses, testkit.Side("class", "a")},
	}
	for _, w := range writes {
		t.Run("audit unavailable/"+w.name, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			_, err := srv.App.DB().NewQuery(`CREATE TRIGGER audit_down BEFORE INSERT ON audit_log
				BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`).Execute()
			if err != nil {
				t.Fatal(err)
			}
			unchanged := snapshotFor(t, srv, w.coll, w.id)
			res := srv.Do(w.method, w.path, tokenOf(srv, testkit.Superuser), w.body)
			if res.Status < 400 {
				t.Fatalf("the write succeeded without its audit row: %d %s", res.Status, res.Body)
			}
			unchanged(t)
			if w.id != "" {
				if _, err := srv.App.FindRecordById(w.coll, w.id); err != nil {
					t.Fatalf("the record is gone: %v", err)
				}
			}
		})
	}
}

// auditRow is a row of the audit trail.
type auditRow struct {
	Coll      string `db:"coll"`
	RecordID  string `db:"record_id"`
	Action    string `db:"action"`
	ActorID   string `db:"actor_id"`
	ActorKind string `db:"actor_kind"`
	Door      string `db:"door"`
	Changes   string `db:"changes"`
	Created   string `db:"created"`
}

func (r auditRow) changes(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Changes), &m); err != nil {
		t.Fatalf("audit changes %q: %v", r.Changes, err)
	}
	return m
}

// auditRowsOf returns the audit rows of one record, oldest first.
func auditRowsOf(t *testing.T, srv *testkit.Server, coll, id string) []auditRow {
	t.Helper()
	var rows []auditRow
	err := srv.App.DB().Select("coll", "record_id", "action", "actor_id", "actor_kind", "door", "changes", "created").
		From(schema.AuditLog).Where(dbx.HashExp{"coll": coll, "record_id": id}).OrderBy("rowid").All(&rows)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestAudit_DeleteConsequencesAreTheDeleters: when an administrator deletes an account,
// PocketBase removes its id from the records it authored, with saves that name no writer;
// those saves are the administrator's, not refused as nobody's.
func TestAudit_DeleteConsequencesAreTheDeleters(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	users, err := srv.App.FindCollectionByNameOrId(schema.Users)
	if err != nil {
		t.Fatal(err)
	}
	u := core.NewRecord(users)
	u.Load(map[string]any{"email": "leaving@fieldsync.test", "role": "inspector",
		"subdistricts": []string{testkit.SubdistrictA}})
	u.SetPassword(testkit.Password)
	access.AsSystem(u)
	if err := srv.App.Save(u); err != nil {
		t.Fatal(err)
	}
	created := srv.Do(http.MethodPost, recordsPath(schema.Places), tokenOf(srv, u.Id), map[string]any{
		"kind": "venue", "name": "离职前登记的场所", "subdistrict": testkit.SubdistrictA, "address": "测试路 9 号"})
	place, _ := created.JSON(t)["id"].(string)
	if created.Status != http.StatusOK || mustFind(t, srv, schema.Places, place).GetString("author") != u.Id {
		t.Fatalf("create a place as the leaving inspector: %d %s", created.Status, created.Body)
	}
	start := types.NowDateTime()
	res := srv.Do(http.MethodDelete, recordsPath(schema.Users)+"/"+u.Id, tokenOf(srv, testkit.Superuser), nil)
	if res.Status != http.StatusNoContent {
		t.Fatalf("delete the account: %d %s", res.Status, res.Body)
	}
	if got := mustFind(t, srv, schema.Places, place).GetString("author"); got != "" {
		t.Errorf("the place's author after the delete: %q", got)
	}
	row := lastAudit(t, srv, schema.Places, place, start)
	if row.ActorKind != "superuser" || row.ActorID != testkit.Superuser {
		t.Errorf("audit row of the unset author %+v, want the administrator", row)
	}
}
