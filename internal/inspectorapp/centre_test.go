package inspectorapp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

// TestApp_CentreRegistrationAndLicence: offline, an inspector registers a new tutoring centre
// from the registration form (the phone first refuses a wrong check character and an
// unexplained "other") and the centre of a place added without one (refused first for an
// unexplained "other" category and a subject mode without academic subjects), and edits the
// licence data of another centre, where the list and the status are not offered; page code
// queues a patch of the white/black list, which no screen offers. The browser restarts
// offline and all six edits are still queued; online they sync: the supervisor reads the new
// places and centres (with the contacts entered, the server's qualification the one the phone
// showed) and the edited licence once each; the forged list is refused and shown on the
// centre's place, and the list is unchanged on the server and the phone. A supervisor's phone
// is offered the status as well and sets it.
func TestApp_CentreRegistrationAndLicence(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	net, server := behindCutter(t, s)
	sup := s.Token("users", testkit.SupervisorA)
	profile := t.TempDir()
	ctx, stop := phone(t, profile)
	shoot := func(name string) { browsertest.Shoot(t, ctx, *screenshots, name) }
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")
	net.cut.Store(true)
	offline(t, ctx)

	// A new centre, from the new-place screen.
	const code = "91110108MA02HD7K4Q"
	goTo(t, ctx, "#/newplace")
	waitScreen(t, ctx, "newplace")
	tap(t, ctx, `#act-centre-new`)
	waitScreen(t, ctx, "centre-new")
	step(t, ctx, fill(`#name`, "启航艺术培训中心"), fill(`#address`, "万寿路 12 号 2 层"), fill(`#credit_code`, code[:17]+"R"),
		fill(`#legal_rep_name`, "周启航"), fill(`#legal_rep_phone`, "13911112222"), fill(`#principal_name`, "吴敏"), fill(`#principal_phone`, "010-68880000"),
		fill(`#sponsor_name`, "周启航"), fill(`#sponsor_type`, "other"),
		chromedp.Click(`#school_licence`), fill(`#licence_no`, "教民111010Q"), fill(`#licence_issuer`, "education"),
		chromedp.Click(`#categories-art`), chromedp.Click(`#categories-subject`), fill(`#mode`, "offline"), fill(`#subject_mode`, "offline"),
		fill(`#trainees_now`, "120"), chromedp.Click(`#centre-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-field="credit_code"][data-code="credit_code_check"]`),
		chromedp.WaitVisible(`.refused[data-field="sponsor_type_other"][data-code="centre_other_unspecified"]`))
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".refused").length`)); n != 2 {
		t.Fatalf("refusals on the registration form: %d, want 2", n)
	}
	step(t, ctx, fill(`#credit_code`, code), fill(`#sponsor_type_other`, "街道文化站"))
	shown := value(t, ctx, chromedp.Text(`#qualification`))
	if shown != "有办学许可证" {
		t.Fatalf("qualification shown: %q", shown)
	}
	shoot("centre-new")
	a11y(t, ctx, "centre-new")
	step(t, ctx, chromedp.Click(`#centre-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	step(t, ctx, chromedp.WaitVisible(`#centre-facts[data-dirty="true"]`))
	facts := value(t, ctx, chromedp.Text(`#centre-facts`))
	if !strings.Contains(facts, code) || !strings.Contains(facts, "教民111010Q") || strings.Contains(facts, "13911112222") || strings.Contains(facts, "周启航") {
		t.Fatalf("the new centre's facts (licence data, no contacts): %q", facts)
	}

	// A centre's place added without its registration: the form registers the centre there.
	goTo(t, ctx, "#/newplace")
	waitScreen(t, ctx, "newplace")
	step(t, ctx, fill(`#kind`, "tutoring_centre"), fill(`#name`, "墨香书法工作室"), fill(`#address`, "万寿路 30 号"), chromedp.Click(`#place-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	tap(t, ctx, `#act-centre-register`)
	waitScreen(t, ctx, "centre-new")
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#centre-form [name=name], #centre-form [name=address]").length`)); n != 0 {
		t.Fatalf("the registration of a known place asks for its name and address again (%d fields)", n)
	}
	step(t, ctx, chromedp.Click(`#categories-other`), fill(`#subject_mode`, "online"), fill(`#business_licence`, "without_education"),
		chromedp.Click(`#centre-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-field="categories_other"][data-code="centre_other_unspecified"]`),
		chromedp.WaitVisible(`.refused[data-field="subject_mode"][data-code="centre_subject_mode_without_subjects"]`))
	step(t, ctx, fill(`#categories_other`, "书法"), fill(`#subject_mode`, ""), chromedp.Click(`#centre-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	step(t, ctx, chromedp.WaitVisible(`#centre-facts[data-dirty="true"] #act-centre-edit`))

	// Another centre's licence data: the list and the status are shown, not offered.
	centrePlace := testkit.Side("centreplace", "a")
	goTo(t, ctx, "#/place/"+centrePlace)
	// This place's own link: until the new hash is drawn, the screen is still the last place's.
	tap(t, ctx, `#act-centre-edit[href="#/centre/edit?place=`+centrePlace+`"]`)
	waitScreen(t, ctx, "centre-edit")
	offered := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#licence-form [name]")].map((e) => e.name).join(",")`))
	if offered != "credit_code,school_licence,licence_no,licence_authority,licence_issuer,legal_registration,business_licence,institution_certificate,registering_authority" {
		t.Fatalf("licence fields offered to an inspector: %q", offered)
	}
	if fixed := value(t, ctx, chromedp.Text(`#licence-fixed`)); !strings.Contains(fixed, "白名单") {
		t.Fatalf("the list shown: %q", fixed)
	}
	step(t, ctx, fill(`#licence_no`, "教民111010a-2026"), fill(`#licence_authority`, "海淀区教育委员会"), fill(`#licence_issuer`, "education"))
	shoot("centre-edit")
	a11y(t, ctx, "centre-edit")
	step(t, ctx, chromedp.Click(`#licence-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	step(t, ctx, chromedp.WaitVisible(`#centre-facts[data-dirty="true"]`))
	if facts := value(t, ctx, chromedp.Text(`#centre-facts`)); !strings.Contains(facts, "教民111010a-2026") {
		t.Fatalf("edited facts: %q", facts)
	}

	// The attacker's page code queues what no screen offers: the centre onto the black list.
	centre := testkit.Side("centre", "a")
	forge := fmt.Sprintf(`(async () => {
		const sdk = await import("/app/sdk/fieldsync.js");
		const c = await sdk.Client.open({ baseURL: location.origin, dbName: "xcz", appVersion: "xcz-app-1" });
		await c.patch("tutoring_centres", %q, { list_status: "black" });
		c.close();
		return true;
	})()`, centre)
	value(t, ctx, chromedp.Evaluate[bool](forge, chromedp.EvalAwaitPromise))
	// The app's own client counts what waits; it hears of the forged edit when the page reloads.
	step(t, ctx, chromedp.Reload())
	waitScreen(t, ctx, "place")
	offline(t, ctx)

	// Two places, two centres, the licence edit, the forged list: still queued after a restart.
	waitQueued(t, ctx, 6, 0)
	ctx, stop = reopenOffline(t, stop, profile, server.URL)
	defer stop()
	shoot = func(name string) { browsertest.Shoot(t, ctx, *screenshots, name) }
	waitQueued(t, ctx, 6, 0)
	if n := count(t, s, "places", `name = "启航艺术培训中心"`); n != 0 {
		t.Fatalf("the new place reached the server while the phone was offline: %d", n)
	}

	net.cut.Store(false)
	online(t, ctx)
	waitQueued(t, ctx, 0, 0)
	goTo(t, ctx, "#/place/"+centrePlace)
	waitScreen(t, ctx, "place")
	step(t, ctx, chromedp.WaitVisible(`.issue[data-coll="tutoring_centres"] li[data-code="protected_field"]`))
	if txt := value(t, ctx, chromedp.Text(`.issue[data-coll="tutoring_centres"]`)); !strings.Contains(txt, "服务器未接受") || !strings.Contains(txt, "黑白名单") {
		t.Fatalf("refused list shown: %q", txt)
	}
	// The list stands on the phone as on the server, and the synced licence edit is there.
	value(t, ctx, chromedp.Poll[bool](`(() => { const f = document.querySelector("#centre-facts[data-dirty=false]")?.textContent ?? "";
		return f.includes("白名单") && !f.includes("黑名单") && f.includes("教民111010a-2026") })()`))
	shoot("centre-refused")
	a11y(t, ctx, "centre-refused")

	// The supervisor reads each once, through REST.
	places := s.Do(http.MethodGet, "/api/collections/places/records?filter="+url.QueryEscape(`name = "启航艺术培训中心"`), sup, nil).JSON(t)["items"].([]any)
	if len(places) != 1 {
		t.Fatalf("new places on the server: %d", len(places))
	}
	p := places[0].(map[string]any)
	if p["kind"] != "tutoring_centre" || p["address"] != "万寿路 12 号 2 层" || p["subdistrict"] != testkit.SubdistrictA || p["author"] != testkit.InspectorA {
		t.Fatalf("new place: %v", p)
	}
	centres := s.Do(http.MethodGet, "/api/collections/tutoring_centres/records?filter="+url.QueryEscape(`place = "`+p["id"].(string)+`"`), sup, nil).JSON(t)["items"].([]any)
	if len(centres) != 1 {
		t.Fatalf("centres at the new place: %d", len(centres))
	}
	c := centres[0].(map[string]any)
	for field, want := range map[string]any{"credit_code": code, "qualification": "licensed", "school_licence": true, "licence_no": "教民111010Q",
		"licence_issuer": "education", "legal_rep_name": "周启航", "legal_rep_phone": "13911112222", "principal_phone": "010-68880000",
		"sponsor_type": "other", "sponsor_type_other": "街道文化站", "mode": "offline", "subject_mode": "offline", "trainees_now": float64(120),
		"list_status": "none", "status": "operating", "author": testkit.InspectorA} {
		if c[field] != want {
			t.Errorf("new centre's %s = %v, want %v", field, c[field], want)
		}
	}
	if cats := fmt.Sprint(c["categories"]); cats != "[subject art]" {
		t.Errorf("new centre's categories: %s", cats)
	}
	if n := countAs(t, s, sup, "tutoring_centres", `credit_code = "`+code+`"`); n != 1 {
		t.Fatalf("centres with the new code: %d", n)
	}
	if n := countAs(t, s, sup, "tutoring_centres", `place.name = "墨香书法工作室" && categories ~ "other" && categories_other = "书法" && subject_mode = "" && licence_no = "" && qualification = "business_without_education"`); n != 1 {
		t.Fatalf("the centre registered at the added place: %d", n)
	}
	a := s.Do(http.MethodGet, "/api/collections/tutoring_centres/records/"+centre, sup, nil).JSON(t)
	if a["licence_no"] != "教民111010a-2026" || a["licence_authority"] != "海淀区教育委员会" || a["licence_issuer"] != "education" || a["list_status"] != "white" {
		t.Fatalf("the edited centre: %v", a)
	}
	if n := countAs(t, s, s.Token("_superusers", testkit.Superuser), "sync_issues", `user = "`+testkit.InspectorA+`"`); n != 1 {
		t.Fatalf("sync issues of the inspector: %d, want the one forged list", n)
	}

	// A supervisor's phone is offered the centre's status too, and sets it.
	boss := signedInPhone(t, s, "supervisora@fieldsync.test")
	goTo(t, boss.ctx, "#/centre/edit?place="+centrePlace)
	waitScreen(t, boss.ctx, "centre-edit")
	if got := value(t, boss.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#licence-form [name]")].map((e) => e.name).slice(-1).join()`)); got != "status" {
		t.Fatalf("the supervisor's last licence field: %q, want status", got)
	}
	step(t, boss.ctx, fill(`#status`, "rectifying"), chromedp.Click(`#licence-form button[type=submit]`))
	waitScreen(t, boss.ctx, "place")
	waitQueued(t, boss.ctx, 0, 0)
	noIssues(t, s, testkit.SupervisorA)
	if a := s.Do(http.MethodGet, "/api/collections/tutoring_centres/records/"+centre, sup, nil).JSON(t); a["status"] != "rectifying" || a["list_status"] != "white" {
		t.Fatalf("the centre after the supervisor's edit: status %v, list %v", a["status"], a["list_status"])
	}
}
