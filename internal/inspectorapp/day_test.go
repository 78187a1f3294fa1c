package inspectorapp_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

var screenshots = flag.String("app.screenshots", "", "write screenshots of the app's screens at 390×844 to this directory (docs/app)")

// cutter stands between the phone and the server: while cut, every new connection is closed
// unanswered, as when a phone loses its signal (DevTools' offline switch tells the page; this
// makes sure nothing reaches the server by another path, such as the service worker's).
type cutter struct {
	next http.Handler
	cut  atomic.Bool
}

func (c *cutter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.cut.Load() && hangUp(w) {
		return
	}
	c.next.ServeHTTP(w, r)
}

// hangUp closes the request's connection unanswered, as a lost signal does; false when the
// connection cannot be taken over (the request is then answered as usual).
func hangUp(w http.ResponseWriter) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// behindCutter serves s to phones through a cutter the test can cut.
func behindCutter(t *testing.T, s *testkit.Server) (*cutter, *httptest.Server) {
	t.Helper()
	net := &cutter{next: s}
	server := httptest.NewServer(net)
	t.Cleanup(server.Close)
	return net, server
}

// reopenOffline closes the phone's browser (stop) and starts it again on the same profile with
// no network, opening the app at base to today's work: a phone whose browser was killed while
// it had no signal.
func reopenOffline(t *testing.T, stop func(), profile, base string) (context.Context, func()) {
	t.Helper()
	stop()
	ctx, stopAgain := phone(t, profile)
	offline(t, ctx)
	step(t, ctx, chromedp.Navigate(base+"/app/"))
	waitScreen(t, ctx, "home")
	offline(t, ctx)
	return ctx, stopAgain
}

