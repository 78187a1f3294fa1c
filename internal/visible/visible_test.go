package visible_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/visible"
)

// readerOf is the Reader of a GET request by user.
func readerOf(t *testing.T, app core.App, user string) *visible.Reader {
	t.Helper()
	u, err := app.FindRecordById(schema.Users, user)
	if err != nil {
		t.Fatal(err)
	}
	e := &core.RequestEvent{App: app, Auth: u}
	e.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	e.Response = httptest.NewRecorder()
	rd, err := visible.For(e)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

// TestListed_KeepsTheOuterQueryParameters: a query binding parameters of its own before and
// after the list condition still compares each column with its own value.
func TestListed_KeepsTheOuterQueryParameters(t *testing.T) {
	app := testkit.NewApp(t)
	listed, err := readerOf(t, app, testkit.InspectorA).Listed(schema.Findings, "f.id")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = app.DB().Select("f.id").From(schema.Findings + " f").
		Where(dbx.HashExp{"f.subdistrict": testkit.SubdistrictA}).
		AndWhere(listed).
		AndWhere(dbx.HashExp{"f.programme": "fire"}).Column(&ids)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{testkit.Side("finding", "a")}; !slices.Equal(ids, want) {
		t.Errorf("got %v, want %v", ids, want)
	}
}

// TestFind_LeavesOutWhatRESTLeavesOut: a record comes back as REST answers it: a colleague's
// e-mail and every user's password hash and token key empty, the reader's own e-mail shown.
func TestFind_LeavesOutWhatRESTLeavesOut(t *testing.T) {
	app := testkit.NewApp(t)
	other, err := readerOf(t, app, testkit.SupervisorA).Find(schema.Users, testkit.InspectorA)
	if err != nil {
		t.Fatal(err)
	}
	if other.Email() != "" || other.GetString("role") != "inspector" {
		t.Errorf("a colleague as a supervisor reads them: email %q, role %q", other.Email(), other.GetString("role"))
	}
	self, err := readerOf(t, app, testkit.InspectorA).Find(schema.Users, testkit.InspectorA)
	if err != nil {
		t.Fatal(err)
	}
	if self.Email() == "" {
		t.Error("the reader's own e-mail is missing")
	}
	for _, u := range []*core.Record{other, self} {
		if u.GetString(core.FieldNamePassword) != "" || u.TokenKey() != "" {
			t.Errorf("%s: password hash or token key kept", u.Id)
		}
	}
	if _, err := readerOf(t, app, testkit.InspectorB).Find(schema.Users, testkit.InspectorA); err != visible.ErrNotFound {
		t.Errorf("inspector B reads inspector A: %v", err)
	}
}
