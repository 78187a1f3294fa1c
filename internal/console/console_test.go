package console_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

var screenshots = flag.String("console.screenshots", "", "write screenshots of the main pages to this directory (docs/console)")

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// browserFor starts a headless Chromium with a fresh profile, offline except for loopback.
func browserFor(t *testing.T) context.Context { return browsertest.Start(t, 1280, 900) }

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Run(t, ctx, actions...)
}

func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	return browsertest.Value(t, ctx, a)
}

func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(base+"/console/#/login"),
		chromedp.WaitVisible(`input[name=identity]`),
		chromedp.SendKeys(`input[name=identity]`, user+"@fieldsync.test"),
		chromedp.SendKeys(`input[name=password]`, testkit.Password),
		chromedp.Click(`#login-submit`),
		chromedp.WaitVisible(`#queue-overdue`),
	)
}

func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	browsertest.Shoot(t, ctx, *screenshots, name)
}

// A supervisor signs in, approves the inspection waiting in the review queue, finds the
// overdue finding of their subdistrict only, reads the hazard chart, which shows the API's
// figures, downloads both exports and opens them, and cannot open the other subdistrict's
// finding.
func TestConsole_SupervisorDay(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")
	shoot(t, ctx, "queues")

	inspection := testkit.Side("inspection", "a")
	if reviewCount := value(t, ctx, chromedp.AttributeValue(`#queue-review .count`, "data-count")).Value; reviewCount != "1" {
		t.Fatalf("review queue holds %s inspections, want 1", reviewCount)
	}
	// The inspection's record prints from the queue.
	dir := allowDownloads(t, ctx)
	pdf := download(t, ctx, fmt.Sprintf(`#queue-review tr[data-id=%q] button.record`, inspection), filepath.Join(dir, "inspection-"+inspection+".pdf"))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("the inspection record is no PDF: %.40q", pdf)
	}
	run(t, ctx,
		chromedp.Click(fmt.Sprintf(`#queue-review tr[data-id=%q] button.approve`, inspection)),
		chromedp.WaitVisible(`#queue-review .count[data-count="0"]`),
	)
	rec, err := srv.App.FindRecordById("inspections", inspection)
	if err != nil || rec.GetString("review") != "approved" || rec.GetString("reviewed_by") != testkit.SupervisorA {
		t.Fatalf("inspection after approval: review=%q by %q (%v)", rec.GetString("review"), rec.GetString("reviewed_by"), err)
	}

	// The public report of subdistrict A goes to its inspector from the triage queue.
	report := testkit.Side("report", "a")
	run(t, ctx,
		chromedp.Click(fmt.Sprintf(`#queue-reports tr[data-id=%q] button.assign`, report)),
		chromedp.WaitNotPresent(fmt.Sprintf(`#queue-reports tr[data-id=%q]`, report)),
		chromedp.WaitVisible(`#queue-reports .count[data-count="0"]`), // the queues are drawn again
	)
	if r, err := srv.App.FindRecordById("public_reports", report); err != nil || r.GetString("status") != "triaged" || r.GetString("assigned_to") != testkit.InspectorA {
		t.Fatalf("report after assignment: status %q, assigned to %q (%v)", r.GetString("status"), r.GetString("assigned_to"), err)
	}

	overdueIDs := value(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#queue-overdue tr[data-id]")].map(r => r.dataset.id)`))
	if strings.Join(overdueIDs, ",") != testkit.Side("finding", "a") {
		t.Errorf("overdue queue = %v, want only subdistrict A's finding", overdueIDs)
	}

	// The chart and the table show the API's figures for the same user.
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/figures?programme=fire&day=2018-06-09&month=2018-05"),
		chromedp.WaitVisible(`svg[data-chart=hazards]`), chromedp.WaitVisible(`#dust-table`))
	shoot(t, ctx, "figures")
	type bar struct {
		Series, Category string
		Value            int
	}
	bars := value(t, ctx, chromedp.Evaluate[[]bar](`[...document.querySelectorAll("svg[data-chart=hazards] rect")].map(r =>
		({Series: r.dataset.series, Category: r.dataset.category, Value: +r.dataset.value}))`))
	api := figuresFromAPI(t, srv, srv.Token("users", testkit.SupervisorA))
	nameA := refdata.Subdistricts()[0].NameZH
	if len(api) != 1 || api[0].Subdistrict != testkit.SubdistrictA {
		t.Fatalf("API figures for supervisor A: %+v", api)
	}
	want := map[string]int{"found": api[0].Found, "closed": api[0].Closed, "overdue": api[0].Overdue}
	if len(bars) != len(want) {
		t.Fatalf("chart bars %+v, want one per series of subdistrict A only", bars)
	}
	for _, b := range bars {
		if b.Category != nameA || b.Value != want[b.Series] {
			t.Errorf("bar %+v, want %s = %d for %s", b, b.Series, want[b.Series], nameA)
		}
	}

	// General and major hazards apart, with line 3450's targets, and the plans' milestones.
	for col, want := range map[string]int{"general_found": api[0].GeneralFound, "major_found": api[0].MajorFound} {
		sel := fmt.Sprintf(`#hazards-severity-table tr[data-subdistrict=%q] td[data-col=%q]`, testkit.SubdistrictA, col)
		if got := value(t, ctx, chromedp.Text(sel)); got != strconv.Itoa(want) {
			t.Errorf("hazards %s: console %s, API %d", col, got, want)
		}
	}
	if got := value(t, ctx, chromedp.Text(`#hazards-severity li[data-target=major_listed]`)); !strings.HasPrefix(got, "重大火灾隐患100%挂账督办") {
		t.Errorf("major-hazard target reads %q", got)
	}
	var plan struct {
		Milestones []struct {
			Code string
			Rows []struct{ Of, Done, Late int }
		}
	}
	getJSON(t, srv, "/api/fs/milestones", srv.Token("users", testkit.SupervisorA), &plan)
	var wantRows []string
	for _, m := range plan.Milestones {
		for _, p := range m.Rows {
			if p.Of+p.Done+p.Late > 0 {
				wantRows = append(wantRows, m.Code)
			}
		}
	}
	gotRows := value(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#milestones-table tbody tr")].map(r => r.dataset.milestone)`))
	if !slices.Contains(wantRows, "smoke_alarms") || strings.Join(gotRows, ",") != strings.Join(wantRows, ",") {
		t.Errorf("milestone rows: console %v, API %v", gotRows, wantRows)
	}

	// The map shows subdistrict A's open finding, at its place, and nothing of B.
	if ids := value(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("svg[data-chart=open-findings] circle")].map(c => c.dataset.finding)`)); strings.Join(ids, ",") != testkit.Side("finding", "a") {
		t.Errorf("map points %v, want subdistrict A's open finding only", ids)
	}

	// The tutoring daily report and the dust ranking show the API's figures.
	tokA := srv.Token("users", testkit.SupervisorA)
	var daily struct {
		Subdistricts []struct {
			Subdistrict string
			Centres     struct{ Cumulative map[string]int }
		}
	}
	getJSON(t, srv, "/api/fs/tutoring/daily?day=2018-06-09", tokA, &daily)
	if len(daily.Subdistricts) != 1 || daily.Subdistricts[0].Subdistrict != testkit.SubdistrictA {
		t.Fatalf("daily report for supervisor A: %+v", daily)
	}
	for _, col := range []string{"total", "incidents"} {
		sel := fmt.Sprintf(`#tutoring-table tr[data-subdistrict=%q][data-row=cumulative] td[data-col=%q]`, testkit.SubdistrictA, col)
		if got, want := value(t, ctx, chromedp.Text(sel)), strconv.Itoa(daily.Subdistricts[0].Centres.Cumulative[col]); got != want {
			t.Errorf("daily report %s: console %s, API %s", col, got, want)
		}
	}
	var ranking struct {
		Standings []struct {
			Subdistrict string
			Overdue     int
			Dustfall    *float64
		}
	}
	getJSON(t, srv, "/api/fs/dust/ranking?month=2018-05", tokA, &ranking)
	rows := value(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#dust-table tbody tr")].map(r => r.dataset.subdistrict)`))
	if len(rows) != 29 || len(ranking.Standings) != 29 {
		t.Fatalf("ranking rows: console %d, API %d", len(rows), len(ranking.Standings))
	}
	for i, st := range ranking.Standings {
		if rows[i] != st.Subdistrict {
			t.Fatalf("ranking order differs at %d: console %s, API %s", i, rows[i], st.Subdistrict)
		}
		if st.Subdistrict == testkit.SubdistrictA {
			got := value(t, ctx, chromedp.Text(fmt.Sprintf(`#dust-table tr[data-subdistrict=%q] td[data-col=overdue]`, st.Subdistrict)))
			if got != strconv.Itoa(st.Overdue) || st.Dustfall == nil || *st.Dustfall != 7.5 {
				t.Errorf("ranking of A: console overdue %s, API %+v", got, st)
			}
		}
	}

	// Both exports download and open with the same figures.
	csvRows := readCSV(t, download(t, ctx, `#fig-hazards button.export-csv`, filepath.Join(dir, "rectify-figures-fire.csv")))
	if len(csvRows) != 2 || csvRows[1][0] != nameA || csvRows[1][1] != strconv.Itoa(api[0].Found) || csvRows[1][3] != strconv.Itoa(api[0].Overdue) {
		t.Errorf("CSV export = %v, want a heading and subdistrict A's figures %+v", csvRows, api[0])
	}
	x, err := excelize.OpenReader(bytes.NewReader(download(t, ctx, `#fig-hazards button.export-xlsx`, filepath.Join(dir, "rectify-figures-fire.xlsx"))))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := x.GetCellValue("Sheet1", "A4"); got != nameA {
		t.Errorf("XLSX A4 = %q, want %s", got, nameA)
	}
	if got, _ := x.GetCellValue("Sheet1", "B4"); got != strconv.Itoa(api[0].Found) {
		t.Errorf("XLSX found = %q, want %d", got, api[0].Found)
	}
	if got, _ := x.GetCellValue("Sheet1", "A5"); got != "" {
		t.Errorf("XLSX has a row for another subdistrict: %q", got)
	}

	// Subdistrict A's finding opens with its timeline; B's answers like a missing one.
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/findings/"+testkit.Side("finding", "a")), chromedp.WaitVisible(`#finding .timeline`))
	shoot(t, ctx, "finding")
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/findings/"+testkit.Side("finding", "b")), chromedp.WaitVisible(`#finding-missing`))

	// The English switch relabels the console.
	run(t, ctx, chromedp.Click(`#lang`))
	if nav := value(t, ctx, chromedp.Text(`nav a[href="#/queues"]`)); nav != "Queues" {
		t.Errorf("nav after the English switch = %q", nav)
	}
}

