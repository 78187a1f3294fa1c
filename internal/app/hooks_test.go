package app_test

import (
	"github.com/pocketbase/dbx"
	"path/filepath"
	"testing"

	"github.com/pocketbase/pocketbase/plugins/jsvm"

	"github.com/haidian/fieldsync/internal/access"
	fsapp "github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// serveWithHooks serves a fixture app with the repository's pb_hooks loaded by the jsvm
// plugin, as cmd/fieldsync does. The plugin binds the hooks when it registers (it runs the
// files then), so the already bootstrapped test app needs no OnBootstrap.
func serveWithHooks(t *testing.T) *testkit.Server {
	t.Helper()
	dir, err := filepath.Abs("../../pb_hooks")
	if err != nil {
		t.Fatal(err)
	}
	app := testkit.NewApp(t)
	jsvm.MustRegister(app, jsvm.Config{
		HooksDir: dir,
		OnInit:   fsapp.BindJS,
		// No JS migrations, and the types file stays out of the repository.
		MigrationsDir: t.TempDir(),
		TypesDir:      t.TempDir(),
	})
	return testkit.Serve(t, app)
}

// majorFinding returns the body of a new major fire finding in subdistrict A.
func majorFinding(deadline string) map[string]any {
	body := map[string]any{
		"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
		"inspection": testkit.Side("inspection", "a"), "category": "fire.group_rental",
		"severity": "major", "description": "地下室群租, 私拉电线",
	}
	if deadline != "" {
		body["deadline"] = deadline
	}
	return body
}

func TestHook_MajorFindingNeedsDeadline(t *testing.T) {
	const code = "major_finding_needs_deadline"
	cases := []struct {
		name    string
		user    string // a users id, or testkit.Superuser
		body    map[string]any
		batch   bool
		refused bool
	}{
		{"inspector without deadline", testkit.InspectorA, majorFinding(""), false, true},
		{"inspector with deadline", testkit.InspectorA, majorFinding("2018-07-01 00:00:00.000Z"), false, false},
		{"supervisor without deadline", testkit.SupervisorA, majorFinding(""), false, true},
		{"superuser without deadline", testkit.Superuser, majorFinding(""), false, true},
		{"batch without deadline", testkit.InspectorA, majorFinding(""), true, true},
		{"general finding without deadline", testkit.InspectorA,
			withField(majorFinding(""), "severity", "general"), false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveWithHooks(t)
			before := countRows(t, srv, schema.Findings)
			res := createVia(t, srv, tc.batch, tc.user, schema.Findings, tc.body)
			if !tc.refused {
				if res.Status != 200 {
					t.Fatalf("status %d: %s", res.Status, res.Body)
				}
				return
			}
			if got := fieldCode(t, res, "deadline"); res.Status != 400 || got != code {
				t.Fatalf("want 400 %s on deadline, got %d %q: %s", code, res.Status, got, res.Body)
			}
			if after := countRows(t, srv, schema.Findings); after != before {
				t.Fatalf("findings: %d rows before, %d after a refused create", before, after)
			}
		})
	}
}

// TestHook_MajorFindingNeedsDeadlineOnSync shows the rule holds for a save that no request
// carried: the sync door, an attributed app.Save.
func TestHook_MajorFindingNeedsDeadlineOnSync(t *testing.T) {
	srv := serveWithHooks(t)
	id := testkit.Side("finding", "a")
	before := rowSnapshot(t, srv, schema.Findings, id)

	r := mustFind(t, srv, schema.Findings, id)
	r.Set("severity", "major")
	r.Set("deadline", "")
	access.Attribute(r, access.Attribution{Actor: actorOf(t, srv, testkit.InspectorA), Door: access.DoorSync})
	err := srv.App.Save(r)
	if got := errCode(err, "deadline"); got != "major_finding_needs_deadline" {
		t.Fatalf("want major_finding_needs_deadline, got %q (%v)", got, err)
	}
	assertRowUnchanged(t, srv, schema.Findings, id, before)
}

// TestHook_MajorFindingNotifiesSupervisors shows the hook's own writes: the supervisors of the
// finding's subdistrict are notified by saves the audit trail attributes to the server
// through door "hook".
func TestHook_MajorFindingNotifiesSupervisors(t *testing.T) {
	srv := serveWithHooks(t)
	res := createVia(t, srv, false, testkit.InspectorA, schema.Findings, majorFinding("2018-07-01 00:00:00.000Z"))
	if res.Status != 200 {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	id := res.JSON(t)["id"].(string)
	notes, err := srv.App.FindAllRecords(schema.Notifications, dbx.HashExp{"finding": id})
	if err != nil || len(notes) != 1 || notes[0].GetString("user") != testkit.SupervisorA || notes[0].GetString("kind") != "major_found" {
		t.Fatalf("notifications of the major finding: %v %v", notes, err)
	}
	rows := auditRowsOf(t, srv, schema.Notifications, notes[0].Id)
	if len(rows) != 1 || rows[0].Door != "hook" || rows[0].ActorKind != "system" || rows[0].ActorID != "" {
		t.Errorf("the hook's save is audited as %+v", rows)
	}
}

// TestHook_Disabled shows the rules are the hook's: without pb_hooks the same save passes and
// nobody is notified; the Go rule still lists the finding for supervision.
func TestHook_Disabled(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	res := createVia(t, srv, false, testkit.InspectorA, schema.Findings, majorFinding(""))
	if res.Status != 200 {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	id := res.JSON(t)["id"].(string)
	if !mustFind(t, srv, schema.Findings, id).GetBool("supervised") {
		t.Fatal("a major finding is not supervised")
	}
	if n, _ := srv.App.CountRecords(schema.Notifications, dbx.HashExp{"finding": id}); n != 0 {
		t.Fatalf("%d notifications without the hook", n)
	}
}
