package app_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// The protected-field tests are driven by access.Policies: every field a policy protects is
// attempted by every staff role that does not own it, through every door, and must be refused
// with the field's "protected_field" code, or by the API rule, leaving the stored row as it was.
// A collection or field added to the table is tested without a change here, unless it needs a
// fixture record (protectedFixture) or a value kind otherValue does not know yet: then the
// tests fail and say so.

// protectedFixture names, per collection, the fixture record of subdistrict A the tests change.
// Staff accounts change their own record.
var protectedFixture = map[string]string{
	schema.Places:        "venuea",
	schema.Households:    "householda",
	schema.Centres:       "centrea",
	schema.CentreClasses: "classa",
	schema.Incidents:     "incidenta",
	schema.Sites:         "sitea",
	schema.Inspections:   "inspectiona",
	schema.Findings:      "findinga",
	schema.Referrals:     "referrala",
	schema.Enforcements:  "enforcea",
	schema.AlarmInstalls: "installa",
	schema.LandEntries:   "landentrya",
	schema.Reports:       "reporta",
	schema.ReportUpdates: "updatea",
	schema.Photos:        "photoa",
	schema.Notifications: "notea",

	schema.AlarmFollowups: "followupa",
	schema.AlarmQuotas:    "quotaa",
	schema.AlarmSamplings: "samplinga",
}

// staffOfA are the staff accounts whose attempts the tests make: field staff of subdistrict A
// and agency staff of the fire brigade, to which findings of A are referred.
var staffOfA = []string{testkit.InspectorA, testkit.SupervisorA, testkit.FireStaff}

func fixtureOf(t *testing.T, coll, user string) string {
	t.Helper()
	if coll == schema.Users {
		return user
	}
	name, ok := protectedFixture[coll]
	if !ok {
		t.Fatalf("no fixture record for %s: add it to protectedFixture", coll)
	}
	return testkit.ID(name)
}

// roleOwns reports whether role may set field on collection coll.
func roleOwns(coll, field string, role access.Role) bool {
	owner, ok := access.Policies[coll].Owned[field]
	return ok && slices.Contains(owner.Roles, role)
}