// A resident's account or a wrong password gets no console.
func TestConsole_SignInRefusals(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx := browserFor(t)
	run(t, ctx,
		chromedp.Navigate(srv.URL+"/console/#/login"),
		chromedp.WaitVisible(`input[name=identity]`),
		chromedp.SendKeys(`input[name=identity]`, "supervisora@fieldsync.test"),
		chromedp.SendKeys(`input[name=password]`, "wrong-password"),
		chromedp.Click(`#login-submit`),
		chromedp.WaitVisible(`p.error[role=alert]:not(:empty)`),
	)
	if msg := value(t, ctx, chromedp.Text(`p.error[role=alert]`)); msg != "账号或密码错误" {
		t.Errorf("wrong password says %q", msg)
	}
}

// The console's pages carry a policy that runs only their own scripts and forbids framing.
func TestConsole_ServedWithPolicy(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	res, err := http.Get(srv.URL + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != http.StatusOK || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("GET /console/: %d, CSP %q", res.StatusCode, csp)
	}
	if res, err := http.Get(srv.URL + "/console/app.js"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("app.js: %v %v", res, err)
	}
}

func getJSON(t *testing.T, srv *testkit.Server, path, token string, into any) {
	t.Helper()
	res := srv.Do(http.MethodGet, path, token, nil)
	if res.Status != http.StatusOK || json.Unmarshal(res.Body, into) != nil {
		t.Fatalf("%s: %d %s", path, res.Status, res.Body)
	}
}

