package inspectorapp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

// TestApp_PlacesReportsAndDust: the registry is searched by credit code; a new place takes
// the phone's GPS point (its accuracy shown); a public report assigned to the inspector is
// on today's work, its visit is recorded and a finding linked; the dust six-100% check turns
// each missed measure into a finding; a bare-land entry is recorded; a centre's wrong credit
// code is refused on the phone. All of it arrives on the server once.
func TestApp_PlacesReportsAndDust(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	server := httptest.NewServer(s)
	t.Cleanup(server.Close)
	sup := s.Token("users", testkit.SupervisorA)
	report := testkit.Side("report", "a")
	assign(t, s, report, testkit.InspectorA)
	lat, lon := 39.9075, 116.2789
	ctx := phoneAt(t, lat, lon, 12)
	shoot := func(name string) { browsertest.Shoot(t, ctx, *screenshots, name) }
	run(t, ctx, chromedp.Navigate(server.URL+"/app/"))
	step(t, ctx, chromedp.WaitVisible(`#signin`), chromedp.SendKeys(`#email`, "inspectora@fieldsync.test"), chromedp.SendKeys(`#password`, testkit.Password),
		chromedp.Click(`#signin button[type=submit]`))
	waitScreen(t, ctx, "home")

	// The report assigned to me, read and visited; a finding recorded from it and linked.
	step(t, ctx, chromedp.Click(`#work-reports a`))
	waitScreen(t, ctx, "report")
	if txt := value(t, ctx, chromedp.Text(`#report-text`)); txt != "周末超前教学" {
		t.Fatalf("report text: %q", txt)
	}
	shoot("report")
	a11y(t, ctx, "report")
	step(t, ctx, fill(`#result`, "fail"), chromedp.SendKeys(`#visit-notes`, "周六上午在教初二数学"), chromedp.Click(`#visit-form button[type=submit]`),
		chromedp.WaitVisible(`#queued-steps`))
	goTo(t, ctx, "#/finding/new?place="+testkit.Side("centreplace", "a"))
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, fill(`#category`, "tutoring.ahead_of_schedule"), chromedp.SendKeys(`#description`, "周六超前教学，举报属实"),
		chromedp.Click(`#finding-form button[type=submit]`))
	waitScreen(t, ctx, "finding")
	goTo(t, ctx, "#/report/"+report)
	waitScreen(t, ctx, "report")
	step(t, ctx, chromedp.Click(`#link-form button[type=submit]`), chromedp.WaitNotPresent(`#link-form`))

	// Search by credit code, then a centre's credit code mistyped is refused on the phone.
	goTo(t, ctx, "#/places?q=91110108ma01abcd5t")
	waitScreen(t, ctx, "places")
	if txt := value(t, ctx, chromedp.Text(`#place-list`)); !strings.Contains(txt, "学而思测试校区 a") {
		t.Fatalf("credit code search: %q", txt)
	}
	goTo(t, ctx, "#/tutoring/new?place="+testkit.Side("centreplace", "a"))
	waitScreen(t, ctx, "tutoring")
	step(t, ctx, fill(`#credit_code`, "91110108MA01ABCD5X"), chromedp.Click(`#tutoring-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-code="credit_code_check"]`))

	// A new place at the phone's position.
	goTo(t, ctx, "#/newplace")
	waitScreen(t, ctx, "newplace")
	step(t, ctx, fill(`#kind`, "mixing_station"), chromedp.SendKeys(`#name`, "永定路搅拌站"), chromedp.SendKeys(`#address`, "永定路 70 号"),
		chromedp.Click(`#gps-button`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#gps").textContent.includes("±12")`))
	shoot("newplace")
	a11y(t, ctx, "newplace")
	step(t, ctx, chromedp.Click(`#place-form button[type=submit]`))
	waitScreen(t, ctx, "place")

	// The dust check of the site: the cover is missing.
	goTo(t, ctx, "#/dust/new?place="+testkit.Side("siteplace", "a"))
	waitScreen(t, ctx, "dust")
	step(t, ctx, chromedp.Click(`#done-cover`), chromedp.Click(`#device-sprinkler`))
	shoot("dust")
	a11y(t, ctx, "dust")
	step(t, ctx, chromedp.Click(`#dust-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	goTo(t, ctx, "#/land/new?place="+testkit.Side("land", "a"))
	waitScreen(t, ctx, "land")
	step(t, ctx, fill(`#state`, "covered"), fill(`#treatment`, "green"), chromedp.SendKeys(`#area_m2`, "800"), chromedp.Click(`#land-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-code="dust_land_treatment_mismatch"]`), fill(`#treatment`, "cover"))
	shoot("land")
	a11y(t, ctx, "land")
	step(t, ctx, chromedp.Click(`#land-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	step(t, ctx, chromedp.WaitVisible(`#history`))
	shoot("place-history")
	a11y(t, ctx, "place-history")
	// English, switched on the phone and kept.
	step(t, ctx, chromedp.Click(`#lang`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("nav a").textContent === "Today" && document.querySelector("#sync-now").textContent === "Sync" && document.documentElement.lang === "en"`))
	shoot("place-english")
	a11y(t, ctx, "place-english")
	step(t, ctx, chromedp.Click(`#lang`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("nav a").textContent === "今日"`))

	waitQueued(t, ctx, 0, 0)
	r := s.Do(http.MethodGet, "/api/collections/public_reports/records/"+report, sup, nil).JSON(t)
	if r["inspection"] == "" || r["finding"] == "" {
		t.Fatalf("report after the visit: inspection %v, finding %v", r["inspection"], r["finding"])
	}
	if n := countAs(t, s, sup, "findings", `id = "`+r["finding"].(string)+`" && category = "tutoring.ahead_of_schedule"`); n != 1 {
		t.Fatalf("linked finding: %d", n)
	}
	place := s.Do(http.MethodGet, "/api/collections/places/records?filter="+url.QueryEscape(`name = "永定路搅拌站"`), sup, nil).JSON(t)["items"].([]any)
	if len(place) != 1 {
		t.Fatalf("new places: %d", len(place))
	}
	loc := place[0].(map[string]any)["location"].(map[string]any)
	if loc["lat"] != lat || loc["lon"] != lon {
		t.Fatalf("new place's point: %v", loc)
	}
	site := testkit.Side("siteplace", "a")
	noIssues(t, s, testkit.InspectorA)
	if n := countAs(t, s, sup, "inspections", `programme = "dust" && place = "`+site+`" && result = "fail" && checklist.cover = false && checklist.hoarding = true`); n != 1 {
		t.Fatalf("dust inspections: %d", n)
	}
	if n := countAs(t, s, sup, "findings", `programme = "dust" && place = "`+site+`"`); n != 1 {
		t.Fatalf("dust findings (one missed measure): %d", n)
	}
	if n := countAs(t, s, sup, "bare_land_entries", `place = "`+testkit.Side("land", "a")+`" && state = "covered" && area_m2 = 800`); n != 1 {
		t.Fatalf("bare-land entries: %d", n)
	}
}

// noIssues fails when the server refused, quarantined or conflicted any edit of user: every
// edit the app made must have been accepted as sent.
func noIssues(t *testing.T, s *testkit.Server, user string) {
	t.Helper()
	res := s.Do(http.MethodGet, "/api/collections/sync_issues/records?filter="+url.QueryEscape(`user = "`+user+`"`), s.Token("_superusers", testkit.Superuser), nil)
	if res.Status != http.StatusOK || res.JSON(t)["totalItems"].(float64) != 0 {
		t.Fatalf("sync issues of %s: %d %s", user, res.Status, res.Body)
	}
}

// a11y runs axe-core's WCAG 2.1 AA rules (contrast, names, labels) on the screen shown. Outside
// CI, without axe-core installed (make test installs it), the check alone is left out.
func a11y(t *testing.T, ctx context.Context, screen string) {
	t.Helper()
	src, err := os.ReadFile("../publicweb/testdata/axe/node_modules/axe-core/axe.min.js")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("axe-core is missing: make test runs npm ci in internal/publicweb/testdata/axe")
		}
		return
	}
	browsertest.CheckA11y(t, ctx, string(src), screen)
}
