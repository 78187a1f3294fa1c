package inspectorapp_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

// TestApp_DraftSurvivesABrowserRestart: offline, the inspector half fills a new finding's
// form (category, description, one camera photo) and the browser is killed; restarted on the
// same profile, still offline, the same form comes back filled, photo included, and says so.
// Saved, it syncs once online: the supervisor reads through REST exactly one finding with the
// typed text and the photo's bytes; the form opened again is empty, its draft gone.
func TestApp_DraftSurvivesABrowserRestart(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	net, server := behindCutter(t, s)
	profile := t.TempDir()
	ctx, stop := phone(t, profile)
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")
	net.cut.Store(true)
	offline(t, ctx)

	const typed = "消防通道堆放纸箱，宽度不足一米"
	place := testkit.Side("venue", "a")
	newFinding := "#/finding/new?place=" + place
	shot := testkit.JPEG(t, 91)
	file := filepath.Join(t.TempDir(), "shot.jpg")
	if err := os.WriteFile(file, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	goTo(t, ctx, newFinding)
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, fill(`#category`, "fire.evacuation"), chromedp.SendKeys(`#description`, typed), chromedp.SetUploadFiles(`#photo-input`, []string{file}))
	value(t, ctx, chromedp.Poll[bool](`document.querySelectorAll("#thumbs img").length === 1`))
	waitDraftSaved(t, ctx, "#finding-form")

	ctx, stop = reopenOffline(t, stop, profile, server.URL)
	defer stop()
	goTo(t, ctx, newFinding)
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.WaitVisible(`#finding-form .draft-note`))
	if got := formValues(t, ctx, "#category", "#description"); got[0] != "fire.evacuation" || got[1] != typed {
		t.Fatalf("the restored form holds %q; drafts kept %v", got, draftsKept(t, ctx))
	}
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#thumbs img").length`)); n != 1 {
		t.Fatalf("the restored form shows %d photos", n)
	}
	if note := value(t, ctx, chromedp.Text(`#finding-form .draft-note`)); !contains(note, "已恢复未保存的草稿") || !contains(note, "含照片 1 张") {
		t.Fatalf("the form says %q", note)
	}
	browsertest.Shoot(t, ctx, *screenshots, "finding-draft")
	a11y(t, ctx, "finding-draft")

	step(t, ctx, chromedp.Click(`#finding-form button[type=submit]`))
	waitScreen(t, ctx, "finding")
	waitQueued(t, ctx, 2, 1) // the finding and its photo record; the photo's bytes
	goTo(t, ctx, newFinding)
	waitScreen(t, ctx, "finding-new")
	if got := formValues(t, ctx, "#description"); got[0] != "" || value(t, ctx, chromedp.Evaluate[bool](`!!document.querySelector(".draft-note")`)) {
		t.Fatalf("the form opened again after the save holds %q or a draft note", got)
	}
	if kept := draftsKept(t, ctx); len(kept) != 0 {
		t.Fatalf("drafts kept after the save: %v", kept)
	}

	net.cut.Store(false)
	online(t, ctx)
	waitQueued(t, ctx, 0, 0)
	sup := s.Token("users", testkit.SupervisorA)
	res := s.Do(http.MethodGet, "/api/collections/findings/records?filter="+url.QueryEscape(`place = "`+place+`" && category = "fire.evacuation"`), sup, nil)
	items, _ := res.JSON(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("the server holds %d such findings: %s", len(items), res.Body)
	}
	f := items[0].(map[string]any)
	photos, _ := f["photos"].([]any)
	if f["description"] != typed || f["author"] != testkit.InspectorA || len(photos) != 1 {
		t.Fatalf("finding: %v", f)
	}
	sum := sha256.Sum256(shot)
	if got := s.Do(http.MethodGet, "/api/collections/photos/records/"+photos[0].(string), sup, nil).JSON(t)["sha256"]; got != hex.EncodeToString(sum[:]) {
		t.Fatalf("the finding's photo is %v, not the one taken", got)
	}
	noIssues(t, s, testkit.InspectorA)
}