type figures struct {
	Subdistrict  string `json:"subdistrict"`
	Found        int    `json:"found"`
	Closed       int    `json:"closed"`
	Overdue      int    `json:"overdue"`
	GeneralFound int    `json:"general_found"`
	MajorFound   int    `json:"major_found"`
}

func figuresFromAPI(t *testing.T, srv *testkit.Server, token string) []figures {
	t.Helper()
	res := srv.Do(http.MethodGet, "/api/fs/rectify/figures?programme=fire", token, nil)
	var body struct{ Figures []figures }
	if res.Status != http.StatusOK || json.Unmarshal(res.Body, &body) != nil {
		t.Fatalf("figures: %d %s", res.Status, res.Body)
	}
	return body.Figures
}

// allowDownloads lets the browser save downloads into a new directory, which it returns, and
// report their progress.
func allowDownloads(t *testing.T, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	events := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior,
		browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &events}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// download clicks sel and returns the file the browser saved at path once Chromium reports
// the download completed.
func download(t *testing.T, ctx context.Context, sel, path string) []byte {
	t.Helper()
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress) // subscribed before the click
	run(t, ctx, chromedp.Click(sel))
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download by %s: %v", sel, err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatalf("download by %s canceled", sel)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("download by %s: %v", sel, err)
	}
	return b
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// On a tablet held upright the pages fit the screen's width: wide tables scroll inside their
// card, the page itself never sideways.
func TestConsole_FitsATablet(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx := browserFor(t)
	run(t, ctx, chromedp.EmulateViewport(820, 1180))
	signIn(t, ctx, srv.URL, "supervisora")
	fits := func(page string) {
		t.Helper()
		overflow := value(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if overflow > 0 {
			t.Errorf("%s is %d px wider than an 820 px tablet", page, overflow)
		}
	}
	fits("queues")
	shoot(t, ctx, "queues-tablet")
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/figures?day=2018-06-09&month=2018-05"), chromedp.WaitVisible(`#dust-table`))
	fits("figures")
}

// Dates read in Beijing time: a deadline stored as 23:52 UTC on the 3rd is the 4th on screen.
// The figures open on the newest day and month with data, not on today; a district
// administrator's right password is told to use the admin UI, not called wrong.
func TestConsole_BeijingDatesAndOpeningPeriod(t *testing.T) {
	a := testkit.NewApp(t)
	finding := testkit.Side("finding", "a")
	rec, err := a.FindRecordById("findings", finding)
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("deadline", "2018-06-03 23:52:00.000Z")
	access.AsSystem(rec)
	if err := a.Save(rec); err != nil {
		t.Fatal(err)
	}
	srv := testkit.Serve(t, a)
	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")
	sel := fmt.Sprintf(`#queue-overdue tr[data-id=%q] td.overdue`, finding)
	if got := value(t, ctx, chromedp.Text(sel)); got != "2018-06-04" {
		t.Errorf("deadline 2018-06-03 23:52 UTC shows as %q, want Beijing's 2018-06-04", got)
	}

	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/figures"), chromedp.WaitVisible(`#dust-table`))
	// The fixture's newest tutoring incident is 2018-06-09 (03:00 UTC, 11:00 Beijing), its
	// dust-fall readings of 2018-05.
	if got := value(t, ctx, chromedp.Value(`#fig-tutoring input[type=date]`)); got != "2018-06-09" {
		t.Errorf("daily report opens on %q, want the newest day with data 2018-06-09", got)
	}
	if got := value(t, ctx, chromedp.Value(`#fig-dust input[type=month]`)); got != "2018-05" {
		t.Errorf("dust ranking opens on %q, want the newest month with data 2018-05", got)
	}
	var ranking struct {
		Standings []struct{ Subdistrict string }
	}
	getJSON(t, srv, "/api/fs/dust/ranking?month=2018-05", srv.Token("users", testkit.SupervisorA), &ranking)
	if got := value(t, ctx, chromedp.Text(`#dust-table tbody tr:first-child`)); !strings.Contains(got, nameOf(ranking.Standings[0].Subdistrict)) {
		t.Errorf("first row of the ranking %q, API's first %s", got, ranking.Standings[0].Subdistrict)
	}

	admin := browserFor(t)
	run(t, admin,
		chromedp.Navigate(srv.URL+"/console/#/login"),
		chromedp.WaitVisible(`input[name=identity]`),
		chromedp.SendKeys(`input[name=identity]`, "admin@fieldsync.test"),
		chromedp.SendKeys(`input[name=password]`, testkit.Password),
		chromedp.Click(`#login-submit`),
		chromedp.WaitVisible(`#login-admin`),
	)
	if href := value(t, admin, chromedp.AttributeValue(`#login-admin a`, "href")); href.Value != "/_/" {
		t.Errorf("admin UI link %q", href.Value)
	}
	if stored := value(t, admin, chromedp.Evaluate[string](`sessionStorage.getItem("fieldsync.console.auth") || ""`)); stored != "" {
		t.Errorf("the console kept the administrator's token: %q", stored)
	}
}

func nameOf(subdistrict string) string {
	for _, s := range refdata.Subdistricts() {
		if s.ID == subdistrict {
			return s.NameZH
		}
	}
	return subdistrict
}

// stepOn fills a lifecycle step's fields on the finding's page and presses its button.
func stepOn(form string, fields map[string]string) []chromedp.Action[chromedp.Void] {
	acts := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(`form.step.` + form)}
	for name, v := range fields {
		acts = append(acts, chromedp.SetValue(fmt.Sprintf(`form.step.%s [name=%q]`, form, name), v))
	}
	return append(acts, chromedp.Click(`form.step.`+form+` button`))
}

