package inspectorapp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

// TestApp_EnforcementAndReferrals: on a fire finding the inspector's phone shows the measures
// recorded and the referral with the agency's answer, offers exactly the measures the server
// accepts from an inspector (制止并报告, 移交) and no referral form; a measure recorded offline
// is queued, shown, and stored once with the inspector as its decider. A phone made to queue
// what its screens never offer (the brigade's 查封, a referral) has both refused by the server
// and shown on the finding with their codes. The supervisor's phone refers the finding
// offline; after the sync the server holds the referral and the finding's new agency, and the
// inspector's phone shows it. The fire brigade's phone, which holds the finding referred to it,
// offers the brigade's measures and the answers its referral allows, and both arrive.
func TestApp_EnforcementAndReferrals(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	finding := testkit.Side("finding", "a")
	sup := s.Token("users", testkit.SupervisorA)
	if res := s.Do(http.MethodPost, "/api/fs/commands", s.Token("users", testkit.FireStaff), map[string]any{"name": "referral.acknowledge@1",
		"coll": "referrals", "id": testkit.Side("referral", "a"), "args": map[string]any{"response": "已受理，三日内到场"}}); res.Status != http.StatusOK {
		t.Fatalf("the brigade's answer: %d %s", res.Status, res.Body)
	}

	insp := findingOn(t, s, "inspectora@fieldsync.test", finding)
	step(t, insp.ctx, chromedp.WaitVisible(`#measures li[data-measure="summons"]`))
	ref := value(t, insp.ctx, chromedp.Text(`#referrals li[data-status="acknowledged"]`))
	if !strings.Contains(ref, "海淀消防支队") || !strings.Contains(ref, "已受理，三日内到场") || !strings.Contains(ref, "涉及违法建设") {
		t.Fatalf("referral shown: %q", ref)
	}
	if got := measuresOffered(t, insp); got != "referral,stop_and_report" {
		t.Fatalf("measures offered to an inspector: %q", got)
	}
	if n := value(t, insp.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#refer-form").length`)); n != 0 {
		t.Fatal("an inspector's phone offers a referral, which only a supervisor may make")
	}

	// Offline: 制止并报告, queued and shown.
	insp.cut(t)
	step(t, insp.ctx, fill(`#measure`, "stop_and_report"), fill(`#measure-notes`, "当场制止楼道充电，已报告消防支队"),
		chromedp.Click(`#measure-form button[type=submit]`), chromedp.WaitVisible(`#measures li[data-measure="stop_and_report"][data-dirty="true"]`))
	waitQueued(t, insp.ctx, 1, 0)
	browsertest.Shoot(t, insp.ctx, *screenshots, "finding-casework")
	a11y(t, insp.ctx, "finding-casework")

	// The attacker's phone: its own code queues what no screen offers.
	forge := fmt.Sprintf(`(async () => {
		const sdk = await import("/app/sdk/fieldsync.js");
		const c = await sdk.Client.open({ baseURL: location.origin, dbName: "xcz", appVersion: "xcz-app-1" });
		await c.create("enforcement_actions", { finding: %[1]q, subdistrict: %[2]q, measure: "seal", decided_at: new Date().toISOString().replace("T", " ") });
		await c.command("finding.refer@1", "findings", %[1]q, { agency: %[3]q, deadline: "2030-01-01 15:59:59.000Z", reason: "伪造的吹哨" });
		c.close();
		return true;
	})()`, finding, testkit.SubdistrictA, testkit.AgencyEnv)
	value(t, insp.ctx, chromedp.Evaluate[bool](forge, chromedp.EvalAwaitPromise))
	step(t, insp.ctx, chromedp.Reload())
	waitScreen(t, insp.ctx, "finding")
	offline(t, insp.ctx)
	waitQueued(t, insp.ctx, 3, 0)

	insp.restore(t)
	waitQueued(t, insp.ctx, 0, 0)
	step(t, insp.ctx, chromedp.WaitVisible(`.issue[data-coll="enforcement_actions"] li[data-code="enforcement_not_your_measure"]`),
		chromedp.WaitVisible(`.issue[data-coll="findings"] [data-code="finding_needs_supervisor"]`))
	if txt := value(t, insp.ctx, chromedp.Text(`.issue[data-coll="enforcement_actions"]`)); !strings.Contains(txt, "无权决定此项措施") {
		t.Fatalf("refused measure shown: %q", txt)
	}
	step(t, insp.ctx, chromedp.WaitVisible(`#measures li[data-measure="stop_and_report"][data-dirty="false"]`))
	browsertest.Shoot(t, insp.ctx, *screenshots, "finding-refused-measure")
	a11y(t, insp.ctx, "finding-refused-measure")
	if n := countAs(t, s, sup, "enforcement_actions", `finding = "`+finding+`" && measure = "stop_and_report" && decided_by = "`+testkit.InspectorA+`" && notes = "当场制止楼道充电，已报告消防支队"`); n != 1 {
		t.Fatalf("the inspector's measure on the server: %d", n)
	}
	if n := countAs(t, s, sup, "enforcement_actions", `finding = "`+finding+`" && measure = "seal"`); n != 0 {
		t.Fatalf("a forged seal stored: %d", n)
	}
	if n := countAs(t, s, sup, "referrals", `finding = "`+finding+`"`); n != 1 {
		t.Fatalf("referrals after the forged one: %d", n)
	}

	// The fire brigade's phone: the brigade's measures on the finding referred to it, and the
	// answers its acknowledged referral still allows; it reports the case done, offline.
	brigade := findingOn(t, s, "firestaff@fieldsync.test", finding)
	if got := measuresOffered(t, brigade); got != "seal,stop_production,stop_business,stop_use,detention,fine,summons,exposure,referral" {
		t.Fatalf("measures offered to the fire brigade: %q", got)
	}
	if n := value(t, brigade.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#order-form, #ack-form, #reinspect-form, #close-form, #edit-form").length`)); n != 0 {
		t.Fatalf("the brigade's phone offers %d of the subdistrict's rectification forms", n)
	}
	referral := testkit.Side("referral", "a")
	answers := `[...document.querySelectorAll("#answer-kind-` + referral + ` option")].map((o) => o.value).join(",")`
	if got := value(t, brigade.ctx, chromedp.Evaluate[string](answers)); got != "referral.decline@1,referral.done@1" {
		t.Fatalf("answers offered on an acknowledged referral: %q", got)
	}
	brigade.cut(t)
	step(t, brigade.ctx, fill(`#measure`, "fine"), fill(`#measure-notes`, "罚款五千元"), chromedp.Click(`#measure-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-field="fine_yuan"][data-code="enforcement_fine_amount"]`))
	step(t, brigade.ctx, fill(`#fine_yuan`, "5000"), chromedp.Click(`#measure-form button[type=submit]`),
		chromedp.WaitVisible(`#measures li[data-measure="fine"][data-dirty="true"]`))
	step(t, brigade.ctx, fill(`#answer-kind-`+referral, "referral.done@1"), fill(`#response-`+referral, "已约谈业主，私拉电线已拆除"),
		chromedp.Click(`#answer-`+referral+` button[type=submit]`), chromedp.WaitVisible(`#referrals li[data-id="`+referral+`"] .queued-answer`))
	waitQueued(t, brigade.ctx, 2, 0)
	browsertest.Shoot(t, brigade.ctx, *screenshots, "referral-answer")
	a11y(t, brigade.ctx, "referral-answer")
	brigade.restore(t)
	waitQueued(t, brigade.ctx, 0, 0)
	step(t, brigade.ctx, chromedp.WaitVisible(`#referrals li[data-id="`+referral+`"][data-status="done"]`))
	noIssues(t, s, testkit.FireStaff)
	if r := s.Do(http.MethodGet, "/api/collections/referrals/records/"+referral, sup, nil).JSON(t); r["status"] != "done" || r["response"] != "已约谈业主，私拉电线已拆除" || r["responded_by"] != testkit.FireStaff {
		t.Fatalf("the brigade's answer on the server: %v", r)
	}
	if n := countAs(t, s, sup, "enforcement_actions", `finding = "`+finding+`" && measure = "fine" && fine_yuan = 5000 && decided_by = "`+testkit.FireStaff+`"`); n != 1 {
		t.Fatalf("the brigade's fine on the server: %d", n)
	}

	// The supervisor refers the finding to the environment bureau, offline.
	boss := findingOn(t, s, "supervisora@fieldsync.test", finding)
	if got := measuresOffered(t, boss); got != "referral,stop_and_report" {
		t.Fatalf("measures offered to a supervisor: %q", got)
	}
	boss.cut(t)
	step(t, boss.ctx, chromedp.Click(`#refer-form button[type=submit]`), chromedp.WaitVisible(`#refer-form .refused[data-field="agency"][data-code="referral_terms_missing"]`))
	deadline := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 5).Format("2006-01-02")
	step(t, boss.ctx, fill(`#agency`, testkit.AgencyEnv), fill(`#refer-deadline`, deadline), fill(`#reason`, "楼道堆放易燃物，涉及环保处罚"))
	browsertest.Shoot(t, boss.ctx, *screenshots, "refer")
	a11y(t, boss.ctx, "refer")
	step(t, boss.ctx, chromedp.Click(`#refer-form button[type=submit]`), chromedp.WaitVisible(`#queued-steps`))
	waitQueued(t, boss.ctx, 1, 0)
	if n := countAs(t, s, sup, "referrals", `finding = "`+finding+`" && agency = "`+testkit.AgencyEnv+`"`); n != 0 {
		t.Fatalf("a referral reached the server while the phone was offline: %d", n)
	}
	boss.restore(t)
	waitQueued(t, boss.ctx, 0, 0)
	step(t, boss.ctx, chromedp.WaitVisible(`#referrals li[data-agency="`+testkit.AgencyEnv+`"][data-status="pending"]`))
	noIssues(t, s, testkit.SupervisorA)
	if n := countAs(t, s, sup, "referrals", `finding = "`+finding+`" && agency = "`+testkit.AgencyEnv+`" && status = "pending" && reason = "楼道堆放易燃物，涉及环保处罚" && author = "`+testkit.SupervisorA+`"`); n != 1 {
		t.Fatalf("the supervisor's referral on the server: %d", n)
	}
	if f := s.Do(http.MethodGet, "/api/collections/findings/records/"+finding, sup, nil).JSON(t); f["agency"] != testkit.AgencyEnv {
		t.Fatalf("finding's agency after the referral: %v", f["agency"])
	}

	// The inspector's phone, at its next sync, shows the new referral.
	tapSync(t, insp.ctx)
	step(t, insp.ctx, chromedp.WaitVisible(`#referrals li[data-agency="`+testkit.AgencyEnv+`"]`))
}

// findingOn signs the account of email in on a phone of its own and opens finding there.
func findingOn(t *testing.T, s *testkit.Server, email, finding string) *testPhone {
	t.Helper()
	p := signedInPhone(t, s, email)
	goTo(t, p.ctx, "#/finding/"+finding)
	waitScreen(t, p.ctx, "finding")
	return p
}

// measuresOffered lists the measures the finding's screen offers, in order.
func measuresOffered(t *testing.T, p *testPhone) string {
	t.Helper()
	return value(t, p.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#measure option")].map((o) => o.value).filter(Boolean).join(",")`))
}
