package dust_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestSiteList_SentQuarterlyToTheBureau enforces gazette line 3739: "区住房城乡建设委…和各街镇，每季度
// 向区环保局报送施工工地名单". Subdistrict A's supervisor sends A's list of 2018-Q2: the sites working
// in the quarter, as they were when sent; the environment bureau sees who has sent theirs and
// reads the list through REST; an inspector, another subdistrict's supervisor and other
// agencies cannot send it, and B's staff cannot read it.
func TestSiteList_SentQuarterlyToTheBureau(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	a, sdA := srv.App, testkit.SubdistrictA
	// The fixture's site of A has no dates (it counts); one ended before the quarter, one
	// begins after it, one works through it.
	for id, dates := range map[string][2]string{
		"slended0000000a": {"2017-03-01 00:00:00.000Z", "2018-03-31 00:00:00.000Z"},
		"sllater0000000a": {"2018-07-01 00:00:00.000Z", ""},
		"slduring000000a": {"2018-02-01 00:00:00.000Z", "2018-05-15 00:00:00.000Z"},
	} {
		place := "p" + id[1:]
		testkit.Save(t, a, schema.Places, place, map[string]any{"kind": "construction_site", "name": "工地" + id,
			"subdistrict": sdA, "address": "工地路 " + id})
		testkit.Save(t, a, schema.Sites, id, map[string]any{"place": place, "subdistrict": sdA, "permit_no": "京建-" + id,
			"starts_on": dates[0], "ends_on": dates[1]})
	}
	send := map[string]any{"quarter": "2018-Q2", "subdistrict": sdA}
	for _, user := range []string{testkit.InspectorA, testkit.SupervisorB, testkit.EnvStaff, testkit.FireStaff} {
		if res := srv.Do(http.MethodPost, "/api/fs/dust/site-lists", srv.Token("users", user), send); res.Status != http.StatusForbidden {
			t.Errorf("%s sent A's list: %d %s", user, res.Status, res.Body)
		}
	}
	sup := srv.Token("users", testkit.SupervisorA)
	if res := srv.Do(http.MethodPost, "/api/fs/dust/site-lists", sup, map[string]any{"quarter": "2018-Q5", "subdistrict": sdA}); res.Status != http.StatusBadRequest {
		t.Errorf("a fifth quarter: %d %s", res.Status, res.Body)
	}
	res := srv.Do(http.MethodPost, "/api/fs/dust/site-lists", sup, send)
	if res.Status != http.StatusOK {
		t.Fatalf("supervisor A sends: %d %s", res.Status, res.Body)
	}
	id, _ := res.JSON(t)["id"].(string)
	// A later edit of a site does not change the list already sent.
	renamed, err := a.FindRecordById(schema.Places, "plduring000000a")
	if err != nil {
		t.Fatal(err)
	}
	renamed.Set("name", "改名后的工地")
	access.AsSystem(renamed)
	if err := a.Save(renamed); err != nil {
		t.Fatal(err)
	}
	list, err := a.FindRecordById(schema.SiteLists, id)
	if err != nil {
		t.Fatal(err)
	}
	var sites []struct {
		Site string `json:"site"`
		Name string `json:"name"`
	}
	if err := list.UnmarshalJSONField("sites", &sites); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range sites {
		got[s.Site] = true
		if s.Site == "slduring000000a" && s.Name != "工地slduring000000a" {
			t.Errorf("the list sent reads %q: a later rename changed it", s.Name)
		}
	}
	if len(sites) != 2 || !got[testkit.Side("site", "a")] || !got["slduring000000a"] || list.GetString("submitted_by") != testkit.SupervisorA {
		t.Errorf("the list holds %v, sent by %q; want the fixture's site and the one working in Q2, by supervisor A", got, list.GetString("submitted_by"))
	}
	// The bureau sees who has sent and reads the list; B's inspector neither.
	env := srv.Token("users", testkit.EnvStaff)
	states := srv.Do(http.MethodGet, "/api/fs/dust/site-lists?quarter=2018-Q2", env, nil).JSON(t)
	subs, _ := states["subdistricts"].([]any)
	sent := 0
	for _, s := range subs {
		st := s.(map[string]any)
		if st["sent"] == true {
			sent++
			if st["subdistrict"] != sdA || st["site_count"] != float64(2) {
				t.Errorf("bureau reads %v", st)
			}
		}
	}
	if len(subs) != 29 || sent != 1 {
		t.Errorf("the bureau sees %d subdistricts, %d sent; want 29 and 1", len(subs), sent)
	}
	for user, want := range map[string]int{testkit.EnvStaff: http.StatusOK, testkit.InspectorA: http.StatusOK, testkit.InspectorB: http.StatusNotFound} {
		if res := srv.Do(http.MethodGet, "/api/collections/"+schema.SiteLists+"/records/"+id, srv.Token("users", user), nil); res.Status != want {
			t.Errorf("%s reads the list: %d, want %d", user, res.Status, want)
		}
	}
}