func statusOf(t *testing.T, srv *testkit.Server, coll, id string) *core.Record {
	t.Helper()
	r, err := srv.App.FindRecordById(coll, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A supervisor takes a finding from found to closed by clicking alone: a refused order shows
// the server's words beside its button, then order, acknowledgement, the re-inspection a phone
// pushed through the sync API, and close; the timeline says who did what in words.
func TestConsole_FindingFoundToClosedByClicking(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx := browserFor(t)
	f := testkit.Side("finding", "a")
	signIn(t, ctx, srv.URL, "supervisora")
	page := srv.URL + "/console/#/findings/" + f
	run(t, ctx, chromedp.Navigate(page), chromedp.WaitVisible(`#finding[data-status=open]`))

	// A responsible party of blanks passes the browser's check, not the server's.
	run(t, ctx, stepOn("order", map[string]string{"deadline": "2030-01-31", "responsible_party": "   "})...)
	run(t, ctx, chromedp.WaitVisible(`form.step.order .refusal:not(:empty)`))
	if msg := value(t, ctx, chromedp.Text(`form.step.order .refusal`)); !strings.Contains(msg, "责令整改须写明整改期限和责任方") {
		t.Errorf("refused order says %q", msg)
	}
	run(t, ctx, stepOn("order", map[string]string{"deadline": "2030-01-31", "responsible_party": "房东张某"})...)
	run(t, ctx, chromedp.WaitVisible(`#finding[data-status=ordered]`))
	if d := statusOf(t, srv, "findings", f).GetString("deadline"); d != "2030-01-31 15:59:59.000Z" {
		t.Errorf("deadline stored %q, want the end of 31 January in Beijing", d)
	}
	run(t, ctx, stepOn("acknowledge", map[string]string{"name": "张某"})...)
	run(t, ctx, chromedp.WaitVisible(`#finding[data-status=acknowledged]`))

	// The inspector's phone pushes the re-inspection with its photo.
	reinspection := "consolereinsp01"
	phone := testkit.NewSync(t, srv, testkit.InspectorA, "phone-console-a")
	if o := phone.Create("inspections", reinspection, map[string]any{"programme": "fire", "kind": "reinspection",
		"place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA, "inspector": testkit.InspectorA,
		"inspected_at": "2018-06-20 02:00:00.000Z", "result": "pass", "photos": []string{testkit.Side("photo", "a")}}); !o.OK {
		t.Fatalf("phone push: %v", o)
	}
	run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(`#finding[data-status=acknowledged]`))
	run(t, ctx, stepOn("reinspect", map[string]string{"inspection": reinspection})...)
	run(t, ctx, chromedp.WaitVisible(`#finding[data-status=reinspected]`))
	run(t, ctx, stepOn("close", nil)...)
	run(t, ctx, chromedp.WaitVisible(`#finding[data-status=closed]`))
	shoot(t, ctx, "finding-closed")
	if r := statusOf(t, srv, "findings", f); r.GetString("status") != "closed" || r.GetString("closed_by") != testkit.SupervisorA || r.GetString("reinspection") != reinspection {
		t.Fatalf("finding after closing: status %q by %q, re-inspection %q", r.GetString("status"), r.GetString("closed_by"), r.GetString("reinspection"))
	}

	// The timeline says it in words, with the supervisor's name and Beijing times.
	lines := value(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".timeline li")].map(li => li.textContent)`))
	all := strings.Join(lines, "\n")
	supervisor := cmp.Or(statusOf(t, srv, "users", testkit.SupervisorA).GetString("name"), "supervisora@fieldsync.test")
	for _, want := range []string{"责令限期整改，期限 2030-01-31 · 责任方 房东张某", "责任方签收： 张某", "复查 · 合格", "已销账"} {
		if !strings.Contains(all, want) {
			t.Errorf("timeline lacks %q:\n%s", want, all)
		}
	}
	if !strings.Contains(all, supervisor+" · 责令限期整改") {
		t.Errorf("timeline does not name supervisor %q for the order:\n%s", supervisor, all)
	}
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".timeline [data-photo]").length`)); n == 0 {
		t.Error("the re-inspection's photo is not on the timeline")
	}
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.step").length`)); n != 0 {
		t.Errorf("a closed finding still offers %d steps", n)
	}
}

