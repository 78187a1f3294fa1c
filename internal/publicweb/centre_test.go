package publicweb_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestCentrePage: the QR code's page shows the published facts in plain words, the gazette's
// hotlines and the report button, and nothing personal; an unknown or voided centre gets a
// page that says so and leads to the search; the old API address sends a browser there.
func TestCentrePage(t *testing.T) {
	srv := newServer(t)
	centre := testkit.Side("centre", "a")
	p := get(t, srv, "/c/"+centre)
	if p.status != http.StatusOK {
		t.Fatalf("%d %s", p.status, p.body)
	}
	for _, want := range []string{"学而思测试校区 a", "万寿路街道", "白名单", "证照齐全", "少儿美术", "68980166", "12345",
		`href="/r?centre=` + centre + `"`, "举报这家机构", `lang="zh-CN"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("centre page lacks %q", want)
		}
	}
	c, _ := srv.App.FindRecordById(schema.Centres, centre)
	if want := `id="updated">信息更新日期：` + c.GetDateTime("updated").Time().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly); !strings.Contains(p.body, want) {
		t.Errorf("centre page lacks %s", want)
	}
	for _, personal := range []string{"张法人", "13900000000"} {
		if strings.Contains(p.body, personal) {
			t.Errorf("centre page shows %q", personal)
		}
	}
	if p := get(t, srv, "/c?q=培训街"); !strings.Contains(p.body, `href="/c?lang=en&amp;q=%E5%9F%B9%E8%AE%AD%E8%A1%97" lang="en"`) {
		t.Errorf("the English switch loses the search")
	}
	if en := get(t, srv, "/c/"+centre+"?lang=en"); !strings.Contains(en.body, "Report this centre") || !strings.Contains(en.body, `lang="en"`) {
		t.Errorf("English page: %d", en.status)
	}
	for _, id := range []string{"nosuchcentre000"} {
		if p := get(t, srv, "/c/"+id); p.status != http.StatusNotFound || !strings.Contains(p.body, "没有找到这家机构") || !strings.Contains(p.body, `href="/c"`) {
			t.Errorf("unknown centre: %d %s", p.status, p.body)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/fs/tutoring/public/centres/"+centre, nil)
	req.Header.Set("Accept", "text/html")
	res, err := noRedirect.Do(req)
	if err != nil || res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/c/"+centre {
		t.Errorf("old address: %v %v", res, err)
	}
	res.Body.Close()

	c.Set("voided", true)
	mustSave(t, srv.App, c)
	if p := get(t, srv, "/c/"+centre); p.status != http.StatusNotFound || strings.Contains(p.body, "学而思测试校区 a") {
		t.Errorf("voided centre: %d", p.status)
	}
}

// TestSearch: a parent finds a centre by name or address, or by area (subdistrict), with its
// list and status and a link to report it; a too-short query or an unknown area gets a message
// beside the field.
func TestSearch(t *testing.T) {
	srv := newServer(t)
	p := get(t, srv, "/c?q=培训街")
	if p.status != http.StatusOK || !strings.Contains(p.body, "/c/"+testkit.Side("centre", "a")) || !strings.Contains(p.body, "白名单") {
		t.Fatalf("search by address: %d %s", p.status, p.body)
	}
	if p := get(t, srv, "/c?q=没有这家"); !strings.Contains(p.body, "没有找到符合的机构") {
		t.Errorf("no result: %s", p.body)
	}
	if p := get(t, srv, "/c?q=a"); p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="q-error"`) || !strings.Contains(p.body, "至少 2 个字") {
		t.Errorf("short query: %d", p.status)
	}
	// By area: the subdistrict's centres, and none of another's; each with a report link.
	a, b := testkit.Side("centre", "a"), testkit.Side("centre", "b")
	p = get(t, srv, "/c?area="+testkit.SubdistrictA)
	if p.status != http.StatusOK || !strings.Contains(p.body, "/c/"+a) || strings.Contains(p.body, "/c/"+b) ||
		!strings.Contains(p.body, `href="/r?centre=`+a+`"`) {
		t.Errorf("search by area: %d %s", p.status, p.body)
	}
	if p := get(t, srv, "/c?area="+testkit.SubdistrictB+"&q=培训街"); strings.Contains(p.body, "/c/"+a) {
		t.Errorf("area and name: another area's centre is listed")
	}
	if p := get(t, srv, "/c?area=sd_nonexistent"); p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="area-error"`) {
		t.Errorf("unknown area: %d", p.status)
	}
}

// TestQR_NeedsPublicURL: QR codes and the printed sheet are refused while the public address
// is loopback (PocketBase refuses to save an empty one), and otherwise name the centre's page on it.
func TestQR_NeedsPublicURL(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	centre := testkit.Side("centre", "a")
	for _, u := range []string{"http://localhost:8090", "http://127.0.0.1:8090"} {
		setAppURL(t, srv.App, u)
		qr := srv.Do(http.MethodGet, "/api/fs/tutoring/public/centres/"+centre+"/qr.png", "", nil)
		sheet := srv.Do(http.MethodGet, "/api/fs/tutoring/qr-sheet.xlsx?subdistrict="+testkit.SubdistrictA, srv.Token("users", testkit.SupervisorA), nil)
		for name, res := range map[string]testkit.Response{"qr": qr, "sheet": sheet} {
			if res.Status != http.StatusConflict || !strings.Contains(string(res.Body), "public_url_unset") || !strings.Contains(string(res.Body), "对外访问地址") {
				t.Errorf("%s with %q: %d %s", name, u, res.Status, res.Body)
			}
		}
	}
	setAppURL(t, srv.App, publicBase)
	if qr := srv.Do(http.MethodGet, "/api/fs/tutoring/public/centres/"+centre+"/qr.png", "", nil); qr.Status != http.StatusOK {
		t.Errorf("qr with a public address: %d", qr.Status)
	}
}