// TestApp_DraftsKeepToTheirFormAndRecord: a draft of a new finding at place X does not show in
// the form for place Y; a save the phone refuses keeps its draft through a reload; discarding
// empties the form for good; an edit of a finding keeps its draft under that finding; a
// draft older than 14 days is dropped; a new place's GPS fix is kept with its draft.
func TestApp_DraftsKeepToTheirFormAndRecord(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	ctx := phoneAt(t, 39.9075, 116.2901, 8)
	signIn(t, ctx, s.URL, "inspectora@fieldsync.test")
	atX := "#/finding/new?place=" + testkit.Side("venue", "a")
	atY := "#/finding/new?place=" + testkit.Side("centreplace", "a")
	noNote := func(where string) {
		t.Helper()
		if value(t, ctx, chromedp.Evaluate[bool](`!!document.querySelector(".draft-note")`)) {
			t.Fatalf("%s: a draft note shows", where)
		}
	}

	goTo(t, ctx, atX)
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.SendKeys(`#description`, "甲处：灭火器过期"))
	waitDraftSaved(t, ctx, "#finding-form")

	goTo(t, ctx, atY)
	waitScreen(t, ctx, "finding-new")
	if got := formValues(t, ctx, "#description"); got[0] != "" {
		t.Fatalf("the form for place Y holds %q", got[0])
	}
	noNote("place Y")
	// Refused on the phone (no category): the draft stays, through a reload.
	step(t, ctx, chromedp.SendKeys(`#description`, "乙处：安全出口上锁"), chromedp.Click(`#finding-form button[type=submit]`),
		chromedp.WaitVisible(`.refused[data-field="category"]`))
	waitDraftSaved(t, ctx, "#finding-form")
	run(t, ctx, chromedp.Reload())
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.WaitVisible(`#finding-form .draft-note`))
	if got := formValues(t, ctx, "#description"); got[0] != "乙处：安全出口上锁" {
		t.Fatalf("after the refused save and a reload the form holds %q", got[0])
	}

	goTo(t, ctx, atX)
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.WaitVisible(`#finding-form .draft-note`))
	if got := formValues(t, ctx, "#description"); got[0] != "甲处：灭火器过期" {
		t.Fatalf("the form for place X holds %q", got[0])
	}
	tap(t, ctx, ".draft-discard")
	value(t, ctx, chromedp.Poll[bool](`!document.querySelector(".draft-note") && document.querySelector("#description")?.value === ""`))
	goTo(t, ctx, "#/")
	waitScreen(t, ctx, "home")
	goTo(t, ctx, atX)
	waitScreen(t, ctx, "finding-new")
	if got := formValues(t, ctx, "#description"); got[0] != "" {
		t.Fatalf("the discarded draft came back: %q", got[0])
	}
	noNote("place X after the discard")

	// An edit of finding F: kept under F, through a reload.
	finding := testkit.Side("finding", "a")
	goTo(t, ctx, "#/finding/"+finding)
	waitScreen(t, ctx, "finding")
	step(t, ctx, fill(`#edit-description`, "改写了一半的描述"))
	waitDraftSaved(t, ctx, "#edit-form")
	run(t, ctx, chromedp.Reload())
	waitScreen(t, ctx, "finding")
	step(t, ctx, chromedp.WaitVisible(`#edit-form .draft-note`))
	if got := formValues(t, ctx, "#edit-description"); got[0] != "改写了一半的描述" {
		t.Fatalf("the edit of %s holds %q after a reload", finding, got[0])
	}
	routes := map[string]bool{}
	for _, d := range draftsKept(t, ctx) {
		routes[d.Form+" "+d.Route] = true
	}
	if want := []string{"finding-form " + atY, "edit-form #/finding/" + finding}; len(routes) != 2 || !routes[want[0]] || !routes[want[1]] {
		t.Fatalf("drafts kept: %v, want %v", routes, want)
	}

	// Kept 14 days (draftKeepDays): the draft at Y aged 13 days comes back, one at X aged 15
	// days is dropped when the app opens.
	value(t, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`new Promise((ok, no) => {
		const r = indexedDB.open("xcz-drafts");
		r.onsuccess = () => {
			const tx = r.result.transaction("drafts", "readwrite"), s = tx.objectStore("drafts"), day = 86400e3;
			s.getAll().onsuccess = (e) => {
				const y = e.target.result.find((d) => d.route === %[1]q);
				s.put({ ...y, saved: Date.now() - 13 * day });
				s.put({ ...y, key: y.key.replace(%[1]q, %[2]q), route: %[2]q, saved: Date.now() - 15 * day, fields: [{ name: "description", value: "过期草稿" }] });
			};
			tx.oncomplete = () => { r.result.close(); ok(true); };
			tx.onerror = () => no(tx.error);
		};
	})`, atY, atX), chromedp.EvalAwaitPromise))
	if n := len(draftsKept(t, ctx)); n != 3 {
		t.Fatalf("%d drafts before the reload, not 3", n)
	}
	run(t, ctx, chromedp.Reload())
	waitScreen(t, ctx, "finding")
	goTo(t, ctx, atX)
	waitScreen(t, ctx, "finding-new")
	if got := formValues(t, ctx, "#description"); got[0] != "" {
		t.Fatalf("a draft 15 days old came back: %q", got[0])
	}
	goTo(t, ctx, atY)
	waitScreen(t, ctx, "finding-new")
	if got := formValues(t, ctx, "#description"); got[0] != "乙处：安全出口上锁" {
		t.Fatalf("the draft 13 days old holds %q", got[0])
	}
	if n := len(draftsKept(t, ctx)); n != 2 {
		t.Fatalf("%d drafts after the reload, not 2", n)
	}

	// A new place's GPS fix is kept with its draft, and saved with the place.
	goTo(t, ctx, "#/newplace")
	waitScreen(t, ctx, "newplace")
	step(t, ctx, fill(`#kind`, "venue"), chromedp.SendKeys(`#name`, "定位草稿测试点"), chromedp.SendKeys(`#address`, "万寿路 1 号"),
		chromedp.Click(`#gps-button`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#gps").textContent.includes("±8")`))
	waitDraftSaved(t, ctx, "#place-form")
	run(t, ctx, chromedp.Reload())
	waitScreen(t, ctx, "newplace")
	step(t, ctx, chromedp.WaitVisible(`#place-form .draft-note`))
	if got := value(t, ctx, chromedp.Text(`#gps`)); !contains(got, "39.907500") || !contains(got, "±8") {
		t.Fatalf("the restored place form's point: %q", got)
	}
	step(t, ctx, chromedp.Click(`#place-form button[type=submit]`))
	waitScreen(t, ctx, "place")
	if got := value(t, ctx, chromedp.Text(`#place-point`)); !contains(got, "39.9075") || !contains(got, "±8") {
		t.Fatalf("the saved place's point: %q", got)
	}
}

// waitDraftSaved waits until form sel's draft, as it stands, is written on the phone.
func waitDraftSaved(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	value(t, ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector(%q)?.dataset.draft === "saved"`, sel)))
}

// formValues are the values of the fields sels.
func formValues(t *testing.T, ctx context.Context, sels ...string) []string {
	t.Helper()
	out := make([]string, len(sels))
	for i, sel := range sels {
		out[i] = value(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.value ?? "(none)"`, sel)))
	}
	return out
}