// A supervisor refers a finding to the fire brigade; its staff acknowledge and finish it with a
// response on the finding's page, and the other agency's staff get no buttons.
func TestConsole_ReferralAnsweredByTheAgency(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx := browserFor(t)
	f := testkit.Side("finding", "a")
	signIn(t, ctx, srv.URL, "supervisora")
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/findings/"+f), chromedp.WaitVisible(`#finding`))
	run(t, ctx, stepOn("refer", map[string]string{"agency": testkit.AgencyFire, "deadline": "2030-02-28", "reason": "消防通道被占用"})...)
	run(t, ctx, chromedp.WaitVisible(`ul.referrals li:nth-child(2)[data-status=pending]`)) // the fixture's and this one
	ref, err := srv.App.FindFirstRecordByFilter("referrals", "finding = {:f} && reason = '消防通道被占用'", map[string]any{"f": f})
	if err != nil {
		t.Fatal(err)
	}
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("ul.referrals form.step").length`)); n != 0 {
		t.Errorf("the supervisor is offered %d answers of the agency", n)
	}

	run(t, ctx, chromedp.Click(`#signout`))
	signIn(t, ctx, srv.URL, "firestaff")
	item := fmt.Sprintf(`ul.referrals li[data-referral=%q]`, ref.Id)
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/findings/"+f), chromedp.WaitVisible(item))
	run(t, ctx, chromedp.Click(item+` form.ref-acknowledge button`), chromedp.WaitVisible(item+`[data-status=acknowledged]`))
	run(t, ctx, chromedp.SetValue(item+` form.ref-done [name=response]`, "已清理通道"), chromedp.Click(item+` form.ref-done button`),
		chromedp.WaitVisible(item+`[data-status=done]`))
	if r := statusOf(t, srv, "referrals", ref.Id); r.GetString("status") != "done" || r.GetString("response") != "已清理通道" || r.GetString("responded_by") != testkit.FireStaff {
		t.Errorf("referral after answering: %q %q by %q", r.GetString("status"), r.GetString("response"), r.GetString("responded_by"))
	}

	run(t, ctx, chromedp.Click(`#signout`))
	signIn(t, ctx, srv.URL, "envstaff")
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/findings/"+f), chromedp.WaitVisible(`#finding, #finding-missing`))
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.step").length`)); n != 0 {
		t.Errorf("the environment bureau is offered %d steps on the fire brigade's case", n)
	}
}

