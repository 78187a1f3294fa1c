package app_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/pocketbase/pocketbase/plugins/jsvm"
	"github.com/pocketbase/pocketbase/tools/types"

	fsapp "github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// attributionHook is a pb_hooks script with a route that writes a notification, which only
// the server may write, in three ways: without naming a writer, with the request's context,
// and on the server's own account. It notifies inspector A (%s).
const attributionHook = `
routerAdd("POST", "/api/test/notify/{how}", (e) => {
  const n = new Record(e.app.findCollectionByNameOrId("notifications"));
  n.set("user", "%s");
  n.set("kind", "major_found");
  n.set("message", "hook " + e.request.pathValue("how"));
  switch (e.request.pathValue("how")) {
    case "unnamed":
      e.app.save(n);
      break;
    case "requester":
      e.app.saveWithContext(e.request.context(), n);
      break;
    case "system":
      e.app.save($fieldsync.asSystem(n));
      break;
  }
  return e.json(200, { id: n.id });
});
`

// TestHook_UnattributedSavesFailClosed: a JS hook's save that names no writer is bound by the
// field policies like an anonymous write; one made with the request's context is the
// requesting user's; only one marked $fieldsync.asSystem is the server's.
func TestHook_UnattributedSavesFailClosed(t *testing.T) {
	dir := t.TempDir()
	script := fmt.Sprintf(attributionHook, testkit.InspectorA)
	if err := os.WriteFile(filepath.Join(dir, "attribution.pb.js"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	app := testkit.NewApp(t)
	jsvm.MustRegister(app, jsvm.Config{HooksDir: dir, OnInit: fsapp.BindJS,
		MigrationsDir: t.TempDir(), TypesDir: t.TempDir()})
	srv := testkit.Serve(t, app)
	inspector := srv.Token(schema.Users, testkit.InspectorA)
	admin := srv.Token("_superusers", testkit.Superuser)

	cases := []struct {
		how, token    string
		status        int
		kind, actorID string // the audit row's actor, when the save is stored
	}{
		{"unnamed", inspector, http.StatusBadRequest, "", ""},
		{"unnamed", admin, http.StatusBadRequest, "", ""},
		{"requester", inspector, http.StatusBadRequest, "", ""},
		{"requester", admin, http.StatusOK, "superuser", testkit.Superuser},
		{"system", inspector, http.StatusOK, "system", ""},
	}
	for _, tc := range cases {
		t.Run(tc.how+" as "+map[bool]string{true: "admin", false: "inspector"}[tc.token == admin], func(t *testing.T) {
			before := countRows(t, srv, schema.Notifications)
			start := types.NowDateTime()
			res := srv.Do(http.MethodPost, "/api/test/notify/"+tc.how, tc.token, nil)
			if res.Status != tc.status {
				t.Fatalf("got %d %s, want %d", res.Status, res.Body, tc.status)
			}
			if tc.status != http.StatusOK {
				if got := fieldCode(t, res, "kind"); got != "protected_field" {
					t.Errorf("refused with %q on kind, want protected_field: %s", got, res.Body)
				}
				if after := countRows(t, srv, schema.Notifications); after != before {
					t.Errorf("a refused save stored a notification (%d, then %d)", before, after)
				}
				return
			}
			id, _ := res.JSON(t)["id"].(string)
			row := lastAudit(t, srv, schema.Notifications, id, start)
			if row.Door != "hook" || row.ActorKind != tc.kind || row.ActorID != tc.actorID {
				t.Errorf("audit row %+v, want door hook, actor %s %q", row, tc.kind, tc.actorID)
			}
		})
	}
}