type keptDraft struct {
	User   string `json:"user"`
	Form   string `json:"form"`
	Route  string `json:"route"`
	Fields string `json:"fields"`
}

// draftsKept reads every draft the phone keeps, from the app's drafts database.
func draftsKept(t *testing.T, ctx context.Context) []keptDraft {
	t.Helper()
	return value(t, ctx, chromedp.Evaluate[[]keptDraft](`new Promise((ok, no) => {
		const r = indexedDB.open("xcz-drafts");
		r.onerror = () => no(r.error);
		r.onupgradeneeded = () => r.result.createObjectStore("drafts", { keyPath: "key" });
		r.onsuccess = () => {
			const all = r.result.transaction("drafts").objectStore("drafts").getAll();
			all.onsuccess = () => { r.result.close(); ok(all.result.map((d) => ({ user: d.user, form: d.form, route: d.route, fields: JSON.stringify(d.fields) }))); };
		};
	})`, chromedp.EvalAwaitPromise))
}

// TestApp_DraftsLeaveWithTheirUser: drafts belong to the user signed in. A's sign-in expires
// (the server renews A's token key): the sign-in screen shows, A's draft is kept for A and
// comes back when A signs in again. A's 退出 is refused while an edit waits to be uploaded,
// then, synced, leaves the phone with nothing of A's: no draft, no store. Another user signing
// in on the same phone finds the form empty. A revoked phone keeps no draft.
func TestApp_DraftsLeaveWithTheirUser(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	net, server := behindCutter(t, s)
	ctx, _ := phone(t, t.TempDir())
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")
	atX := "#/finding/new?place=" + testkit.Side("venue", "a")
	const typed = "楼道内电动车充电"
	goTo(t, ctx, atX)
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.SendKeys(`#description`, typed))
	waitDraftSaved(t, ctx, "#finding-form")

	// A's sign-in expires: the sign-in screen, A's draft kept for A.
	u, err := s.App.FindRecordById("users", testkit.InspectorA)
	if err != nil {
		t.Fatal(err)
	}
	u.RefreshTokenKey()
	if err := s.App.Save(u); err != nil {
		t.Fatal(err)
	}
	tapSync(t, ctx)
	waitScreen(t, ctx, "signin")
	if kept := draftsKept(t, ctx); len(kept) != 1 || kept[0].User != testkit.InspectorA {
		t.Fatalf("drafts kept while signed out: %v", kept)
	}
	step(t, ctx, chromedp.SendKeys(`#email`, "inspectora@fieldsync.test"), chromedp.SendKeys(`#password`, testkit.Password),
		chromedp.Click(`#signin button[type=submit]`))
	waitScreen(t, ctx, "home")
	goTo(t, ctx, atX)
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.WaitVisible(`#finding-form .draft-note`))
	if got := formValues(t, ctx, "#description"); got[0] != typed {
		t.Fatalf("A signed in again finds %q", got[0])
	}

	// 退出 with an edit waiting is refused; synced, it leaves nothing of A's.
	net.cut.Store(true)
	offline(t, ctx)
	goTo(t, ctx, "#/finding/"+testkit.Side("finding", "a"))
	waitScreen(t, ctx, "finding")
	edit(t, ctx, "退出前的修改")
	goTo(t, ctx, "#/")
	waitScreen(t, ctx, "home")
	waitQueued(t, ctx, 1, 0)
	tap(t, ctx, "#signout")
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#sync-error")?.textContent.includes("还有 1 条修改、0 张照片未上传")`))
	waitScreen(t, ctx, "home")
	net.cut.Store(false)
	online(t, ctx)
	waitQueued(t, ctx, 0, 0)
	tap(t, ctx, "#signout")
	waitScreen(t, ctx, "signin")
	if kept := draftsKept(t, ctx); len(kept) != 0 {
		t.Fatalf("drafts kept after A signed out: %v", kept)
	}

	// Another user on the same phone: the form is empty.
	step(t, ctx, chromedp.SendKeys(`#email`, "supervisora@fieldsync.test"), chromedp.SendKeys(`#password`, testkit.Password),
		chromedp.Click(`#signin button[type=submit]`))
	waitScreen(t, ctx, "home")
	goTo(t, ctx, atX)
	waitScreen(t, ctx, "finding-new")
	if got := formValues(t, ctx, "#description"); got[0] != "" || value(t, ctx, chromedp.Evaluate[bool](`!!document.querySelector(".draft-note")`)) {
		t.Fatalf("another user finds %q or a draft note in A's form", got[0])
	}

	// Revoked: no draft stays.
	step(t, ctx, chromedp.SendKeys(`#description`, "主管写了一半"))
	waitDraftSaved(t, ctx, "#finding-form")
	client, err := s.App.FindFirstRecordByData("sync_clients", "user", testkit.SupervisorA)
	if err != nil {
		t.Fatal(err)
	}
	if res := s.Do(http.MethodPatch, "/api/collections/sync_clients/records/"+client.Id, s.Token("_superusers", testkit.Superuser), map[string]any{"revoked": true}); res.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", res.Status, res.Body)
	}
	tapSync(t, ctx)
	waitScreen(t, ctx, "revoked")
	value(t, ctx, chromedp.Poll[bool](`new Promise((ok) => { const r = indexedDB.open("xcz-drafts"); r.onsuccess = () => {
		const n = r.result.transaction("drafts").objectStore("drafts").count(); n.onsuccess = () => { r.result.close(); ok(n.result === 0); }; }; })`))
}