// publicRequest sends a resident's request over HTTP, as a phone's browser would.
func publicRequest(t *testing.T, srv *testkit.Server, method, path, ctype string, body []byte, headers ...string) []byte {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("X-Fieldsync-Device", "console-test-device")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, out)
	}
	return out
}

// A resident reports with a photo; the supervisor reads the text, sees the photo and the place
// before acting, is told in the server's words why a blank reason cannot reject it, assigns it
// to the subdistrict's inspector and links the finding of the place.
func TestConsole_ReportTriagedSeeingItsPhoto(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(jpg.Bytes())
	announce, _ := json.Marshal(map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": jpg.Len(), "mime": "image/jpeg", "subdistrict": testkit.SubdistrictA})
	var up struct{ ID, Photo string }
	json.Unmarshal(publicRequest(t, srv, http.MethodPost, "/api/fs/blobs/public/uploads", "application/json", announce), &up)
	json.Unmarshal(publicRequest(t, srv, http.MethodPatch, "/api/fs/blobs/uploads/"+up.ID, "application/offset+octet-stream", jpg.Bytes(),
		"Upload-Offset", "0", "Tus-Resumable", "1.0.0"), &up)
	body, _ := json.Marshal(map[string]any{"idempotency_key": "console-report-0001", "category": "fire",
		"subdistrict": testkit.SubdistrictA, "address": "测试路 1 号 a 楼道", "location": map[string]any{"lon": 116.301, "lat": 39.902},
		"description": "楼道里堆满电动车电池，晚上在充电", "photos": []string{up.Photo}})
	var sent struct {
		Tracking string `json:"tracking_no"`
	}
	json.Unmarshal(publicRequest(t, srv, http.MethodPost, "/api/fs/reports", "application/json", body), &sent)
	r, err := srv.App.FindFirstRecordByData("public_reports", "tracking_no", sent.Tracking)
	if err != nil {
		t.Fatal(err)
	}

	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")
	row := fmt.Sprintf(`#queue-reports tr[data-id=%q]`, r.Id)
	if got := value(t, ctx, chromedp.Text(row+` .report-text`)); !strings.Contains(got, "楼道里堆满电动车电池") {
		t.Errorf("the queue shows %q, not the reporter's text", got)
	}
	run(t, ctx, chromedp.Click(row+` a`), chromedp.WaitVisible(`#report[data-status=received]`),
		chromedp.WaitVisible(`#report-photos img[src^="blob:"]`))
	shoot(t, ctx, "report")
	if w := value(t, ctx, chromedp.Evaluate[int](`document.querySelector("#report-photos img").naturalWidth`)); w != 64 {
		t.Errorf("the report's photo is %d px wide, want the 64 px the resident sent", w)
	}
	if got := value(t, ctx, chromedp.Text(`#report-place`)); !strings.Contains(got, "测试路 1 号 a 楼道") || !strings.Contains(got, "39.9020") {
		t.Errorf("place shown %q", got)
	}
	run(t, ctx, stepOn("reject", map[string]string{"reason": "  "})...)
	run(t, ctx, chromedp.WaitVisible(`form.step.reject .refusal:not(:empty)`))
	if msg := value(t, ctx, chromedp.Text(`form.step.reject .refusal`)); !strings.Contains(msg, "请写明给举报人的理由") {
		t.Errorf("refused rejection says %q", msg)
	}
	run(t, ctx, stepOn("assign", map[string]string{"inspector": testkit.InspectorA})...)
	run(t, ctx, chromedp.WaitVisible(`#report[data-status=triaged]`))
	run(t, ctx, stepOn("link", map[string]string{"finding": testkit.Side("finding", "a")})...)
	run(t, ctx, chromedp.WaitVisible(`#report a[href^="#/findings/"]`))
	if got := statusOf(t, srv, "public_reports", r.Id); got.GetString("assigned_to") != testkit.InspectorA || got.GetString("finding") != testkit.Side("finding", "a") {
		t.Errorf("report after triage: assigned to %q, finding %q", got.GetString("assigned_to"), got.GetString("finding"))
	}
}

// The header counts the user's unread notifications as the API does; opening the screen lists
// them with a link to their case and marks them read.
func TestConsole_NotificationsCountedAndRead(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx := browserFor(t)
	tok := srv.Token("users", testkit.InspectorA)
	var page struct{ TotalItems int }
	getJSON(t, srv, "/api/collections/notifications/records?filter=read%3Dfalse", tok, &page)
	if page.TotalItems == 0 {
		t.Fatal("the fixture gives inspector A no unread notification")
	}
	signIn(t, ctx, srv.URL, "inspectora")
	run(t, ctx, chromedp.WaitVisible(`#unread:not([hidden])`))
	if got := value(t, ctx, chromedp.AttributeValue(`#unread`, "data-count")).Value; got != strconv.Itoa(page.TotalItems) {
		t.Errorf("header counts %s unread, API %d", got, page.TotalItems)
	}
	note := testkit.Side("note", "a")
	run(t, ctx, chromedp.Click(`nav a[href="#/notifications"]`), chromedp.WaitVisible(fmt.Sprintf(`#notifications li[data-id=%q]`, note)),
		chromedp.WaitReady(`#unread[data-count="0"][hidden]`))
	if href := value(t, ctx, chromedp.AttributeValue(fmt.Sprintf(`#notifications li[data-id=%q] a`, note), "href")).Value; href != "#/findings/"+testkit.Side("finding", "a") {
		t.Errorf("notification links to %q", href)
	}
	if !statusOf(t, srv, "notifications", note).GetBool("read") {
		t.Error("the opened notification is still unread")
	}
}

// A finding closed through the API is found in the list by searching its place's name; the
// list counts what REST counts for the same filter, and its CSV holds the filtered rows.
func TestConsole_ClosedFindingFoundBySearch(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	f := testkit.Side("finding", "a")
	testkit.Save(t, srv.App, "inspections", "consolereinsp02", map[string]any{"programme": "fire", "kind": "reinspection",
		"place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA, "inspector": testkit.InspectorA,
		"inspected_at": "2018-06-20 02:00:00.000Z", "result": "pass", "photos": []string{testkit.Side("photo", "a")}})
	tok := srv.Token("users", testkit.InspectorA)
	for _, c := range []struct {
		name string
		args map[string]any
	}{
		{"finding.order@1", map[string]any{"deadline": "2018-06-30 15:59:59.000Z", "responsible_party": "房东"}},
		{"finding.reinspect@1", map[string]any{"inspection": "consolereinsp02"}},
		{"finding.close@1", nil},
	} {
		if res := srv.Do(http.MethodPost, "/api/fs/commands", tok, map[string]any{"name": c.name, "coll": "findings", "id": f, "args": c.args}); res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.name, res.Status, res.Body)
		}
	}
	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")
	run(t, ctx, chromedp.Click(`nav a[href="#/findings"]`), chromedp.WaitVisible(`#findings-filter`),
		chromedp.SendKeys(`#findings-filter input[name=search]`, "群租房"), chromedp.Click(`#findings-filter button[type=submit]`),
		chromedp.WaitVisible(fmt.Sprintf(`#findings-list tr[data-id=%q]`, f)))
	if got := value(t, ctx, chromedp.Text(fmt.Sprintf(`#findings-list tr[data-id=%q] td:nth-child(3)`, f))); got != "已销账" {
		t.Errorf("the closed finding's status reads %q", got)
	}
	var page struct{ TotalItems int }
	q := "filter=" + url.QueryEscape(`voided = false && (description ~ '群租房' || place.name ~ '群租房' || place.address ~ '群租房')`)
	getJSON(t, srv, "/api/collections/findings/records?"+q, srv.Token("users", testkit.SupervisorA), &page)
	if got := value(t, ctx, chromedp.AttributeValue(`#findings-list h2 .count`, "data-count")).Value; got != strconv.Itoa(page.TotalItems) || page.TotalItems != 1 {
		t.Errorf("the list counts %s, REST %d (want 1: subdistrict B's is not A's)", got, page.TotalItems)
	}
	dir := allowDownloads(t, ctx)
	rows := readCSV(t, download(t, ctx, `#findings-filter button.export-csv`, filepath.Join(dir, "findings.csv")))
	if len(rows) != 2 || rows[1][len(rows[1])-1] != f || rows[1][2] != "已销账" {
		t.Errorf("CSV of the filtered list: %v", rows)
	}
}