func policyCollections() []string {
	var out []string
	for c := range access.Policies {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// otherValue returns a valid value of r's field that differs from the stored one and from
// avoid. Relations pick a target in r's own subdistrict first, so owners' changes are valid.
func otherValue(t *testing.T, app core.App, r *core.Record, name string, avoid any) any {
	t.Helper()
	switch f := r.Collection().Fields.GetByName(name).(type) {
	case *core.SelectField:
		for _, v := range f.Values {
			if !sameValue(r, name, v) && v != avoid {
				return v
			}
		}
	case *core.BoolField:
		return !r.GetBool(name)
	case *core.DateField:
		if sameValue(r, name, "2019-03-01 08:00:00.000Z") {
			return "2019-03-02 08:00:00.000Z"
		}
		return "2019-03-01 08:00:00.000Z"
	case *core.TextField:
		return r.GetString(name) + "改"
	case *core.NumberField:
		return r.GetFloat(name) + 1
	case *core.RelationField:
		return otherTarget(t, app, r, f)
	case *core.JSONField:
		return []any{map[string]any{"changed": r.GetString(name) + "x"}}
	case *core.GeoPointField:
		if p, _ := r.Get(name).(types.GeoPoint); p.Lon == 116.4 {
			return map[string]any{"lon": 116.5, "lat": 39.95}
		}
		return map[string]any{"lon": 116.4, "lat": 39.9}
	}
	t.Fatalf("otherValue: no value for %s.%s (%T): teach otherValue this field type",
		r.Collection().Name, name, r.Collection().Fields.GetByName(name))
	return nil
}

func otherTarget(t *testing.T, app core.App, r *core.Record, f *core.RelationField) any {
	t.Helper()
	current := r.GetStringSlice(f.Name)
	targets, err := app.FindAllRecords(f.CollectionId)
	if err != nil {
		t.Fatal(err)
	}
	sd := r.GetString(schema.FieldSubdistrict)
	slices.SortStableFunc(targets, func(a, b *core.Record) int {
		return boolRank(a.GetString(schema.FieldSubdistrict) != sd) - boolRank(b.GetString(schema.FieldSubdistrict) != sd)
	})
	for _, target := range targets {
		if slices.Contains(current, target.Id) {
			continue
		}
		if f.IsMultiple() {
			return append(current, target.Id)
		}
		return target.Id
	}
	t.Fatalf("otherTarget: no other record for %s.%s", r.Collection().Name, f.Name)
	return nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestProtected_LockedFieldsRefused changes, for every policy collection, every field a staff
// role may not change, through REST, batch and the sync door.
func TestProtected_LockedFieldsRefused(t *testing.T) {
	for _, coll := range policyCollections() {
		t.Run(coll, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			for _, user := range staffOfA {
				role := actorOf(t, srv, user).Role
				id := fixtureOf(t, coll, user)
				// The rule decides whether the REST and batch doors reach the hooks at all; a
				// change the rule lets through must then be refused by the field policy.
				ruleAllows := write(t, srv, viaREST, user, coll, id, map[string]any{}).status == http.StatusOK
				for _, field := range access.Policies[coll].Locked(role) {
					for _, d := range allDoors {
						t.Run(fmt.Sprintf("%s/%s/%s", role, field, d), func(t *testing.T) {
							before := rowSnapshot(t, srv, coll, id)
							value := otherValue(t, srv.App, mustFind(t, srv, coll, id), field, nil)
							o := write(t, srv, d, user, coll, id, map[string]any{field: value})
							assertProtected(t, o, field, d == viaSync || ruleAllows)
							assertRowUnchanged(t, srv, coll, id, before)
						})
					}
				}
			}
		})
	}
}

// TestProtected_OwnedFieldsOnCreate creates records of subdistrict A with a field the creator's
// role does not own set to something other than its default.
func TestProtected_OwnedFieldsOnCreate(t *testing.T) {
	for _, coll := range policyCollections() {
		p := access.Policies[coll]
		if len(p.Owned) == 0 {
			continue
		}
		t.Run(coll, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			for _, user := range []string{testkit.InspectorA, testkit.SupervisorA} {
				role := actorOf(t, srv, user).Role
				base := createBase(t, srv, coll, fixtureOf(t, coll, user))
				for _, field := range sortedFields(p.Owned) {
					if roleOwns(coll, field, role) {
						continue
					}
					for _, d := range allDoors {
						t.Run(fmt.Sprintf("%s/%s/%s", role, field, d), func(t *testing.T) {
							before := countRows(t, srv, coll)
							probe := newOrFound(t, srv, coll, "")
							probe.Load(base)
							value := otherValue(t, srv.App, probe, field, p.Owned[field].Default)
							o := write(t, srv, d, user, coll, "", withField(base, field, value))
							assertProtected(t, o, field, d == viaSync)
							if after := countRows(t, srv, coll); after != before {
								t.Errorf("%s: %d rows before, %d after a refused create", coll, before, after)
							}
						})
					}
				}
			}
		})
	}
}

// createBase returns the data of a new record copied from a fixture record, with every owned
// field left empty so that only the field under test is set.
func createBase(t *testing.T, srv *testkit.Server, coll, id string) map[string]any {
	t.Helper()
	r := mustFind(t, srv, coll, id)
	base := map[string]any{}
	for _, f := range r.Collection().Fields {
		switch f.Type() {
		case core.FieldTypeAutodate, core.FieldTypePassword:
			continue
		}
		if _, owned := access.Policies[coll].Owned[f.GetName()]; f.GetName() == "id" || f.GetHidden() || owned {
			continue
		}
		base[f.GetName()] = r.Get(f.GetName())
	}
	if r.Collection().IsAuth() {
		base["email"] = "new-" + id + "@fieldsync.test"
	}
	return base
}

func sortedFields(m map[string]access.Owner) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// assertProtected checks that o refused a write of field: with the field's protected_field
// code when the hooks were reached (reached), or else by the API rule (403, 404, or a 400
// without field errors, which is how PocketBase answers a failed create rule).
func assertProtected(t *testing.T, o outcome, field string, reached bool) {
	t.Helper()
	if o.status == http.StatusOK {
		t.Fatalf("%s: the write was accepted", field)
	}
	if o.codes[field] == "protected_field" {
		return
	}
	if reached {
		t.Fatalf("%s: want protected_field, got %v", field, o)
	}
	ruleRefusal := o.status == http.StatusForbidden || o.status == http.StatusNotFound ||
		(o.status == http.StatusBadRequest && len(o.codes) == 0)
	if !ruleRefusal {
		t.Fatalf("%s: want a refusal by the rule or protected_field, got %v", field, o)
	}
}

// TestProtected_OwnersMayChange shows the other side: a role that owns a field changes it,
// through REST and through the sync door.
func TestProtected_OwnersMayChange(t *testing.T) {
	ownerOf := map[access.Role]string{access.Supervisor: testkit.SupervisorA, access.AgencyStaff: testkit.FireStaff}
	for _, coll := range policyCollections() {
		p := access.Policies[coll]
		for _, field := range sortedFields(p.Owned) {
			for _, role := range p.Owned[field].Roles {
				user, ok := ownerOf[role]
				if !ok {
					t.Fatalf("no fixture account of role %s", role)
				}
				for _, d := range []door{viaREST, viaSync} {
					t.Run(fmt.Sprintf("%s/%s/%s/%s", coll, field, role, d), func(t *testing.T) {
						srv := testkit.Serve(t, testkit.NewApp(t))
						id := fixtureOf(t, coll, user)
						listable(t, srv, coll, id, field)
						value := otherValue(t, srv.App, mustFind(t, srv, coll, id), field, nil)
						if o := write(t, srv, d, user, coll, id, map[string]any{field: value}); o.status != http.StatusOK {
							t.Fatalf("owner refused: %v", o)
						}
						if !sameValue(mustFind(t, srv, coll, id), field, value) {
							t.Fatalf("%s not stored as %v", field, value)
						}
					})
				}
			}
		}
	}
}

// TestProtected_SuperuserMayChange: district administrators, through the admin door, change
// every owned field and the author of every policy collection.
func TestProtected_SuperuserMayChange(t *testing.T) {
	for _, coll := range policyCollections() {
		p := access.Policies[coll]
		fields := sortedFields(p.Owned)
		if p.Author != "" {
			fields = append(fields, p.Author)
		}
		for _, field := range fields {
			if coll == schema.Findings && field == schema.FieldStatus {
				// A finding's status follows the lifecycle even for administrators: a closed
				// finding needs its passing re-inspection whoever closes it (internal/rectify).
				continue
			}
			if coll == schema.Centres && (field == "list_status" || field == "outcome") {
				// A centre's list follows its status and licence, and an outcome needs its
				// deadline, for administrators too (internal/tutoring).
				continue
			}
			t.Run(coll+"/"+field, func(t *testing.T) {
				srv := testkit.Serve(t, testkit.NewApp(t))
				id := fixtureOf(t, coll, testkit.InspectorA)
				if coll == schema.Users && field == schema.FieldAgency {
					// Only agency staff have an agency (internal/access/account.go): the
					// administrator moves a staff member to another agency.
					id = testkit.FireStaff
				}
				listable(t, srv, coll, id, field)
				value := otherValue(t, srv.App, mustFind(t, srv, coll, id), field, nil)
				if o := write(t, srv, viaREST, testkit.Superuser, coll, id, map[string]any{field: value}); o.status != http.StatusOK {
					t.Fatalf("superuser refused: %v", o)
				}
				if !sameValue(mustFind(t, srv, coll, id), field, value) {
					t.Fatalf("%s not stored as %v", field, value)
				}
				rows := auditRowsOf(t, srv, coll, id)
				if last := rows[len(rows)-1]; last.Door != "admin" || last.ActorID != testkit.Superuser {
					t.Errorf("audit row: %+v", last)
				}
			})
		}
	}
}

// newFinding returns the body of a new general fire finding of side "a" or "b".
func newFinding(side string) map[string]any {
	sd := map[string]string{"a": testkit.SubdistrictA, "b": testkit.SubdistrictB}[side]
	return map[string]any{
		"programme": "fire", "place": testkit.Side("venue", side), "subdistrict": sd,
		"inspection": testkit.Side("inspection", side), "category": "fire.wiring",
		"severity": "general", "description": "楼道私拉电线充电",
	}
}

// newInspection returns the body of a new inspection of subdistrict A at place.
func newInspection(place string) map[string]any {
	return map[string]any{
		"programme": "fire", "kind": "routine", "place": place, "subdistrict": testkit.SubdistrictA,
		"inspected_at": "2018-05-03 10:00:00.000Z", "result": "pass",
	}
}

// TestProtected_AuthorIsTheWriter: whoever a staff writer names as author, the record is theirs.
func TestProtected_AuthorIsTheWriter(t *testing.T) {
	cases := []struct {
		coll, field string
		body        map[string]any
	}{
		{schema.Findings, "author", newFinding("a")},
		{schema.Inspections, "inspector", newInspection(testkit.Side("venue", "a"))},
		{schema.Places, "author", map[string]any{"kind": "venue", "name": "小饭馆", "subdistrict": testkit.SubdistrictA, "address": "万寿路 9 号"}},
	}
	for _, tc := range cases {
		for _, d := range allDoors {
			t.Run(tc.coll+"/"+string(d), func(t *testing.T) {
				srv := testkit.Serve(t, testkit.NewApp(t))
				o, id := createAndFind(t, srv, d, testkit.InspectorA, tc.coll, withField(tc.body, tc.field, testkit.InspectorB))
				if o.status != http.StatusOK {
					t.Fatalf("create refused: %v", o)
				}
				if got := mustFind(t, srv, tc.coll, id).GetString(tc.field); got != testkit.InspectorA {
					t.Fatalf("%s = %q, want the writer %q", tc.field, got, testkit.InspectorA)
				}
			})
		}
	}
}

// createAndFind creates a record through d and returns the outcome and the new record's id.
func createAndFind(t *testing.T, srv *testkit.Server, d door, user, coll string, body map[string]any) (outcome, string) {
	t.Helper()
	var ids []any
	if err := srv.App.DB().Select("id").From(coll).Column(&ids); err != nil {
		t.Fatal(err)
	}
	o := write(t, srv, d, user, coll, "", body)
	var id string
	err := srv.App.DB().Select("id").From(coll).Where(dbx.NotIn("id", ids...)).Row(&id)
	if o.status == http.StatusOK && err != nil {
		t.Fatalf("created record not found: %v", err)
	}
	return o, id
}

// TestProtected_Scope: records stay in their writer's subdistricts, and link only within theirs.
func TestProtected_Scope(t *testing.T) {
	cases := []struct {
		name  string
		coll  string
		id    string // "" creates
		data  map[string]any
		field string // the field the sync door refuses, and the code
		code  string
	}{
		{"create in another subdistrict", schema.Findings, "", newFinding("b"), "subdistrict", "scope_forbidden"},
		{"create a place in another subdistrict", schema.Places, "",
			map[string]any{"kind": "venue", "name": "小饭馆", "subdistrict": testkit.SubdistrictB, "address": "永定路 9 号"},
			"subdistrict", "scope_forbidden"},
		{"inspection at a place of another subdistrict", schema.Inspections, "",
			newInspection(testkit.Side("venue", "b")), "place", "link_invalid"},
		// A missing record gets the same answer as another subdistrict's: a link reveals nothing.
		{"inspection at a place that does not exist", schema.Inspections, "",
			newInspection("nosuchplace0000"), "place", "link_invalid"},
		{"finding of an inspection of another subdistrict", schema.Findings, "",
			withField(newFinding("a"), "inspection", testkit.Side("inspection", "b")), "inspection", "link_invalid"},
		{"finding with a photo of another subdistrict", schema.Findings, "",
			withField(newFinding("a"), "photos", []string{testkit.Side("photo", "b")}), "photos", "link_invalid"},
		{"relink a finding to an inspection of another subdistrict", schema.Findings, testkit.Side("finding", "a"),
			map[string]any{"inspection": testkit.Side("inspection", "b")}, "inspection", "link_invalid"},
		{"add a photo of another subdistrict", schema.Inspections, testkit.Side("inspection", "a"),
			map[string]any{"photos": []string{testkit.Side("photo", "b")}}, "photos", "link_invalid"},
		{"move a record to another subdistrict", schema.Places, testkit.Side("venue", "a"),
			map[string]any{"subdistrict": testkit.SubdistrictB}, "subdistrict", "protected_field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t)) // refused writes change nothing, so the doors share it
			for _, d := range allDoors {
				t.Run(string(d), func(t *testing.T) {
					unchanged := snapshotFor(t, srv, tc.coll, tc.id)
					o := write(t, srv, d, testkit.InspectorA, tc.coll, tc.id, tc.data)
					// REST and batch may refuse by the create rule before the hooks run.
					assertRefused(t, o, tc.field, tc.code, d == viaSync || tc.field != "subdistrict" || tc.id != "")
					unchanged(t)
				})
			}
		})
	}
}