// TestApp_InspectorsOfflineDay follows an inspector's day (issue 15, steps 1–4) at 390×844:
// sign in online and download the subdistrict; cut the network; the app reopens with the
// data; record a finding with two camera photos, order its rectification and record the
// party's acknowledgement, install a smoke alarm, record a tutoring checklist with a
// violation; close the browser and reopen it, still offline: every edit and photo is still
// queued; restore the network: everything syncs by itself, once, and the supervisor sees it
// through REST, the photos stored byte for byte.
func TestApp_InspectorsOfflineDay(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	net, server := behindCutter(t, s)
	sdA := testkit.SubdistrictA
	// A household without a smoke alarm yet, so today's work lists it.
	testkit.Save(t, s.App, "places", "apphomeplace001", map[string]any{"kind": "household", "name": "住户 李", "subdistrict": sdA, "address": "万寿路 8 号院 3 单元"})
	testkit.Save(t, s.App, "households", "apphousehold001", map[string]any{"place": "apphomeplace001", "subdistrict": sdA, "head_name": "李建国", "members": 3})

	profile := t.TempDir()
	ctx, stop := phone(t, profile)
	shoot := func(name string) { browsertest.Shoot(t, ctx, *screenshots, name) }

	// 1. Sign in online: the phone registers and downloads its subdistrict.
	run(t, ctx, chromedp.Navigate(server.URL+"/app/"))
	step(t, ctx, chromedp.WaitVisible(`#signin`))
	step(t, ctx, chromedp.SendKeys(`#email`, "inspectora@fieldsync.test"), chromedp.SendKeys(`#password`, testkit.Password))
	shoot("signin")
	a11y(t, ctx, "signin")
	step(t, ctx, chromedp.Click(`#signin button[type=submit]`))
	waitScreen(t, ctx, "home")
	waitInstalled(t, ctx)
	// Today's work: the fixture's finding of A is overdue; the new household awaits its alarm.
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#work-overdue li").length`)); n < 1 {
		t.Fatalf("overdue findings listed: %d", n)
	}
	if txt := value(t, ctx, chromedp.Text(`#work-alarms`)); !contains(txt, "李建国") {
		t.Fatalf("households to install: %q", txt)
	}
	shoot("home")
	a11y(t, ctx, "home")

	// 2. Cut the network and reload: the app opens from the service worker with the data.
	net.cut.Store(true)
	offline(t, ctx)
	step(t, ctx, chromedp.Reload())
	waitScreen(t, ctx, "home")
	offline(t, ctx)
	if txt := value(t, ctx, chromedp.Text(`#work-overdue`)); !contains(txt, "群租房私拉电线") {
		t.Fatalf("offline home: %q", txt)
	}

	// 3. Offline: a finding with two photos, its order and the party's acknowledgement.
	goTo(t, ctx, "#/places?q="+url.QueryEscape("群租房"))
	waitScreen(t, ctx, "places")
	shoot("places")
	a11y(t, ctx, "places")
	step(t, ctx, chromedp.Click(`#place-list a[data-id="`+testkit.Side("venue", "a")+`"]`))
	waitScreen(t, ctx, "place")
	shoot("place")
	step(t, ctx, chromedp.Click(`#act-finding`))
	waitScreen(t, ctx, "finding-new")
	dir := t.TempDir()
	var files []string
	var sums []string
	for i := range 3 { // two of the finding, one of its re-inspection
		data := testkit.JPEG(t, 40+i)
		f := filepath.Join(dir, fmt.Sprintf("shot%d.jpg", i))
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		sum := sha256.Sum256(data)
		sums = append(sums, hex.EncodeToString(sum[:]))
	}
	// The phone's own checks first: nothing chosen, nothing written.
	step(t, ctx, chromedp.Click(`#finding-form button[type=submit]`), chromedp.WaitVisible(`.refused[data-field="category"]`))
	step(t, ctx,
		fill(`#category`, "fire.wiring"),
		chromedp.SendKeys(`#description`, "三楼楼道私拉电线给电动车充电"),
		chromedp.SetUploadFiles(`#photo-input`, files[:2]),
	)
	value(t, ctx, chromedp.Poll[bool](`document.querySelectorAll("#thumbs img").length === 2`))
	shoot("finding-new")
	a11y(t, ctx, "finding-new")
	step(t, ctx, chromedp.Click(`#finding-form button[type=submit]`))
	waitScreen(t, ctx, "finding")
	// A day in Beijing, as the date picker's minimum (today in Beijing) is.
	deadline := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 20).Format("2006-01-02")
	step(t, ctx, fill(`#deadline`, deadline), chromedp.SendKeys(`#responsible_party`, "万寿路物业公司"),
		chromedp.Click(`#order-form button[type=submit]`), chromedp.WaitVisible(`#ack-form`))
	step(t, ctx, chromedp.SendKeys(`#ack-form #name`, "张经理"), chromedp.Click(`#ack-form button[type=submit]`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelectorAll("#queued-steps li").length === 2`))
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#finding-photos figure[data-state=queued]").length`)); n != 2 {
		t.Fatalf("queued photos shown on the finding: %d", n)
	}
	shoot("finding")
	a11y(t, ctx, "finding")
	// The re-inspection: refused on the phone without a photo, then passed with one.
	step(t, ctx, chromedp.Click(`#reinspect-form button[type=submit]`), chromedp.WaitVisible(`.refused[data-code="reinspection_photos_missing"]`))
	step(t, ctx, fill(`#reinspect-form #result`, "pass"), chromedp.SendKeys(`#reinspect-notes`, "私拉电线已拆除，充电桩已安装"),
		chromedp.SetUploadFiles(`#photo-input`, files[2:]))
	value(t, ctx, chromedp.Poll[bool](`document.querySelectorAll("#thumbs img").length === 1`))
	shoot("reinspect")
	a11y(t, ctx, "reinspect")
	step(t, ctx, chromedp.Click(`#reinspect-form button[type=submit]`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelectorAll("#queued-steps li").length === 3 && !document.querySelector("#reinspect-form")`))
	findingID := value(t, ctx, chromedp.Evaluate[string](`document.querySelector("#view > [data-screen=finding]").dataset.id`))

	// A smoke alarm for the household: an ordinary unit (its household is a general one).
	goTo(t, ctx, "#/install/new?place=apphomeplace001")
	waitScreen(t, ctx, "install")
	step(t, ctx, fill(`#unit_type`, "networked"), chromedp.SendKeys(`#serial`, "sa-2026-000731"),
		chromedp.SendKeys(`#location_in_home`, "客厅"), chromedp.Click(`#install-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-code="alarm_networked_ineligible"]`), chromedp.WaitVisible(`.refused[data-code="alarm_consent_missing"]`))
	shoot("install")
	a11y(t, ctx, "install")
	step(t, ctx, fill(`#unit_type`, "ordinary"), chromedp.Click(`#consent`), chromedp.Click(`#install-form button[type=submit]`))
	waitScreen(t, ctx, "place")

	// The tutoring checklist with a violation found (teaching beyond the curriculum).
	goTo(t, ctx, "#/tutoring/new?place="+testkit.Side("centreplace", "a"))
	waitScreen(t, ctx, "tutoring")
	step(t, ctx, chromedp.Click(`#item-beyond_curriculum`), chromedp.SendKeys(`#notes`, "五年级班讲初中内容"))
	shoot("tutoring")
	a11y(t, ctx, "tutoring")
	step(t, ctx, chromedp.Click(`#tutoring-form button[type=submit]`))
	waitScreen(t, ctx, "place")

	// finding + 2 photos + order + acknowledgement + re-inspection, its photo and its command +
	// install + inspection + its finding.
	const edits = 11
	waitQueued(t, ctx, edits, 3)

	// Close the browser and reopen it, still offline: everything is still queued.
	ctx, stop = reopenOffline(t, stop, profile, server.URL)
	defer stop()
	shoot = func(name string) { browsertest.Shoot(t, ctx, *screenshots, name) }
	waitQueued(t, ctx, edits, 3)
	if got := count(t, s, "findings", `description = "三楼楼道私拉电线给电动车充电"`); got != 0 {
		t.Fatalf("a finding reached the server while the phone was offline: %d", got)
	}

	// 4. Restore the network: the app syncs by itself (the online event) and uploads the photos.
	net.cut.Store(false)
	online(t, ctx)
	waitQueued(t, ctx, 0, 0)
	shoot("synced")
	a11y(t, ctx, "synced")

	sup := s.Token("users", testkit.SupervisorA)
	noIssues(t, s, testkit.InspectorA)
	res := s.Do(http.MethodGet, "/api/collections/findings/records?filter="+url.QueryEscape(`description = "三楼楼道私拉电线给电动车充电"`), sup, nil)
	items := res.JSON(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("findings on the server: %d", len(items))
	}
	f := items[0].(map[string]any)
	// A passing re-inspection with a photo moves the finding on to re-inspected.
	if f["status"] != "reinspected" || f["responsible_party"] != "万寿路物业公司" || f["acknowledged_by_name"] != "张经理" || f["author"] != testkit.InspectorA {
		t.Fatalf("finding: %v", f)
	}
	photos := f["photos"].([]any)
	if len(photos) != 2 {
		t.Fatalf("finding's photos: %v", photos)
	}
	var got []string
	for _, p := range photos {
		ph := s.Do(http.MethodGet, "/api/collections/photos/records/"+p.(string), sup, nil).JSON(t)
		if ph["status"] != "stored" {
			t.Fatalf("photo %s: %v", p, ph)
		}
		body := s.Do(http.MethodGet, "/api/fs/photos/"+p.(string)+"/original", sup, nil)
		sum := sha256.Sum256(body.Body)
		if body.Status != http.StatusOK || hex.EncodeToString(sum[:]) != ph["sha256"] {
			t.Fatalf("photo %s served %d, not the bytes taken", p, body.Status)
		}
		got = append(got, ph["sha256"].(string))
	}
	if !sameSet(got, sums[:2]) {
		t.Fatalf("photos stored %v, taken %v", got, sums)
	}
	if n := countAs(t, s, sup, "smoke_alarm_installs", `serial = "SA-2026-000731" && household = "apphomeplace001" && unit_type = "ordinary" && consent = true`); n != 1 {
		t.Fatalf("installs: %d", n)
	}
	if n := countAs(t, s, sup, "inspections", `programme = "tutoring" && place = "`+testkit.Side("centreplace", "a")+`" && result = "fail" && checklist.beyond_curriculum = true`); n != 1 {
		t.Fatalf("tutoring inspections: %d", n)
	}
	if n := countAs(t, s, sup, "findings", `category = "tutoring.beyond_curriculum" && place = "`+testkit.Side("centreplace", "a")+`"`); n != 1 {
		t.Fatalf("tutoring findings: %d", n)
	}
	if n := countAs(t, s, sup, "photos", `sha256 = "`+sums[0]+`" || sha256 = "`+sums[1]+`"`); n != 2 {
		t.Fatalf("photo records: %d", n)
	}
	insp := s.Do(http.MethodGet, "/api/collections/inspections/records/"+f["reinspection"].(string), sup, nil).JSON(t)
	if insp["kind"] != "reinspection" || insp["result"] != "pass" || insp["place"] != testkit.Side("venue", "a") || insp["programme"] != "fire" {
		t.Fatalf("re-inspection: %v", insp)
	}
	ph, _ := insp["photos"].([]any)
	if len(ph) != 1 || s.Do(http.MethodGet, "/api/collections/photos/records/"+ph[0].(string), sup, nil).JSON(t)["sha256"] != sums[2] {
		t.Fatalf("re-inspection's photos: %v", insp["photos"])
	}

	// Online, the inspector closes the re-inspected (general, so unsupervised) finding.
	goTo(t, ctx, "#/finding/"+findingID)
	step(t, ctx, chromedp.WaitVisible(`#close-form`), chromedp.Click(`#close-form button[type=submit]`))
	waitQueued(t, ctx, 0, 0)
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#view > [data-screen=finding]")?.dataset.status === "closed"`, chromedp.WithPollingTimeout(20*time.Second)))
	closed := s.Do(http.MethodGet, "/api/collections/findings/records/"+findingID, sup, nil).JSON(t)
	if closed["status"] != "closed" || closed["closed_by"] != testkit.InspectorA {
		t.Fatalf("closed finding: %v", closed)
	}
	noIssues(t, s, testkit.InspectorA)
}

