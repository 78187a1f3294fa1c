package fire_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

func finding(category, severity string) map[string]any {
	return map[string]any{"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
		"category": category, "severity": severity, "description": "检查发现"}
}

// fieldCode returns the code of field in a PocketBase error body.
func fieldCode(t *testing.T, res testkit.Response, field string) string {
	t.Helper()
	data, _ := res.JSON(t)["data"].(map[string]any)
	f, _ := data[field].(map[string]any)
	c, _ := f["code"].(string)
	return c
}

func TestFire_AlwaysMajorCategories(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	token := srv.Token("users", testkit.InspectorA)
	for _, tc := range []struct {
		category, severity string
		status             int
	}{
		{"fire.basement_dwelling", "general", http.StatusBadRequest},
		{"fire.multi_in_one", "general", http.StatusBadRequest},
		{"fire.basement_dwelling", "major", http.StatusOK},
		{"fire.wiring", "general", http.StatusOK},
	} {
		res := srv.Do(http.MethodPost, "/api/collections/findings/records", token, finding(tc.category, tc.severity))
		if res.Status != tc.status || (tc.status == 400 && fieldCode(t, res, "severity") != "fire_category_always_major") {
			t.Errorf("%s/%s: %d %s", tc.category, tc.severity, res.Status, res.Body)
		}
	}
	// The same rule at the sync door.
	srv.Do(http.MethodPost, "/api/sync/v1/clients", token, sync.ClientRequest{ClientID: "device-fire-rules"})
	res := srv.Do(http.MethodPost, "/api/sync/v1/push", token, sync.PushRequest{ClientID: "device-fire-rules",
		Mutations: []sync.Mutation{{MID: 1, Op: sync.OpCreate, Coll: "findings", ID: "firerulecheck01",
			Data: finding("fire.flammable_storage", "general")}}})
	r := res.JSON(t)["results"].([]any)[0].(map[string]any)
	if r["outcome"] != sync.Rejected || r["fields"].(map[string]any)["severity"] != "fire_category_always_major" {
		t.Fatalf("push: %v", r)
	}
}

func TestFire_FinesRecordTheirAmount(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	// Fines and seals are the fire brigade's (gazette line 3452); finding A is referred to it.
	token := srv.Token("users", testkit.FireStaff)
	base := map[string]any{"finding": testkit.Side("finding", "a"), "subdistrict": testkit.SubdistrictA,
		"decided_at": "2018-05-20 10:00:00.000Z"}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{with(map[string]any{"measure": "fine"}), 400, "enforcement_fine_amount"},
		{with(map[string]any{"measure": "seal", "fine_yuan": 500}), 400, "enforcement_amount_without_fine"},
		{with(map[string]any{"measure": "fine", "fine_yuan": 30000}), 200, ""},
		{with(map[string]any{"measure": "stop_business"}), 200, ""},
	} {
		res := srv.Do(http.MethodPost, "/api/collections/enforcement_actions/records", token, tc.body)
		if res.Status != tc.status || (tc.code != "" && fieldCode(t, res, "fine_yuan") != tc.code) {
			t.Errorf("%v: %d %s", tc.body["measure"], res.Status, res.Body)
		}
	}
}