// assertRefused checks that o refused a write with code on field when the hooks were reached,
// or by the API rule otherwise.
func assertRefused(t *testing.T, o outcome, field, code string, reached bool) {
	t.Helper()
	if o.codes[field] == code {
		return
	}
	if reached || o.status == http.StatusOK || len(o.codes) != 0 {
		t.Fatalf("%s: want %s, got %v", field, code, o)
	}
}

// TestProtected_OwnAccount: staff may edit their own phone, never their role, memberships or
// agency, whichever way the change is phrased.
func TestProtected_OwnAccount(t *testing.T) {
	cases := []struct {
		name  string
		data  map[string]any
		field string // "" when the change is allowed
	}{
		{"phone", map[string]any{"phone": "13811112222"}, ""},
		{"role", map[string]any{"role": "supervisor"}, "role"},
		{"add a subdistrict", map[string]any{"subdistricts+": testkit.SubdistrictB}, "subdistricts"},
		{"replace subdistricts", map[string]any{"subdistricts": []string{testkit.SubdistrictB}}, "subdistricts"},
		{"drop subdistricts", map[string]any{"subdistricts": []string{}}, "subdistricts"},
		{"agency", map[string]any{"agency": testkit.AgencyFire}, "agency"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			before := rowSnapshot(t, srv, schema.Users, testkit.InspectorA)
			res := srv.Do(http.MethodPatch, recordsPath(schema.Users)+"/"+testkit.InspectorA,
				tokenOf(srv, testkit.InspectorA), tc.data)
			if tc.field == "" {
				if res.Status != http.StatusOK {
					t.Fatalf("status %d: %s", res.Status, res.Body)
				}
				return
			}
			if got := fieldCode(t, res, tc.field); res.Status != http.StatusBadRequest || got != "protected_field" {
				t.Fatalf("want 400 protected_field on %s, got %d: %s", tc.field, res.Status, res.Body)
			}
			assertRowUnchanged(t, srv, schema.Users, testkit.InspectorA, before)
		})
	}
}