func waitScreen(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	t.Logf("%s waiting for %s", time.Now().Format("15:04:05.000"), name)
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(`#view[data-screen="`+name+`"]`)); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.outerHTML`))
		t.Fatalf("screen %s: %v\n%s", name, err, html)
	}
}

// step runs actions with a deadline; on failure it shows what the phone showed.
func step(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, actions...); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.outerHTML`))
		t.Fatalf("%v\n%s", err, html)
	}
}

// goTo moves the app to hash, as a tap on a link would. The screen's name is cleared first
// when the hash changes: otherwise a waitScreen("place") after moving from one place to
// another passes at once, on the old place, before the new screen is drawn.
func goTo(t *testing.T, ctx context.Context, hash string) {
	t.Helper()
	value(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(location.hash !== %[1]q && (document.getElementById("view").dataset.screen = ""), location.hash = %[1]q)`, hash)))
}

// waitQueued waits until the status line shows edits and photos waiting.
func waitQueued(t *testing.T, ctx context.Context, edits, photos int) {
	t.Helper()
	value(t, ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector("#sync-edits")?.dataset.n === "%d" && document.querySelector("#sync-photos")?.dataset.n === "%d"`, edits, photos),
		chromedp.WithPollingTimeout(60*time.Second)))
}

// online gives the phone its network back; the page hears "online".
func online(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := browsertest.SetOffline(ctx, false); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, s *testkit.Server, coll, filter string) int {
	t.Helper()
	return countAs(t, s, s.Token("users", testkit.SupervisorA), coll, filter)
}

func countAs(t *testing.T, s *testkit.Server, token, coll, filter string) int {
	t.Helper()
	res := s.Do(http.MethodGet, "/api/collections/"+coll+"/records?perPage=1&filter="+url.QueryEscape(filter), token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("list %s: %d %s", coll, res.Status, res.Body)
	}
	return int(res.JSON(t)["totalItems"].(float64))
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
