package inspectorapp_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

// TestApp_ConflictAndMoveShowOnThePhone (issue 15, steps 5 and 6): two inspectors of one
// subdistrict edit the same finding's description offline; the phone that syncs second shows
// the conflict in Chinese on the finding and on its home screen, and the supervisor's queue
// holds it. Then the second inspector, offline with an unsent edit, is moved to another
// subdistrict: the edit comes back quarantined and shown as such, and the old subdistrict's
// places and findings leave the phone while the new one's arrive.
func TestApp_ConflictAndMoveShowOnThePhone(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	const second = "appinspector0a2"
	testkit.Save(t, s.App, "users", second, map[string]any{
		"email": "inspector-a2@fieldsync.test", "password": testkit.Password, "verified": true,
		"name": "第二巡查员", "role": "inspector", "subdistricts": []string{testkit.SubdistrictA},
	})
	finding := testkit.Side("finding", "a")
	one := signedInPhone(t, s, "inspectora@fieldsync.test")
	two := signedInPhone(t, s, "inspector-a2@fieldsync.test")

	// Both offline, both edit the description of the same finding.
	for _, p := range []*testPhone{one, two} {
		p.cut(t)
		goTo(t, p.ctx, "#/finding/"+finding)
		waitScreen(t, p.ctx, "finding")
	}
	edit(t, one.ctx, "群租房私拉电线，已拆除一半")
	edit(t, two.ctx, "群租房私拉电线，住户拒绝整改")

	// The first phone syncs first and wins; the second's edit is a conflict.
	one.restore(t)
	waitQueued(t, one.ctx, 0, 0)
	two.restore(t)
	waitQueued(t, two.ctx, 0, 0)
	step(t, two.ctx, chromedp.WaitVisible(`.issue-conflict`))
	if txt := value(t, two.ctx, chromedp.Text(`.issue-conflict`)); !strings.Contains(txt, "冲突") || !strings.Contains(txt, "已拆除一半") || !strings.Contains(txt, "住户拒绝整改") {
		t.Fatalf("conflict shown: %q", txt)
	}
	browsertest.Shoot(t, two.ctx, *screenshots, "conflict")
	a11y(t, two.ctx, "conflict")
	if n := value(t, one.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".issue").length`)); n != 0 {
		t.Fatalf("the winning phone shows %d issues", n)
	}
	sup := s.Token("users", testkit.SupervisorA)
	if n := countAs(t, s, sup, "sync_issues", `kind = "conflict" && record_id = "`+finding+`" && user = "`+second+`" && status = "open"`); n != 1 {
		t.Fatalf("conflicts in the supervisor's queue: %d", n)
	}
	goTo(t, two.ctx, "#/")
	waitScreen(t, two.ctx, "home")
	step(t, two.ctx, chromedp.WaitVisible(`#issues .issue-conflict`))

	// Moved while offline, with an unsent edit.
	two.cut(t)
	goTo(t, two.ctx, "#/finding/"+finding)
	waitScreen(t, two.ctx, "finding")
	edit(t, two.ctx, "调离前离线修改")
	waitQueued(t, two.ctx, 1, 0)
	admin := s.Token("_superusers", testkit.Superuser)
	if res := s.Do(http.MethodPatch, "/api/collections/users/records/"+second, admin, map[string]any{"subdistricts": []string{testkit.SubdistrictB}}); res.Status != http.StatusOK {
		t.Fatalf("move: %d %s", res.Status, res.Body)
	}
	two.restore(t)
	waitQueued(t, two.ctx, 0, 0)
	step(t, two.ctx, chromedp.WaitVisible(`.issue-quarantined`))
	if txt := value(t, two.ctx, chromedp.Evaluate[string](`document.querySelector(".issue-quarantined").textContent`)); !strings.Contains(txt, "你已不再负责该街道") || !strings.Contains(txt, "调离前离线修改") {
		t.Fatalf("quarantine shown: %q", txt)
	}
	// The pull after the push takes the old subdistrict's finding off the phone.
	step(t, two.ctx, chromedp.WaitNotPresent(`#finding-description`))
	if n := value(t, two.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".issue-quarantined").length`)); n != 1 {
		t.Fatalf("quarantine notices after the purge: %d", n)
	}
	browsertest.Shoot(t, two.ctx, *screenshots, "quarantined")
	goTo(t, two.ctx, "#/places")
	waitScreen(t, two.ctx, "places")
	list := value(t, two.ctx, chromedp.Text(`#place-list`))
	if strings.Contains(list, "群租房 a") || !strings.Contains(list, "群租房 b") {
		t.Fatalf("places after the move: %q", list)
	}
	if n := countAs(t, s, sup, "sync_issues", `kind = "quarantined" && user = "`+second+`"`); n != 1 {
		t.Fatalf("quarantined edits in the old subdistrict's queue: %d", n)
	}
}

// testPhone is a signed-in phone with its own way to the server, which the test can cut.
type testPhone struct {
	ctx context.Context
	net *cutter
}

func signedInPhone(t *testing.T, s *testkit.Server, email string) *testPhone {
	t.Helper()
	net, server := behindCutter(t, s)
	ctx, _ := phone(t, t.TempDir())
	signIn(t, ctx, server.URL, email)
	return &testPhone{ctx: ctx, net: net}
}

// signIn opens the app at base, signs in and waits for today's work and the installed shell.
func signIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(base+"/app/"))
	step(t, ctx, chromedp.WaitVisible(`#signin`), chromedp.SendKeys(`#email`, email), chromedp.SendKeys(`#password`, testkit.Password),
		chromedp.Click(`#signin button[type=submit]`))
	waitScreen(t, ctx, "home")
	waitInstalled(t, ctx)
}

func (p *testPhone) cut(t *testing.T) {
	p.net.cut.Store(true)
	offline(t, p.ctx)
}

func (p *testPhone) restore(t *testing.T) {
	p.net.cut.Store(false)
	online(t, p.ctx)
}

// edit replaces the finding's description on the finding screen.
func edit(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	step(t, ctx, fill(`#edit-description`, text), chromedp.Click(`#edit-form button[type=submit]`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#finding-description")?.textContent === decodeURIComponent(`+jsString(text)+`)`))
}

func jsString(s string) string { return "'" + strings.ReplaceAll(url.PathEscape(s), "'", "%27") + "'" }