// TestProtected_Timestamps: created and updated are the server's, whatever a writer sends.
func TestProtected_Timestamps(t *testing.T) {
	const forged = "2001-01-01 00:00:00.000Z"
	stamps := map[string]any{"created": forged, "updated": forged}
	for _, user := range []string{testkit.InspectorA, testkit.Superuser} {
		for _, d := range allDoors {
			t.Run(user+"/"+string(d), func(t *testing.T) {
				srv := testkit.Serve(t, testkit.NewApp(t))
				id := testkit.Side("finding", "a")
				createdBefore := mustFind(t, srv, schema.Findings, id).GetString("created")
				if o := write(t, srv, d, user, schema.Findings, id, stamps); o.status != http.StatusOK {
					t.Fatalf("update: %v", o)
				}
				r := mustFind(t, srv, schema.Findings, id)
				if r.GetString("created") != createdBefore || r.GetString("updated") == forged {
					t.Errorf("update kept forged stamps: created %s updated %s", r.GetString("created"), r.GetString("updated"))
				}
				o, newID := createAndFind(t, srv, d, user, schema.Findings, mergeMaps(newFinding("a"), stamps))
				if o.status != http.StatusOK {
					t.Fatalf("create: %v", o)
				}
				r = mustFind(t, srv, schema.Findings, newID)
				if r.GetString("created") == forged || r.GetString("updated") == forged {
					t.Errorf("create kept forged stamps: created %s updated %s", r.GetString("created"), r.GetString("updated"))
				}
			})
		}
	}
}

