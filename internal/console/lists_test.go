package console_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/testkit"
)

// restCount is how many records of coll REST lists the token's user for filter.
func restCount(t *testing.T, srv *testkit.Server, token, coll, filter string) int {
	t.Helper()
	var page struct{ TotalItems int }
	getJSON(t, srv, fmt.Sprintf("/api/collections/%s/records?filter=%s", coll, url.QueryEscape(filter)), token, &page)
	return page.TotalItems
}

func listed(t *testing.T, ctx context.Context, list string) (count string, ids []string) {
	t.Helper()
	count = value(t, ctx, chromedp.AttributeValue(`#`+list+`-list h2 .count`, "data-count")).Value
	ids = value(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#`+list+`-list tbody tr")].map(r => r.dataset.id)`))
	return count, ids
}

// The places list searches name and address, pages by 20, and exports the filtered list: the
// XLSX holds every page, and a name that would run as a spreadsheet formula stays text.
func TestConsole_PlacesListPagesAndExports(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	for i := range 25 {
		name := fmt.Sprintf("分页测试场所 %02d", i)
		if i == 7 {
			name = `=HYPERLINK("http://evil.example") 分页测试场所`
		}
		testkit.Save(t, srv.App, "places", fmt.Sprintf("pagingplace%04d", i), map[string]any{"kind": "venue", "venue_type": "warehouse",
			"name": name, "subdistrict": testkit.SubdistrictA, "address": fmt.Sprintf("分页路 %d 号", i)})
	}
	testkit.Save(t, srv.App, "places", "pagingplaceb001", map[string]any{"kind": "venue", "venue_type": "warehouse",
		"name": "分页测试场所 B", "subdistrict": testkit.SubdistrictB, "address": "分页路 B 号"})
	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")
	run(t, ctx, chromedp.Click(`nav a[href="#/places"]`), chromedp.WaitVisible(`#places-filter`),
		chromedp.SendKeys(`#places-filter input[name=search]`, "分页测试"), chromedp.Click(`#places-filter button[type=submit]`),
		chromedp.WaitVisible(`#places-list .count[data-count="25"]`))
	shoot(t, ctx, "places")
	want := restCount(t, srv, srv.Token("users", testkit.SupervisorA), "places", `name ~ '分页测试' || address ~ '分页测试'`)
	count, first := listed(t, ctx, "places")
	if count != strconv.Itoa(want) || want != 25 || len(first) != 20 {
		t.Fatalf("the list counts %s and shows %d; REST counts %d (want 25: B's is not A's)", count, len(first), want)
	}
	run(t, ctx, chromedp.Click(`#places-list button.next`), chromedp.WaitVisible(`#places-list .pager button.prev`))
	_, second := listed(t, ctx, "places")
	if len(second) != 5 || slices.ContainsFunc(second, func(id string) bool { return slices.Contains(first, id) }) {
		t.Errorf("page 2 shows %v after page 1's %v", second, first)
	}

	dir := allowDownloads(t, ctx)
	x, err := excelize.OpenReader(bytes.NewReader(download(t, ctx, `#places-filter button.export-xlsx`, filepath.Join(dir, "places.xlsx"))))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("Sheet1")
	if len(rows) != 3+25 || rows[1][0] != "名称" || rows[2][0] != "Name" {
		t.Fatalf("the XLSX holds %d lines, want a title, two heading lines and 25 places: %v", len(rows), rows[:min(3, len(rows))])
	}
	for r := 4; r <= len(rows); r++ {
		if f, _ := x.GetCellFormula("Sheet1", fmt.Sprintf("A%d", r)); f != "" {
			t.Errorf("cell A%d is the formula %q", r, f)
		}
	}
	csvRows := readCSV(t, download(t, ctx, `#places-filter button.export-csv`, filepath.Join(dir, "places.csv")))
	found := false
	for _, r := range csvRows[1:] {
		if strings.Contains(r[0], "HYPERLINK") {
			found = true
			if !strings.HasPrefix(r[0], "'=") {
				t.Errorf("the CSV's formula-like name is %q, want it quoted with an apostrophe", r[0])
			}
		}
	}
	if len(csvRows) != 26 || !found {
		t.Errorf("the CSV holds %d lines, the formula-like name found: %v", len(csvRows), found)
	}
}

// A centre is found by its credit code; the list counts what REST counts, shows only the
// user's subdistrict's centre, and its Excel file holds that centre.
func TestConsole_CentresFoundByCreditCode(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")
	run(t, ctx, chromedp.Click(`nav a[href="#/centres"]`), chromedp.WaitVisible(`#centres-filter`),
		chromedp.SendKeys(`#centres-filter input[name=search]`, "91110108MA01ABCD5T"), chromedp.Click(`#centres-filter button[type=submit]`),
		chromedp.WaitVisible(fmt.Sprintf(`#centres-list tr[data-id=%q]`, testkit.Side("centre", "a"))))
	want := restCount(t, srv, srv.Token("users", testkit.SupervisorA), "tutoring_centres",
		`place.name ~ '91110108MA01ABCD5T' || place.address ~ '91110108MA01ABCD5T' || credit_code ~ '91110108MA01ABCD5T'`)
	count, ids := listed(t, ctx, "centres")
	if count != strconv.Itoa(want) || want != 1 || len(ids) != 1 {
		t.Errorf("the list counts %s (rows %v), REST %d (want 1: B's centre has the same code)", count, ids, want)
	}
	dir := allowDownloads(t, ctx)
	x, err := excelize.OpenReader(bytes.NewReader(download(t, ctx, `#centres-filter button.export-xlsx`, filepath.Join(dir, "centres.xlsx"))))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("Sheet1")
	if len(rows) != 4 || rows[3][1] != "91110108MA01ABCD5T" || rows[3][len(rows[3])-1] != testkit.Side("centre", "a") {
		t.Errorf("the centres' XLSX: %v", rows)
	}
}

// The findings list filters by inspector and by a range of Beijing days: a finding is in the
// range of its own day and not in the day before, and every count is REST's.
func TestConsole_FindingsByInspectorAndDates(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	f := testkit.Side("finding", "a")
	rec, err := srv.App.FindRecordById("findings", f)
	if err != nil {
		t.Fatal(err)
	}
	beijing := time.FixedZone("CST", 8*3600)
	created := rec.GetDateTime("created").Time().In(beijing)
	d, before := created.Format("2006-01-02"), created.AddDate(0, 0, -1).Format("2006-01-02")
	tok := srv.Token("users", testkit.SupervisorA)
	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")

	open := func(query string) (string, []string) {
		// From a blank page, so that the list waited for is the one this query draws.
		run(t, ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(srv.URL+"/console/#/findings?"+query), chromedp.WaitVisible(`#findings-list`),
			chromedp.WaitReady(`#findings-filter select[name=inspector] option[value="`+testkit.InspectorA+`"]`))
		return listed(t, ctx, "findings")
	}
	// The day starts at 16:00 UTC the day before.
	dayStart := func(day string) string {
		t0, _ := time.ParseInLocation("2006-01-02", day, beijing)
		return t0.UTC().Format("2006-01-02 15:04:05.000Z")
	}
	next := created.AddDate(0, 0, 1).Format("2006-01-02")
	count, ids := open(fmt.Sprintf("inspector=%s&from=%s&to=%s", testkit.InspectorA, d, d))
	want := restCount(t, srv, tok, "findings", fmt.Sprintf("voided = false && (author = '%s' || inspection.inspector = '%s') && created >= '%s' && created < '%s'",
		testkit.InspectorA, testkit.InspectorA, dayStart(d), dayStart(next)))
	if count != strconv.Itoa(want) || !slices.Contains(ids, f) {
		t.Errorf("inspector A on %s: the list counts %s with %v, REST %d, want %s among them", d, count, ids, want, f)
	}
	shoot(t, ctx, "findings")
	if got := value(t, ctx, chromedp.Value(`#findings-filter select[name=inspector]`)); got != testkit.InspectorA {
		t.Errorf("the inspector picker shows %q", got)
	}
	count, ids = open(fmt.Sprintf("from=%s&to=%s", before, before))
	want = restCount(t, srv, tok, "findings", fmt.Sprintf("voided = false && created >= '%s' && created < '%s'", dayStart(before), dayStart(d)))
	if count != strconv.Itoa(want) || slices.Contains(ids, f) {
		t.Errorf("the day before %s: the list counts %s with %v, REST %d; %s must not be there", d, count, ids, want, f)
	}
	count, _ = open("inspector=" + testkit.InspectorB)
	if count != "0" {
		t.Errorf("supervisor A lists %s findings of subdistrict B's inspector", count)
	}
}

// The export route writes only what a staff member sends it, in the shape it checks, and
// answers everyone else with fieldsync's error shape.
func TestConsole_ExportRouteRefusals(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	tok := srv.Token("users", testkit.SupervisorA)
	good := map[string]any{"name": "findings", "title": "隐患", "columns": []map[string]string{{"zh": "场所", "en": "Place"}, {"zh": "数量", "en": "Count"}},
		"rows": [][]any{{"群租房 a", 3}}}
	if res := srv.Do(http.MethodPost, "/api/fs/console/lists.xlsx", "", good); res.Status != http.StatusUnauthorized {
		t.Errorf("an anonymous export: %d", res.Status)
	}
	res := srv.Do(http.MethodPost, "/api/fs/console/lists.csv", tok, good)
	if rows := readCSV(t, res.Body); res.Status != http.StatusOK || len(rows) != 2 || rows[0][0] != "场所 Place" || rows[1][1] != "3" {
		t.Errorf("a good export: %d %q", res.Status, res.Body)
	}
	for name, bad := range map[string]map[string]any{
		"a name with a path":      {"name": "../etc", "columns": good["columns"], "rows": good["rows"]},
		"a cell of an object":     {"name": "x", "columns": good["columns"], "rows": [][]any{{map[string]any{"a": 1}}}},
		"more cells than columns": {"name": "x", "columns": good["columns"], "rows": [][]any{{"a", "b", "c"}}},
		"no columns":              {"name": "x", "rows": good["rows"]},
	} {
		if res := srv.Do(http.MethodPost, "/api/fs/console/lists.xlsx", tok, bad); res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"code":"export_invalid"`) {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
}
