package dust_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestSiteList_DepartmentsSendTheirOwn enforces gazette line 3739: "区住房城乡建设委、区城管委（交通委）、
// 区水务局、区园林绿化局等部门和各街镇，每季度向区环保局报送施工工地名单". The housing commission's staff
// send the commission's list of 2018-Q2 (its trade's sites, as it keeps them) and send it again
// to replace it; the environment bureau reads the four departments' lists beside the
// subdistricts'; another department, an agency not named by the line, a subdistrict's
// supervisor cannot send it, and only its own staff and the bureau read it.
func TestSiteList_DepartmentsSendTheirOwn(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	agency := map[string]string{}
	for _, ag := range refdata.Agencies() {
		agency[ag.Code] = ag.ID
	}
	staff := map[string]string{}
	for _, code := range []string{"housing", "water"} {
		staff[code] = testkit.ID(code + "staff")
		save(t, srv.App, schema.Users, staff[code], map[string]any{"role": "agency_staff", "agency": agency[code],
			"verified": true, "email": code + "staff@fieldsync.test", "password": testkit.Password})
	}
	token := func(user string) string { return srv.Token("users", user) }
	send := func(user string, body map[string]any) testkit.Response {
		return srv.Do(http.MethodPost, "/api/fs/dust/site-lists", token(user), body)
	}
	list := map[string]any{"quarter": "2018-Q2", "agency": agency["housing"], "sites": []map[string]any{
		{"name": "中关村东升科技园三期", "subdistrict": testkit.SubdistrictA, "permit_no": "京建施[2018]0231", "developer": "北京东升置业",
			"contractor": "中建一局", "stage": "structure", "area_m2": 52000, "starts_on": "2018-03-01"},
		{"name": "西北旺安置房", "address": "西北旺镇", "starts_on": "2017-09-15", "ends_on": "2019-06-30"},
	}}
	for user, body := range map[string]map[string]any{
		staff["water"]:      list,                                                    // another department
		testkit.FireStaff:   testkit.With(list, "agency", agency["fire"]),            // an agency line 3739 does not name
		testkit.SupervisorA: list,                                                    // a subdistrict, for a department
		staff["housing"]:    testkit.With(list, "subdistrict", testkit.SubdistrictA), // a department, for a subdistrict
		testkit.EnvStaff:    testkit.With(list, "agency", agency["env"]),             // the receiver sends nothing
	} {
		if res := send(user, body); res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "site_list_forbidden") {
			t.Errorf("%s sent %v: %d %s", user, body["agency"], res.Status, res.Body)
		}
	}
	tooMany := make([]map[string]any, 1001)
	for i := range tooMany {
		tooMany[i] = map[string]any{"name": "工地"}
	}
	for _, bad := range []any{
		tooMany,
		[]map[string]any{{"name": " "}},
		[]map[string]any{{"name": "工地", "subdistrict": "sd9999999999999"}},
		[]map[string]any{{"name": "工地", "starts_on": "2018-3-1"}},
		nil,
	} {
		if res := send(staff["housing"], testkit.With(list, "sites", bad)); res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "site_list_invalid") {
			t.Errorf("sites %.80v: %d %s", bad, res.Status, res.Body)
		}
	}
	res := send(staff["housing"], list)
	if res.Status != http.StatusOK || res.JSON(t)["site_count"] != float64(2) {
		t.Fatalf("the housing commission sends: %d %s", res.Status, res.Body)
	}
	id, _ := res.JSON(t)["id"].(string)
	// Sending again in the quarter replaces the list.
	res = send(staff["housing"], testkit.With(list, "sites", list["sites"].([]map[string]any)[:1]))
	if again, _ := res.JSON(t)["id"].(string); res.Status != http.StatusOK || again != id || res.JSON(t)["site_count"] != float64(1) {
		t.Errorf("sent again: %d %s (first %s)", res.Status, res.Body, id)
	}

	// The bureau reads the departments beside the subdistricts; the commission its own row.
	states := func(user string) (subdistricts, departments []map[string]any) {
		res := srv.Do(http.MethodGet, "/api/fs/dust/site-lists?quarter=2018-Q2", token(user), nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s reads the lists: %d %s", user, res.Status, res.Body)
		}
		body := res.JSON(t)
		for key, out := range map[string]*[]map[string]any{"subdistricts": &subdistricts, "departments": &departments} {
			rows, _ := body[key].([]any)
			for _, r := range rows {
				*out = append(*out, r.(map[string]any))
			}
		}
		return subdistricts, departments
	}
	subs, deps := states(testkit.EnvStaff)
	if len(subs) != 29 || len(deps) != 4 {
		t.Errorf("the bureau reads %d subdistricts and %d departments, want 29 and 4", len(subs), len(deps))
	}
	for _, d := range deps {
		if sent := d["agency"] == agency["housing"]; d["sent"] != sent || (sent && d["site_count"] != float64(1)) {
			t.Errorf("the bureau reads %v", d)
		}
	}
	if subs, deps := states(staff["housing"]); len(subs) != 0 || len(deps) != 1 || deps[0]["agency"] != agency["housing"] {
		t.Errorf("the commission reads %v and %v", subs, deps)
	}
	if subs, deps := states(testkit.InspectorA); len(subs) != 1 || len(deps) != 0 {
		t.Errorf("inspector A reads %v and %v", subs, deps)
	}
	if res := srv.Do(http.MethodGet, "/api/fs/dust/site-lists?quarter=2018-Q2", token(testkit.FireStaff), nil); res.Status != http.StatusForbidden {
		t.Errorf("the fire brigade reads the lists: %d", res.Status)
	}
	for user, want := range map[string]int{testkit.EnvStaff: http.StatusOK, staff["housing"]: http.StatusOK,
		staff["water"]: http.StatusNotFound, testkit.InspectorA: http.StatusNotFound, testkit.FireStaff: http.StatusNotFound} {
		if res := srv.Do(http.MethodGet, "/api/collections/"+schema.SiteLists+"/records/"+id, token(user), nil); res.Status != want {
			t.Errorf("%s reads the commission's list: %d, want %d", user, res.Status, want)
		}
	}
}