// TestProtected_OwnerDefaults: an owner who leaves an owned field empty gets its default, as
// everybody else does (a supervisor's finding starts "open").
func TestProtected_OwnerDefaults(t *testing.T) {
	for _, user := range []string{testkit.InspectorA, testkit.SupervisorA, testkit.Superuser} {
		for _, d := range allDoors {
			t.Run(user+"/"+string(d), func(t *testing.T) {
				srv := testkit.Serve(t, testkit.NewApp(t))
				o, id := createAndFind(t, srv, d, user, schema.Findings, newFinding("a"))
				if o.status != http.StatusOK {
					t.Fatalf("create: %v", o)
				}
				if got := mustFind(t, srv, schema.Findings, id).GetString("status"); got != "open" {
					t.Fatalf("status %q, want open", got)
				}
			})
		}
	}
	// A status moves only through the lifecycle's commands, for supervisors too.
	t.Run("supervisor sets status on create", func(t *testing.T) {
		srv := testkit.Serve(t, testkit.NewApp(t))
		o, _ := createAndFind(t, srv, viaREST, testkit.SupervisorA, schema.Findings,
			withField(newFinding("a"), "status", "ordered"))
		if o.status != http.StatusBadRequest || o.codes["status"] != "protected_field" {
			t.Fatalf("create: %v", o)
		}
	})
}

