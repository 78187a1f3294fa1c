package dust_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestLocal_SiteListUndatedSites: gazette line 3739 ("每季度向区环保局报送施工工地名单") does not say
// which sites a quarter's list holds; that a site without a start date counts is the district's
// setting dust.site_list_counts_undated_sites. The fixture's undated site of A is in A's 2018-Q2
// list by default and left out once the setting is off; a site begun before the quarter and
// without an end date (still working) counts either way.
func TestLocal_SiteListUndatedSites(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	sdA := testkit.SubdistrictA
	save(t, srv.App, schema.Places, "plsopen0000000a", map[string]any{"kind": "construction_site", "name": "在建工地",
		"subdistrict": sdA, "address": "工地路 1 号"})
	save(t, srv.App, schema.Sites, "slsopen0000000a", map[string]any{"place": "plsopen0000000a", "subdistrict": sdA,
		"permit_no": "京建-open", "starts_on": "2018-01-10 00:00:00.000Z"})
	sent := func() float64 {
		res := srv.Do(http.MethodPost, "/api/fs/dust/site-lists", srv.Token("users", testkit.SupervisorA),
			map[string]any{"quarter": "2018-Q2", "subdistrict": sdA})
		if res.Status != http.StatusOK {
			t.Fatalf("send: %d %s", res.Status, res.Body)
		}
		n, _ := res.JSON(t)["site_count"].(float64)
		return n
	}
	if n := sent(); n != 2 {
		t.Errorf("default rule: A's list holds %v sites, want 2 (the undated one and the open one)", n)
	}
	testkit.SetLocal(t, srv, localsetting.SiteListCountsUndatedSites, false)
	if n := sent(); n != 1 {
		t.Errorf("setting off: A's list holds %v sites, want 1 (the open one)", n)
	}
}
