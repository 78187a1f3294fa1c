package console_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// registryCSV is a market-regulation registry of n lines: every 100th has no name and the
// 150th repeats the first line's credit code (both refused); the 77th names an education
// consultancy, which the ledger does not license (a discrepancy).
func registryCSV(n int) []byte {
	code := func(i int) string {
		head := fmt.Sprintf("91110108MC%07d", i)
		return head + string(tutoring.CreditCheck(head))
	}
	var b strings.Builder
	b.WriteString("统一社会信用代码,企业名称,住所,经营范围\n")
	for i := 1; i <= n; i++ {
		c, name := code(i), fmt.Sprintf("北京样例%04d科技有限公司", i)
		switch {
		case i%100 == 0:
			name = ""
		case i == 150:
			c = code(1)
		case i == 77:
			name = "北京样例0077教育咨询有限公司"
		}
		fmt.Fprintf(&b, "%s,%s,海淀区知春路%d号,技术开发\n", c, name, i)
	}
	return []byte(b.String())
}

// A supervisor uploads a registry of 450 lines (three batches): the progress bar only grows
// and reaches 100%, then the refused lines and the discrepancy are listed as the API's job
// lists them.
func TestConsole_RegistryImportProgress(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	file := filepath.Join(t.TempDir(), "market-registry.csv")
	if err := os.WriteFile(file, registryCSV(450), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")
	run(t, ctx, chromedp.Click(`nav a[href="#/imports"]`), chromedp.WaitVisible(`#import-form`),
		chromedp.SetValue(`#import-form select[name=source]`, "market"),
		chromedp.SetUploadFiles(`#import-form input[name=file]`, []string{file}))
	// Every value the bar takes, from the first drawing of the job's page on.
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.percents = [];
		new MutationObserver(() => { const p = document.querySelector("#import-progress");
			if (p && window.percents.at(-1) !== +p.dataset.percent) window.percents.push(+p.dataset.percent); })
		.observe(document.getElementById("main"), { subtree: true, childList: true, attributes: true })`))
	run(t, ctx, chromedp.Click(`#import-form button[type=submit]`), chromedp.WaitVisible(`#import-job[data-status=done]`))
	shoot(t, ctx, "import")

	percents := value(t, ctx, chromedp.Evaluate[[]int](`window.percents`))
	if len(percents) == 0 || percents[len(percents)-1] != 100 || !slices.IsSorted(percents) {
		t.Errorf("the progress bar went %v, want growing to 100", percents)
	}
	hash := value(t, ctx, chromedp.Evaluate[string](`location.hash`))
	var job struct {
		Total, Processed, Refused int
		Errors                    []tutoring.LineError
		Discrepancies             []tutoring.Discrepancy
	}
	getJSON(t, srv, "/api/fs/tutoring/imports/"+strings.TrimPrefix(hash, "#/imports/"), srv.Token("users", testkit.SupervisorA), &job)
	if job.Total != 450 || job.Processed != 450 || job.Refused != 5 || len(job.Discrepancies) != 1 {
		t.Fatalf("the API's job: %+v", job)
	}
	if got := value(t, ctx, chromedp.Text(`#import-counts`)); !strings.HasPrefix(got, "100% · 450 / 450") {
		t.Errorf("the counts read %q", got)
	}
	type row struct{ Line, Text string }
	rows := value(t, ctx, chromedp.Evaluate[[]row](`[...document.querySelectorAll("#import-errors tbody tr")].map(r =>
		({Line: r.dataset.line, Text: r.cells[1].textContent}))`))
	if len(rows) != len(job.Errors) {
		t.Fatalf("the screen lists %d refused lines, the API %d", len(rows), len(job.Errors))
	}
	for i, e := range job.Errors {
		if rows[i].Line != strconv.Itoa(e.Line) || rows[i].Text != e.Message || e.Message == "" {
			t.Errorf("refused line %d: screen %+v, API %+v", i, rows[i], e)
		}
	}
	if got := value(t, ctx, chromedp.AttributeValue(`#import-discrepancies tbody tr`, "data-line")).Value; got != strconv.Itoa(job.Discrepancies[0].Line) || got != "78" {
		t.Errorf("the discrepancy is listed at line %q, the API says %d (file line 78)", got, job.Discrepancies[0].Line)
	}
}

// While the public address is loopback, the QR sheet's refusal is shown in words with what to
// do; once it is set, the sheet downloads with a row for each centre the screen lists, as many
// as REST counts.
func TestConsole_QRSheet(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")
	run(t, ctx, chromedp.Click(`nav a[href="#/qr"]`), chromedp.WaitVisible(`#qr-download`), chromedp.Click(`#qr-download`),
		chromedp.WaitVisible(`#qr-refusal[data-code=public_url_unset]`))
	shoot(t, ctx, "qr-refused")
	msg := value(t, ctx, chromedp.Text(`#qr-refusal`))
	for _, want := range []string{"尚未设置对外访问地址", "怎么办", "Application URL"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal reads %q, without %q", msg, want)
		}
	}

	srv.App.Settings().Meta.AppURL = "https://fieldsync.haidian.example"
	if err := srv.App.Save(srv.App.Settings()); err != nil {
		t.Fatal(err)
	}
	var page struct{ TotalItems int }
	getJSON(t, srv, "/api/collections/public_centres/records?filter="+url.QueryEscape("subdistrict = '"+testkit.SubdistrictA+"'"),
		srv.Token("users", testkit.SupervisorA), &page)
	listed := value(t, ctx, chromedp.AttributeValue(`#qr h2 .count`, "data-count")).Value
	if page.TotalItems == 0 || listed != strconv.Itoa(page.TotalItems) {
		t.Fatalf("the screen lists %s centres, REST %d", listed, page.TotalItems)
	}
	dir := allowDownloads(t, ctx)
	x, err := excelize.OpenReader(bytes.NewReader(download(t, ctx, `#qr-download`, filepath.Join(dir, "centre-qr-codes.xlsx"))))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("机构二维码")
	if len(rows)-1 != page.TotalItems {
		t.Errorf("the sheet holds %d centres, the screen %s", len(rows)-1, listed)
	}
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelector("#qr-refusal").textContent.length`)); n != 0 {
		t.Errorf("the old refusal stays after a download")
	}
}

// An inspector records a bare-land plot: a treatment that contradicts the state is refused in
// the server's words; a right one is listed, and the list counts what REST counts.
func TestConsole_BareLandLedger(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "inspectora")
	// Imports are the supervisors': the inspector's menu leaves them out.
	if hidden := value(t, ctx, chromedp.Evaluate[bool](`document.querySelector('nav a[href="#/imports"]').hidden`)); !hidden {
		t.Error("the inspector's menu offers registry imports")
	}
	run(t, ctx, chromedp.Click(`nav a[href="#/land"]`), chromedp.WaitVisible(`#land-list`))
	entry := map[string]string{"place": testkit.Side("land", "a"), "recorded_on": "2018-06-12", "area_m2": "800",
		"state": "covered", "treatment": "green", "notes": "防尘网苫盖"}
	run(t, ctx, stepOn("land-add", entry)...)
	run(t, ctx, chromedp.WaitVisible(`form.step.land-add .refusal:not(:empty)`))
	if msg := value(t, ctx, chromedp.Text(`form.step.land-add .refusal`)); !strings.Contains(msg, "治理方式与地块状态不符") {
		t.Errorf("the refused entry says %q", msg)
	}
	entry["treatment"] = "cover"
	run(t, ctx, stepOn("land-add", entry)...)
	run(t, ctx, chromedp.WaitVisible(`#land-list tbody tr:nth-child(2)`)) // the fixture's and this one
	shoot(t, ctx, "land")
	stored, err := srv.App.FindFirstRecordByData("bare_land_entries", "notes", "防尘网苫盖")
	if err != nil || stored.GetString("author") != testkit.InspectorA || stored.GetString("subdistrict") != testkit.SubdistrictA {
		t.Fatalf("the stored entry: %v (%v)", stored, err)
	}
	if got := value(t, ctx, chromedp.Text(`#land-list tbody tr:first-child td:nth-child(3)`)); got != "2018-06-12" {
		t.Errorf("the new entry is dated %q on screen", got)
	}
	var page struct{ TotalItems int }
	getJSON(t, srv, "/api/collections/bare_land_entries/records", srv.Token("users", testkit.InspectorA), &page)
	if got := value(t, ctx, chromedp.AttributeValue(`#land h2 .count`, "data-count")).Value; got != strconv.Itoa(page.TotalItems) || page.TotalItems != 2 {
		t.Errorf("the screen counts %s entries, REST %d (want 2: B's are not A's)", got, page.TotalItems)
	}
	if res := srv.Do(http.MethodGet, "/api/collections/bare_land_entries/records/"+stored.Id, srv.Token("users", testkit.InspectorB), nil); res.Status != http.StatusNotFound {
		t.Errorf("subdistrict B's inspector reads A's entry: %d", res.Status)
	}
}
