package access_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/jsvm"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
)

// accountHook is a pb_hooks script whose route saves the account it is sent on the server's
// account, as a district's local hook might.
const accountHook = `
routerAdd("POST", "/api/test/account", (e) => {
  const u = new Record(e.app.findCollectionByNameOrId("users"));
  u.load(e.requestInfo().body);
  try {
    e.app.save($fieldsync.asSystem(u));
  } catch (err) {
    return e.json(400, { message: String(err) });
  }
  return e.json(200, { id: u.id });
});
`

// An inspector without a subdistrict, agency staff without an agency, and accounts that mix
// the two are refused with a bilingual message on the field, whether a district administrator
// saves them through REST (the admin UI's door) or a batch, or a JS hook or Go code saves
// them; a complete account of each role is stored.
func TestAccount_IncompleteRefusedAtEveryDoor(t *testing.T) {
	hooks := t.TempDir()
	if err := os.WriteFile(filepath.Join(hooks, "account.pb.js"), []byte(accountHook), 0o644); err != nil {
		t.Fatal(err)
	}
	a := testkit.NewApp(t)
	jsvm.MustRegister(a, jsvm.Config{HooksDir: hooks, OnInit: app.BindJS, MigrationsDir: t.TempDir(), TypesDir: t.TempDir()})
	srv := testkit.Serve(t, a)
	admin := srv.Token(core.CollectionNameSuperusers, testkit.Superuser)
	// The batch API is off in PocketBase's default settings.
	s := srv.App.Settings()
	s.Batch.Enabled, s.Batch.MaxRequests, s.Batch.Timeout = true, 50, 10
	if err := srv.App.Save(s); err != nil {
		t.Fatal(err)
	}
	n := 0
	account := func(data map[string]any) map[string]any {
		n++
		out := map[string]any{"email": "acct" + strconv.Itoa(n) + "@fieldsync.test", "password": testkit.Password,
			"passwordConfirm": testkit.Password, "verified": true}
		for k, v := range data {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name  string
		data  map[string]any
		field string
		code  string
		zh    string
	}{
		{"inspector without a subdistrict", map[string]any{"role": "inspector"}, "subdistricts", access.CodeAccountNeedsSubdistrict, "须至少选择一个所属街镇"},
		{"supervisor without a subdistrict", map[string]any{"role": "supervisor", "subdistricts": []string{}}, "subdistricts", access.CodeAccountNeedsSubdistrict, "须至少选择一个所属街镇"},
		{"agency staff without an agency", map[string]any{"role": "agency_staff"}, "agency", access.CodeAccountNeedsAgency, "须选择所属部门"},
		{"inspector of an agency", map[string]any{"role": "inspector", "subdistricts": []string{testkit.SubdistrictA}, "agency": testkit.AgencyFire},
			"agency", access.CodeAccountFieldStaffAgency, "不属于部门"},
		{"agency staff of a subdistrict", map[string]any{"role": "agency_staff", "agency": testkit.AgencyFire, "subdistricts": []string{testkit.SubdistrictA}},
			"subdistricts", access.CodeAccountAgencySubdistrict, "不属于街镇"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := srv.Do(http.MethodPost, "/api/collections/users/records", admin, account(c.data))
			body := string(res.Body)
			if res.Status != http.StatusBadRequest || !strings.Contains(body, `"`+c.field+`":{"code":"`+c.code+`"`) || !strings.Contains(body, c.zh) || !strings.Contains(body, " / ") {
				t.Errorf("REST: %d %s", res.Status, body)
			}
			batch := srv.Do(http.MethodPost, "/api/batch", admin, map[string]any{"requests": []map[string]any{
				{"method": "POST", "url": "/api/collections/users/records", "body": account(c.data)}}})
			if batch.Status != http.StatusBadRequest || !strings.Contains(string(batch.Body), c.code) || !strings.Contains(string(batch.Body), c.zh) {
				t.Errorf("batch: %d %s", batch.Status, batch.Body)
			}
			hook := srv.Do(http.MethodPost, "/api/test/account", "", account(c.data))
			if hook.Status != http.StatusBadRequest || !strings.Contains(string(hook.Body), c.zh) {
				t.Errorf("JS hook: %d %s", hook.Status, hook.Body)
			}
			users, _ := srv.App.FindCollectionByNameOrId("users")
			r := core.NewRecord(users)
			r.Load(account(c.data))
			access.AsSystem(r)
			if err := srv.App.Save(r); err == nil || !strings.Contains(err.Error(), c.zh) {
				t.Errorf("server code: %v", err)
			}
		})
	}
	if n, _ := srv.App.CountRecords("users"); n != 6 {
		t.Errorf("%d accounts after the refusals, want the fixture's 6", n)
	}

	// A complete account of each role is stored; taking an inspector's last subdistrict away
	// afterwards is refused too.
	for _, data := range []map[string]any{
		{"role": "inspector", "subdistricts": []string{testkit.SubdistrictA}},
		{"role": "agency_staff", "agency": testkit.AgencyEnv},
	} {
		if res := srv.Do(http.MethodPost, "/api/collections/users/records", admin, account(data)); res.Status != http.StatusOK {
			t.Errorf("complete %v: %d %s", data["role"], res.Status, res.Body)
		}
		if res := srv.Do(http.MethodPost, "/api/test/account", "", account(data)); res.Status != http.StatusOK {
			t.Errorf("complete %v through the JS hook: %d %s", data["role"], res.Status, res.Body)
		}
	}
	res := srv.Do(http.MethodPatch, "/api/collections/users/records/"+testkit.InspectorA, admin, map[string]any{"subdistricts": []string{}})
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), access.CodeAccountNeedsSubdistrict) {
		t.Errorf("emptying an inspector's subdistricts: %d %s", res.Status, res.Body)
	}
}