// TestProtected_BatchIsAllOrNothing: a batch with one refused write stores none of its writes.
func TestProtected_BatchIsAllOrNothing(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	findings, audits := countRows(t, srv, schema.Findings), countRows(t, srv, schema.AuditLog)
	id := testkit.Side("finding", "a")
	before := rowSnapshot(t, srv, schema.Findings, id)
	res := batchDo(t, srv, testkit.InspectorA,
		batchRequest{http.MethodPost, recordsPath(schema.Findings), newFinding("a")},
		batchRequest{http.MethodPatch, recordsPath(schema.Findings) + "/" + id, map[string]any{"description": "已改"}},
		batchRequest{http.MethodPatch, recordsPath(schema.Findings) + "/" + id, map[string]any{"status": "closed"}},
	)
	if got := fieldCode(t, res, "status"); res.Status != http.StatusBadRequest || got != "protected_field" {
		t.Fatalf("want 400 protected_field, got %d: %s", res.Status, res.Body)
	}
	if countRows(t, srv, schema.Findings) != findings || countRows(t, srv, schema.AuditLog) != audits {
		t.Error("a refused batch left rows behind")
	}
	assertRowUnchanged(t, srv, schema.Findings, id, before)
}

// ---------------------------------------------------------------------------
// Helpers shared by the api_protected, api_input, api_audit and hooks tests.

// A door is a way a write reaches the server, as the tests drive it.
type door string

const (
	viaREST  door = "rest"
	viaBatch door = "batch"
	viaSync  door = "sync" // an app.Save attributed to the actor through access.DoorSync
)

var allDoors = []door{viaREST, viaBatch, viaSync}

