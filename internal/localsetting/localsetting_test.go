package localsetting_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	stdatomic "sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

const recordsPath = "/api/collections/" + schema.LocalSettings + "/records"

// TestLocalSettings_AdministratorsWriteStaffRead: every local choice is a record seeded with
// today's rule; staff read them, anonymous visitors do not; only a district administrator
// (superuser, the admin UI's door) changes one, and only to a value of its shape.
func TestLocalSettings_AdministratorsWriteStaffRead(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	admin := srv.Token(core.CollectionNameSuperusers, testkit.Superuser)

	res := srv.Do(http.MethodGet, recordsPath+"?perPage=100", srv.Token("users", testkit.InspectorA), nil)
	items, _ := res.JSON(t)["items"].([]any)
	if res.Status != http.StatusOK || len(items) != len(localsetting.All) {
		t.Fatalf("an inspector lists %d settings (%d), want %d: %s", len(items), res.Status, len(localsetting.All), res.Body)
	}
	for _, it := range items {
		r := it.(map[string]any)
		if r["gazette_line"] == "" || r["description_zh"] == "" || r["description_en"] == "" {
			t.Errorf("setting %v lacks its gazette line or description: %v", r["key"], r)
		}
	}
	if res := srv.Do(http.MethodGet, recordsPath, "", nil); res.Status == http.StatusOK {
		if items, _ := res.JSON(t)["items"].([]any); len(items) != 0 {
			t.Errorf("anonymous visitors list the settings: %s", res.Body)
		}
	}

	rec, err := srv.App.FindFirstRecordByData(schema.LocalSettings, "key", string(localsetting.ListReasonRequired))
	if err != nil {
		t.Fatal(err)
	}
	path := recordsPath + "/" + rec.Id
	for _, user := range []string{testkit.SupervisorA, testkit.FireStaff} {
		if res := srv.Do(http.MethodPatch, path, srv.Token("users", user), map[string]any{"value": false}); res.Status == http.StatusOK {
			t.Errorf("%s changed a local setting: %s", user, res.Body)
		}
		if res := srv.Do(http.MethodPost, recordsPath, srv.Token("users", user), map[string]any{"key": "x.y", "value": true,
			"description_zh": "x", "description_en": "x"}); res.Status == http.StatusOK {
			t.Errorf("%s created a local setting: %s", user, res.Body)
		}
	}
	for _, c := range []struct {
		body  map[string]any
		field string
		code  string
	}{
		{map[string]any{"value": "no"}, "value", "local_setting_value_invalid"},
		{map[string]any{"value": []string{"supervisor"}}, "value", "local_setting_value_invalid"},
		{map[string]any{"key": string(localsetting.WhiteListNeedsLicence)}, "key", "local_setting_key_fixed"},
	} {
		res := srv.Do(http.MethodPatch, path, admin, c.body)
		data, _ := res.JSON(t)["data"].(map[string]any)
		field, _ := data[c.field].(map[string]any)
		if res.Status != http.StatusBadRequest || field["code"] != c.code {
			t.Errorf("admin PATCH %v: want 400 %s on %s, got %d %s", c.body, c.code, c.field, res.Status, res.Body)
		}
	}
	unknown := srv.Do(http.MethodPost, recordsPath, admin, map[string]any{"key": "tutoring.invented_rule", "value": true,
		"description_zh": "无", "description_en": "none"})
	if data, _ := unknown.JSON(t)["data"].(map[string]any); unknown.Status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(data["key"]), "local_setting_unknown") {
		t.Errorf("admin creates a setting the code does not read: %d %s", unknown.Status, unknown.Body)
	}
	quota, err := srv.App.FindFirstRecordByData(schema.LocalSettings, "key", string(localsetting.QuotaNotesWriters))
	if err != nil {
		t.Fatal(err)
	}
	if res := srv.Do(http.MethodPatch, recordsPath+"/"+quota.Id, admin, map[string]any{"value": []string{"supervisor", "mayor"}}); res.Status != http.StatusBadRequest {
		t.Errorf("a role list with an unknown role: %d %s", res.Status, res.Body)
	}

	// The code reads what the administrator saved, at once, and its default once the record
	// is gone.
	if !localsetting.Bool(srv.App, localsetting.ListReasonRequired) {
		t.Fatal("the seeded default is not today's rule")
	}
	testkit.SetLocal(t, srv, localsetting.ListReasonRequired, false)
	if localsetting.Bool(srv.App, localsetting.ListReasonRequired) {
		t.Error("the code still reads the old value after the administrator's change")
	}
	testkit.SetLocal(t, srv, localsetting.QuotaNotesWriters, []string{"agency_staff"})
	if got := localsetting.Strings(srv.App, localsetting.QuotaNotesWriters); !slices.Equal(got, []string{"agency_staff"}) {
		t.Errorf("notes writers read %v", got)
	}
	if res := srv.Do(http.MethodDelete, path, admin, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if !localsetting.Bool(srv.App, localsetting.ListReasonRequired) {
		t.Error("a deleted setting does not read as its default")
	}
}

// TestLocalSettings_ReadOncePerChange: reading a setting on every record of a busy write path
// costs one query of local_settings after each change, not one per read; a change inside a
// transaction that is rolled back leaves the committed value in force.
func TestLocalSettings_ReadOncePerChange(t *testing.T) {
	a := testkit.NewApp(t)
	var reads stdatomic.Int64
	for _, b := range []dbx.Builder{a.ConcurrentDB(), a.NonconcurrentDB()} {
		b.(*dbx.DB).QueryLogFunc = func(_ context.Context, _ time.Duration, sql string, _ *sql.Rows, _ error) {
			if strings.Contains(sql, schema.LocalSettings) {
				reads.Add(1)
			}
		}
	}
	readMany := func() bool {
		v := true
		for range 500 {
			v = localsetting.Bool(a, localsetting.DailyCountsLaterRoutineFindings)
		}
		return v
	}
	if !readMany() || reads.Load() > 1 {
		t.Fatalf("500 reads ran %d queries of the settings, want at most 1", reads.Load())
	}
	rec, err := a.FindFirstRecordByData(schema.LocalSettings, "key", string(localsetting.DailyCountsLaterRoutineFindings))
	if err != nil {
		t.Fatal(err)
	}
	rolledBack := errors.New("roll back")
	err = a.RunInTransaction(func(tx core.App) error {
		rec.Set("value", false)
		access.AsSystem(rec)
		if err := tx.Save(rec); err != nil {
			return err
		}
		if localsetting.Bool(tx, localsetting.DailyCountsLaterRoutineFindings) {
			t.Error("inside the transaction that changed it, the setting reads the old value")
		}
		return rolledBack
	})
	if !errors.Is(err, rolledBack) {
		t.Fatal(err)
	}
	if !localsetting.Bool(a, localsetting.DailyCountsLaterRoutineFindings) {
		t.Error("a rolled-back change is in force")
	}
	rec, _ = a.FindRecordById(schema.LocalSettings, rec.Id)
	rec.Set("value", false)
	access.AsSystem(rec)
	if err := a.Save(rec); err != nil {
		t.Fatal(err)
	}
	reads.Store(0)
	if readMany() || reads.Load() != 1 {
		t.Errorf("after a change: value %v read with %d queries, want false with 1", readMany(), reads.Load())
	}
}
