package inspectorapp_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

// TestApp_FollowupsCentresReportPhotosAndAccuracy: signed in online, the phone keeps the
// photo of the public report assigned to the inspector; offline, the report shows it. Still
// offline the inspector records a smoke-alarm follow-up that replaced the unit (the phone
// first refuses a replacement without a test), reads a tutoring centre's licence data and
// records an incident there (refused first without its kind), and adds a place whose GPS fix
// is kept with its accuracy. Back online all of it syncs once and the supervisor reads it
// through REST; the report, given to another inspector, leaves the phone's kept photos, and a
// revoked phone keeps none.
func TestApp_FollowupsCentresReportPhotosAndAccuracy(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	net, server := behindCutter(t, s)
	sup := s.Token("users", testkit.SupervisorA)
	// A unit of subdistrict B already carries this serial.
	const takenSerial = "HDYG-B-2026-00001"
	testkit.Save(t, s.App, "smoke_alarm_followups", "appfollowupb001", map[string]any{"install": testkit.Side("install", "b"), "subdistrict": testkit.SubdistrictB,
		"visited_on": "2026-01-05 02:00:00.000Z", "result": "pass", "new_serial": takenSerial})
	report := publicReportWithPhoto(t, s)
	assign(t, s, report, testkit.InspectorA)

	lat, lon := 39.9081, 116.2795
	ctx := phoneAt(t, lat, lon, 8)
	shoot := func(name string) { browsertest.Shoot(t, ctx, *screenshots, name) }
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")
	waitKeptPhotos(t, ctx, 1)

	// Offline, after a reload: the report's photo is on the phone.
	net.cut.Store(true)
	offline(t, ctx)
	step(t, ctx, chromedp.Reload())
	waitScreen(t, ctx, "home")
	offline(t, ctx)
	goTo(t, ctx, "#/report/"+report)
	waitScreen(t, ctx, "report")
	step(t, ctx, chromedp.WaitVisible(`#report-photos[data-kept="1"] img[src^="blob:"]`), chromedp.WaitVisible(`#report-photos-kept`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#report-photos img").naturalWidth === 64`))
	shoot("report-offline")
	a11y(t, ctx, "report-offline")

	// A follow-up of the household's networked unit, which was replaced.
	home := testkit.Side("home", "a")
	goTo(t, ctx, "#/place/"+home)
	waitScreen(t, ctx, "place")
	step(t, ctx, chromedp.Click(`#act-followup`))
	waitScreen(t, ctx, "followup")
	step(t, ctx, fill(`#result`, "pass"), fill(`#new_serial`, "HDYG 00999"), chromedp.Click(`#followup-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-field="new_serial"][data-code="alarm_serial_format"]`))
	step(t, ctx, fill(`#result`, "not_present"), fill(`#new_serial`, "hdyg-w-2026-00999"), chromedp.Click(`#followup-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-field="result"][data-code="alarm_replacement_untested"]`))
	shot := filepath.Join(t.TempDir(), "unit.jpg")
	data := testkit.JPEG(t, 77)
	if err := os.WriteFile(shot, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	step(t, ctx, fill(`#result`, "pass"), fill(`#followup-notes`, "旧装置电池鼓包，已更换并试响"), chromedp.SetUploadFiles(`#photo-input`, []string{shot}))
	value(t, ctx, chromedp.Poll[bool](`document.querySelectorAll("#thumbs img").length === 1`))
	shoot("followup")
	a11y(t, ctx, "followup")
	step(t, ctx, chromedp.Click(`#followup-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	step(t, ctx, chromedp.WaitVisible(`#history [data-followup][data-dirty="true"]`))
	// A second replacement whose serial a unit of subdistrict B holds: the phone cannot know
	// it; the server refuses it.
	step(t, ctx, chromedp.Click(`#act-followup`))
	waitScreen(t, ctx, "followup")
	step(t, ctx, fill(`#result`, "pass"), fill(`#new_serial`, takenSerial), chromedp.Click(`#followup-form button[type=submit]`))
	waitScreen(t, ctx, "place")

	// The centre's licence data, and an incident there.
	centre := testkit.Side("centreplace", "a")
	goTo(t, ctx, "#/place/"+centre)
	waitScreen(t, ctx, "place")
	facts := value(t, ctx, chromedp.Text(`#centre-facts`))
	for _, want := range []string{"91110108MA01ABCD5T", "教民111010a", "许可证号"} {
		if !strings.Contains(facts, want) {
			t.Fatalf("centre facts lack %q: %q", want, facts)
		}
	}
	if strings.Contains(facts, "13900000000") || strings.Contains(facts, "张法人") {
		t.Fatalf("centre facts show the legal representative's contact: %q", facts)
	}
	shoot("centre")
	a11y(t, ctx, "centre")
	step(t, ctx, chromedp.Click(`#act-incident`))
	waitScreen(t, ctx, "incident")
	step(t, ctx, fill(`#incident-description`, "二十余名家长在门口聚集要求退费"), chromedp.Click(`#incident-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-field="kind"]`))
	step(t, ctx, fill(`#kind`, "parent_group"), fill(`#incident-handling`, "已联系教委，机构承诺三日内退费"))
	shoot("incident")
	a11y(t, ctx, "incident")
	step(t, ctx, chromedp.Click(`#incident-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	step(t, ctx, chromedp.WaitVisible(`#history [data-incident][data-dirty="true"]`))

	// A new place with the GPS fix and its accuracy; a fix vaguer than 10 km is refused.
	moveTo(t, ctx, lat, lon, 20_000)
	goTo(t, ctx, "#/newplace")
	waitScreen(t, ctx, "newplace")
	step(t, ctx, fill(`#kind`, "venue"), fill(`#venue_type`, "group_rental"), fill(`#name`, "复兴路群租房"), fill(`#address`, "复兴路 20 号"),
		chromedp.Click(`#gps-button`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#gps").textContent.includes("±20000")`))
	step(t, ctx, chromedp.Click(`#place-form button[type=submit]`), chromedp.WaitVisible(`.refused[data-code="location_accuracy_range"]`))
	moveTo(t, ctx, lat, lon, 8)
	step(t, ctx, chromedp.Click(`#gps-button`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#gps").textContent.includes("±8")`))
	step(t, ctx, chromedp.Click(`#place-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	if txt := value(t, ctx, chromedp.Text(`#place-point`)); !strings.Contains(txt, "±8") {
		t.Fatalf("place's point: %q", txt)
	}

	// two follow-ups and the first one's photo record, incident, place; the follow-up's photo.
	waitQueued(t, ctx, 5, 1)
	net.cut.Store(false)
	online(t, ctx)
	waitQueued(t, ctx, 0, 0)
	// The refused follow-up shows on the household's place, in Chinese, with its code.
	goTo(t, ctx, "#/place/"+home)
	waitScreen(t, ctx, "place")
	step(t, ctx, chromedp.WaitVisible(`.issue[data-coll="smoke_alarm_followups"] li[data-code="alarm_serial_taken"]`))
	if txt := value(t, ctx, chromedp.Text(`.issue[data-coll="smoke_alarm_followups"]`)); !strings.Contains(txt, "服务器未接受") {
		t.Fatalf("refused follow-up shown: %q", txt)
	}
	shoot("place-refused-followup")
	a11y(t, ctx, "place-refused-followup")
	if n := countAs(t, s, s.Token("_superusers", testkit.Superuser), "sync_issues", `user = "`+testkit.InspectorA+`"`); n != 1 {
		t.Fatalf("sync issues of the inspector: %d, want the one refused follow-up", n)
	}
	if n := countAs(t, s, s.Token("_superusers", testkit.Superuser), "smoke_alarm_followups", `new_serial = "`+takenSerial+`"`); n != 1 {
		t.Fatalf("follow-ups with the taken serial: %d (B's alone)", n)
	}

	install := testkit.Side("install", "a")
	res := s.Do(http.MethodGet, "/api/collections/smoke_alarm_followups/records?filter="+url.QueryEscape(`install = "`+install+`" && new_serial = "HDYG-W-2026-00999"`), sup, nil)
	items, _ := res.JSON(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("follow-ups on the server: %s", res.Body)
	}
	fu := items[0].(map[string]any)
	photos, _ := fu["photos"].([]any)
	if fu["result"] != "pass" || fu["inspector"] != testkit.InspectorA || fu["notes"] != "旧装置电池鼓包，已更换并试响" || len(photos) != 1 {
		t.Fatalf("follow-up: %v", fu)
	}
	if ph := s.Do(http.MethodGet, "/api/collections/photos/records/"+photos[0].(string), sup, nil).JSON(t); ph["sha256"] != hex.EncodeToString(sum[:]) || ph["status"] != "stored" {
		t.Fatalf("follow-up's photo: %v", ph)
	}
	if n := countAs(t, s, sup, "tutoring_incidents", `place = "`+centre+`" && kind = "parent_group" && description = "二十余名家长在门口聚集要求退费" && handling = "已联系教委，机构承诺三日内退费" && author = "`+testkit.InspectorA+`"`); n != 1 {
		t.Fatalf("incidents: %d", n)
	}
	if n := countAs(t, s, sup, "places", `name = "复兴路群租房" && location_accuracy_m = 8 && location.lat = 39.9081`); n != 1 {
		t.Fatalf("new place with its accuracy: %d", n)
	}

	// The report goes to another inspector: its photo leaves this phone at the next sync.
	const other = "appinspector0a3"
	testkit.Save(t, s.App, "users", other, map[string]any{"email": "inspector-a3@fieldsync.test", "password": testkit.Password, "verified": true,
		"name": "第三巡查员", "role": "inspector", "subdistricts": []string{testkit.SubdistrictA}})
	assign(t, s, report, other)
	tapSync(t, ctx)
	waitKeptPhotos(t, ctx, 0)

	// Given back, it is kept again; the phone revoked, nothing is kept.
	assign(t, s, report, testkit.InspectorA)
	tapSync(t, ctx)
	waitKeptPhotos(t, ctx, 1)
	client, err := s.App.FindFirstRecordByData("sync_clients", "user", testkit.InspectorA)
	if err != nil {
		t.Fatal(err)
	}
	if res := s.Do(http.MethodPatch, "/api/collections/sync_clients/records/"+client.Id, s.Token("_superusers", testkit.Superuser), map[string]any{"revoked": true}); res.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", res.Status, res.Body)
	}
	tapSync(t, ctx)
	waitScreen(t, ctx, "revoked")
	waitKeptPhotos(t, ctx, 0)
}

// phoneAt starts a phone that may use its position and is at lat, lon with the accuracy acc
// (metres).
func phoneAt(t *testing.T, lat, lon, acc float64) context.Context {
	t.Helper()
	ctx, _ := phone(t, t.TempDir())
	if _, err := chromedp.Call(ctx, browser.SetPermission, browser.SetPermissionParams{Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted}); err != nil {
		t.Fatal(err)
	}
	moveTo(t, ctx, lat, lon, acc)
	return ctx
}

// moveTo sets the phone's position.
func moveTo(t *testing.T, ctx context.Context, lat, lon, acc float64) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc}); err != nil {
		t.Fatal(err)
	}
}

// tapSync taps 同步. In the page, at once: the status line redraws its button on every change
// the sync makes, so a click that first finds the node and then taps it may find it gone.
func tapSync(t *testing.T, ctx context.Context) {
	t.Helper()
	tap(t, ctx, "#sync-now")
}

// tap taps the element sel once it is there and enabled, finding and tapping it in one step in
// the page: a screen redrawn in the background (after a local edit or a sync) replaces its
// nodes, so a DevTools click may aim at a node that is gone.
func tap(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	value(t, ctx, chromedp.Poll[bool](fmt.Sprintf(`(() => { const b = document.querySelector(%q); if (!b || b.disabled) return false; b.click(); return true })()`, sel)))
}

// waitKeptPhotos waits until the phone keeps n report photos.
func waitKeptPhotos(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	value(t, ctx, chromedp.Poll[bool](fmt.Sprintf(`caches.open("xcz-report-photos").then((c) => c.keys()).then((k) => k.length === %d)`, n)))
}

func assign(t *testing.T, s *testkit.Server, report, inspector string) {
	t.Helper()
	if res := s.Do(http.MethodPost, "/api/fs/commands", s.Token("users", testkit.SupervisorA), map[string]any{"name": "report.assign@1", "coll": "public_reports", "id": report,
		"args": map[string]any{"inspector": inspector}}); res.Status != http.StatusOK {
		t.Fatalf("assign: %d %s", res.Status, res.Body)
	}
}

// publicReportWithPhoto files a public report of subdistrict A with one 64×48 photo, as a
// resident's phone does (public upload, then the report), and returns its id.
func publicReportWithPhoto(t *testing.T, s *testkit.Server) string {
	t.Helper()
	jpg := testkit.JPEG(t, 5)
	sum := sha256.Sum256(jpg)
	device := map[string]string{"X-Fieldsync-Device": "app-test-resident", "Content-Type": "application/json"}
	announce, _ := json.Marshal(map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": len(jpg), "mime": "image/jpeg", "subdistrict": testkit.SubdistrictA})
	var up struct{ ID, Photo string }
	if res := s.DoRaw(http.MethodPost, "/api/fs/blobs/public/uploads", "", device, announce); res.Status >= 300 || json.Unmarshal(res.Body, &up) != nil {
		t.Fatalf("announce: %d %s", res.Status, res.Body)
	}
	// The finished upload answers with the photo's record id.
	if res := s.DoRaw(http.MethodPatch, "/api/fs/blobs/uploads/"+up.ID, "", map[string]string{"X-Fieldsync-Device": "app-test-resident",
		"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0", "Tus-Resumable": "1.0.0"}, jpg); res.Status >= 300 || json.Unmarshal(res.Body, &up) != nil {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	body, _ := json.Marshal(map[string]any{"idempotency_key": "app-report-photo-01", "category": "fire", "subdistrict": testkit.SubdistrictA,
		"address": "测试路 1 号 a 楼道", "description": "楼道堆放电动车电池", "photos": []string{up.Photo}})
	res := s.DoRaw(http.MethodPost, "/api/fs/reports", "", device, body)
	if res.Status >= 300 {
		t.Fatalf("report: %d %s", res.Status, res.Body)
	}
	r, err := s.App.FindFirstRecordByData("public_reports", "tracking_no", res.JSON(t)["tracking_no"])
	if err != nil {
		t.Fatal(err)
	}
	return r.Id
}