// outcome is the result of a write through any door: an HTTP status (for the sync door,
// 200, or 400 for a validation error and 500 for any other) and the field error codes.
type outcome struct {
	status int
	codes  map[string]string
	body   string
}

func (o outcome) String() string { return fmt.Sprintf("%d %v %s", o.status, o.codes, o.body) }

func recordsPath(coll string) string { return "/api/collections/" + coll + "/records" }

// tokenOf returns an auth token of a fixture account, staff or superuser; "" for anonymous.
func tokenOf(srv *testkit.Server, id string) string {
	switch id {
	case "":
		return ""
	case testkit.Superuser:
		return srv.Token(core.CollectionNameSuperusers, id)
	}
	return srv.Token(schema.Users, id)
}

// createVia creates a record through REST or, with batch, through /api/batch.
func createVia(t *testing.T, srv *testkit.Server, batch bool, user, coll string, body map[string]any) testkit.Response {
	t.Helper()
	if batch {
		return batchDo(t, srv, user, batchRequest{http.MethodPost, recordsPath(coll), body})
	}
	return srv.Do(http.MethodPost, recordsPath(coll), tokenOf(srv, user), body)
}

type batchRequest struct {
	Method string         `json:"method"`
	URL    string         `json:"url"`
	Body   map[string]any `json:"body,omitempty"`
}

// batchDo sends requests as one /api/batch transaction.
func batchDo(t *testing.T, srv *testkit.Server, user string, reqs ...batchRequest) testkit.Response {
	t.Helper()
	enableBatch(t, srv)
	return srv.Do(http.MethodPost, "/api/batch", tokenOf(srv, user), map[string]any{"requests": reqs})
}

// enableBatch turns the batch API on: it is off in PocketBase's default settings.
func enableBatch(t *testing.T, srv *testkit.Server) {
	t.Helper()
	if s := srv.App.Settings(); !s.Batch.Enabled {
		s.Batch.Enabled, s.Batch.MaxRequests, s.Batch.Timeout = true, 50, 10
		if err := srv.App.Save(s); err != nil {
			t.Fatal(err)
		}
	}
}

// write creates (id "") or updates a record through d as user and returns the outcome.
func write(t *testing.T, srv *testkit.Server, d door, user, coll, id string, data map[string]any) outcome {
	t.Helper()
	method, path := http.MethodPost, recordsPath(coll)
	if id != "" {
		method, path = http.MethodPatch, path+"/"+id
	}
	switch d {
	case viaREST:
		return httpOutcome(t, srv.Do(method, path, tokenOf(srv, user), data))
	case viaBatch:
		return httpOutcome(t, batchDo(t, srv, user, batchRequest{method, path, data}))
	}
	r := newOrFound(t, srv, coll, id)
	for k, v := range data {
		r.Set(k, v)
	}
	access.Attribute(r, access.Attribution{Actor: actorOf(t, srv, user), Door: access.DoorSync})
	return saveOutcome(srv.App.Save(r))
}

func newOrFound(t *testing.T, srv *testkit.Server, coll, id string) *core.Record {
	t.Helper()
	if id != "" {
		return mustFind(t, srv, coll, id)
	}
	c, err := srv.App.FindCollectionByNameOrId(coll)
	if err != nil {
		t.Fatal(err)
	}
	return core.NewRecord(c)
}

// httpOutcome reads a REST response, or unwraps the failed request of a batch response.
func httpOutcome(t *testing.T, res testkit.Response) outcome {
	t.Helper()
	o := outcome{status: res.Status, body: string(res.Body)}
	if res.Status == http.StatusOK {
		return o
	}
	m := res.JSON(t)
	data, _ := m["data"].(map[string]any)
	if reqs, ok := data["requests"].(map[string]any); ok {
		for _, v := range reqs {
			failed, _ := v.(map[string]any)["response"].(map[string]any)
			if s, ok := failed["status"].(float64); ok {
				o.status = int(s)
			}
			data, _ = failed["data"].(map[string]any)
		}
	}
	o.codes = map[string]string{}
	for field, v := range data {
		if e, ok := v.(map[string]any); ok {
			o.codes[field], _ = e["code"].(string)
		}
	}
	return o
}