// TestApp_AnotherUserAfterAnExpiredSignIn: the phone's store is A's and A's sign-in expired.
// Another user, B of another subdistrict, signs in on it: refused while an edit of A's waits
// to be uploaded (the store and the edit left to A: a reload shows the sign-in screen, not A's
// records); A signs in and the edit syncs; A's sign-in expires again, and with nothing of A's
// waiting B's sign-in clears the phone first: B's phone holds B's subdistrict, not A's.
func TestApp_AnotherUserAfterAnExpiredSignIn(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	net, server := behindCutter(t, s)
	ctx, _ := phone(t, t.TempDir())
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")
	expire := func() {
		t.Helper()
		u, err := s.App.FindRecordById("users", testkit.InspectorA)
		if err != nil {
			t.Fatal(err)
		}
		u.RefreshTokenKey()
		if err := s.App.Save(u); err != nil {
			t.Fatal(err)
		}
	}
	signInAs := func(email string) {
		t.Helper()
		step(t, ctx, chromedp.WaitVisible(`#signin`), chromedp.SendKeys(`#email`, email), chromedp.SendKeys(`#password`, testkit.Password),
			chromedp.Click(`#signin button[type=submit]`))
	}

	finding := testkit.Side("finding", "a")
	net.cut.Store(true)
	offline(t, ctx)
	goTo(t, ctx, "#/finding/"+finding)
	waitScreen(t, ctx, "finding")
	edit(t, ctx, "过期前未上传的修改")
	waitQueued(t, ctx, 1, 0)
	expire()
	net.cut.Store(false)
	online(t, ctx)
	waitScreen(t, ctx, "signin")

	signInAs("inspectorb@fieldsync.test")
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#signin-msg")?.textContent.includes("本机的数据属于另一账号，其 1 条修改、0 张照片尚未上传")`))
	run(t, ctx, chromedp.Reload())
	waitScreen(t, ctx, "signin")

	signInAs("inspectora@fieldsync.test")
	waitScreen(t, ctx, "home")
	waitQueued(t, ctx, 0, 0)
	sup := s.Token("users", testkit.SupervisorA)
	if got := s.Do(http.MethodGet, "/api/collections/findings/records/"+finding, sup, nil).JSON(t)["description"]; got != "过期前未上传的修改" {
		t.Fatalf("A's edit on the server: %v", got)
	}

	expire()
	tapSync(t, ctx)
	waitScreen(t, ctx, "signin")
	signInAs("inspectorb@fieldsync.test")
	waitScreen(t, ctx, "home")
	goTo(t, ctx, "#/places")
	waitScreen(t, ctx, "places")
	if list := value(t, ctx, chromedp.Text(`#place-list`)); !contains(list, "群租房 b") || contains(list, "群租房 a") {
		t.Fatalf("B's places: %q", list)
	}
}