// saveOutcome maps an app.Save error to the status an HTTP door would answer with.
func saveOutcome(err error) outcome {
	if err == nil {
		return outcome{status: http.StatusOK}
	}
	o := outcome{status: http.StatusInternalServerError, codes: map[string]string{}, body: err.Error()}
	var verrs validation.Errors
	var apiErr *router.ApiError
	switch {
	case errors.As(err, &verrs):
		o.status = http.StatusBadRequest
		for field, e := range verrs {
			if ve, ok := e.(validation.Error); ok {
				o.codes[field] = ve.Code()
			}
		}
	case errors.As(err, &apiErr):
		o.status = apiErr.Status
		for field, e := range apiErr.Data {
			if m, ok := e.(map[string]any); ok {
				o.codes[field], _ = m["code"].(string)
			}
		}
	}
	return o
}

// errCode returns the code of the field error on field that err carries, or "".
func errCode(err error, field string) string { return saveOutcome(err).codes[field] }

// fieldCode returns the code of the field error on field in a REST or batch response.
func fieldCode(t *testing.T, res testkit.Response, field string) string {
	t.Helper()
	return httpOutcome(t, res).codes[field]
}

// listable makes the fixture finding a major hazard before its supervision level is written:
// only a major, regional or proposed hazard is listed, for every writer (internal/rectify).
func listable(t *testing.T, srv *testkit.Server, coll, id, field string) {
	t.Helper()
	if coll != schema.Findings || field != "supervision_level" {
		return
	}
	r := mustFind(t, srv, coll, id)
	r.Set("severity", "major")
	access.AsSystem(r)
	if err := srv.App.Save(r); err != nil {
		t.Fatal(err)
	}
}

func mustFind(t *testing.T, srv *testkit.Server, coll, id string) *core.Record {
	t.Helper()
	r, err := srv.App.FindRecordById(coll, id)
	if err != nil {
		t.Fatalf("find %s/%s: %v", coll, id, err)
	}
	return r
}

// actorOf returns the actor of a fixture account as the request hooks would derive it.
func actorOf(t *testing.T, srv *testkit.Server, id string) access.Actor {
	t.Helper()
	if id == testkit.Superuser {
		return access.ActorFromAuth(mustFind(t, srv, core.CollectionNameSuperusers, id))
	}
	return access.ActorFromAuth(mustFind(t, srv, schema.Users, id))
}

// rowSnapshot reads a stored row as it is in SQLite, every column.
func rowSnapshot(t *testing.T, srv *testkit.Server, coll, id string) dbx.NullStringMap {
	t.Helper()
	row := dbx.NullStringMap{}
	err := srv.App.DB().Select("*").From(coll).Where(dbx.HashExp{"id": id}).One(row)
	if err != nil {
		t.Fatalf("row %s/%s: %v", coll, id, err)
	}
	return row
}

func assertRowUnchanged(t *testing.T, srv *testkit.Server, coll, id string, before dbx.NullStringMap) {
	t.Helper()
	after := rowSnapshot(t, srv, coll, id)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s/%s: %s changed from %q to %q", coll, id, k, v.String, after[k].String)
		}
	}
}

func countRows(t *testing.T, srv *testkit.Server, table string) int {
	t.Helper()
	var n int
	if err := srv.App.DB().Select("count(*)").From(table).Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// jsonEqual reports whether a and b have the same JSON encoding.
func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// withField returns a copy of m with k set to v, or without k when v is nil.
func withField(m map[string]any, k string, v any) map[string]any {
	out := maps.Clone(m)
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

// sameValue reports whether a stored field value equals v once v is normalised by the field.
func sameValue(r *core.Record, field string, v any) bool {
	probe := r.Clone()
	probe.Set(field, v)
	return reflect.DeepEqual(probe.Get(field), r.Get(field))
}

// mergeMaps returns the union of ms, later maps winning.
func mergeMaps(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}
