package inspectorapp_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/inspectorapp"
	"github.com/haidian/fieldsync/internal/testkit"
)

// release stands between the phones and the server as the server's next release would: once
// shipped, it serves the app with a sync SDK whose store is at version 4 (a step from 3 that
// changes no object store, as the SDK's next store version might) and the service worker the
// server makes for those files, whose version differs, as it does for any change of the app.
// While apiCut, every request to /api/ is closed unanswered: the phones cannot sync, but the
// shell is served, so a new worker can install.
type release struct {
	next     http.Handler
	shipped  atomic.Bool
	apiCut   atomic.Bool
	sdk      []byte
	worker   []byte
	shellKey string // the new worker's cache, "xcz-shell-<version>"
}

// newerSDK is the committed SDK with its store one version up; each replacement must match
// exactly once, so a change of the bundle that moves them fails here and not by a silent miss.
var newerSDK = [][2]string{
	{`return openDB(name, 3, {`, `return openDB(name, 4, {`},
	{`upgrade(db, oldVersion, _newVersion, tx) {`, `upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion === 3) return;`},
}

// newRelease serves s to phones through a release that is not shipped yet.
func newRelease(t *testing.T, s *testkit.Server) (*release, *httptest.Server) {
	t.Helper()
	ui := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("ui"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile("ui/" + path)
		ui[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sdk := string(ui["sdk/fieldsync.js"].Data)
	for _, r := range newerSDK {
		if n := strings.Count(sdk, r[0]); n != 1 {
			t.Fatalf("the SDK bundle holds %q %d times, not once: update newerSDK", r[0], n)
		}
		sdk = strings.Replace(sdk, r[0], r[1], 1)
	}
	ui["sdk/fieldsync.js"].Data = []byte(sdk)
	worker, err := inspectorapp.Worker(ui)
	if err != nil {
		t.Fatal(err)
	}
	version := regexp.MustCompile(`const VERSION = "([0-9a-f]+)"`).FindSubmatch(worker)
	if version == nil {
		t.Fatalf("no version in the worker:\n%s", worker)
	}
	rel := &release{next: s, sdk: []byte(sdk), worker: worker, shellKey: "xcz-shell-" + string(version[1])}
	server := httptest.NewServer(rel)
	t.Cleanup(server.Close)
	return rel, server
}

func (rel *release) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rel.apiCut.Load() && strings.HasPrefix(r.URL.Path, "/api/") && hangUp(w) {
		return
	}
	if rel.shipped.Load() {
		var body []byte
		switch r.URL.Path {
		case "/app/sdk/fieldsync.js":
			body = rel.sdk
		case "/app/sw.js":
			body = rel.worker
		}
		if body != nil {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			w.Write(body)
			return
		}
	}
	rel.next.ServeHTTP(w, r)
}

// openNewerApp opens the app in a second tab of the phone's browser after the release
// shipped, as an inspector does who opens the app again from the home screen: the tab gets
// the installed shell, the browser finds the new worker on the server and installs it, and
// reloaded under it the tab runs the newer app, whose SDK opens the store at version 4.
func openNewerApp(t *testing.T, ctx context.Context, base string, rel *release) context.Context {
	t.Helper()
	tab, closeTab := chromedp.NewContext(ctx)
	t.Cleanup(closeTab)
	openUnder(t, tab, base, fmt.Sprintf(`(k) => k === %q`, rel.shellKey))
	waitReady(t, tab)
	if v := storeVersion(t, tab); v != 4 {
		t.Fatalf("the newer app's store is at version %d", v)
	}
	return tab
}

// openUnder opens the app in tab, waits until the service worker whose shell cache's name
// passes isShell (a JavaScript predicate) is the one in charge, the only shell kept, and
// reloads the tab under it. The navigation is what makes the browser look for a new worker.
func openUnder(t *testing.T, tab context.Context, base, isShell string) {
	t.Helper()
	run(t, tab, chromedp.Navigate(base+"/app/"))
	value(t, tab, chromedp.Poll[bool](`navigator.serviceWorker.getRegistration("/app/").then(async (r) => {
		const shells = (await caches.keys()).filter((k) => k.startsWith("xcz-shell-"));
		return r?.active?.state === "activated" && !r.installing && !r.waiting && shells.length === 1 && (`+isShell+`)(shells[0]);
	})`, chromedp.WithPollingTimeout(30*time.Second)))
	run(t, tab, chromedp.Reload())
}

// storeVersion is the version of the app's store (the SDK's IndexedDB database "xcz").
func storeVersion(t *testing.T, ctx context.Context) int {
	t.Helper()
	return value(t, ctx, chromedp.Evaluate[int](`indexedDB.databases().then((d) => d.find((x) => x.name === "xcz")?.version ?? 0)`, chromedp.EvalAwaitPromise))
}

// pageLoads reports each new document of the tab's main frame (a reload is one), as DevTools
// sees it, and marks the current document so that a test can tell it from a reloaded one.
func pageLoads(t *testing.T, ctx context.Context) <-chan struct{} {
	t.Helper()
	loads := make(chan struct{}, 8)
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*page.EventFrameNavigated); ok && e.Frame.ParentID == "" {
			select {
			case loads <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	value(t, ctx, chromedp.Evaluate[bool](`window.xczBeforeUpdate = true`))
	return loads
}

// waitReloaded waits for the tab's next document, and for the app in it to be ready.
func waitReloaded(t *testing.T, ctx context.Context, loads <-chan struct{}) {
	t.Helper()
	select {
	case <-loads:
	case <-time.After(20 * time.Second):
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.outerHTML`))
		t.Fatalf("the page did not reload\n%s", html)
	}
	step(t, ctx, chromedp.WaitVisible(`body[data-ready="true"]`))
	if value(t, ctx, chromedp.Evaluate[bool](`window.xczBeforeUpdate === true`)) {
		t.Fatal("the document marked before the update is still the one shown")
	}
}

// TestApp_ReloadsForANewerStore: the phone has the app open on today's work, with an edit
// made offline still queued; the server is updated to an app whose store is at version 4, and
// the inspector opens the app in a second tab. The first tab's SDK steps aside for the
// upgrade, and the app, no form being filled in, reloads by itself into the newer version:
// the downloaded records and the queued edit are there, and the edit syncs once the server is
// reachable.
func TestApp_ReloadsForANewerStore(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	rel, server := newRelease(t, s)
	ctx, _ := phone(t, t.TempDir())
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")

	finding := testkit.Side("finding", "a")
	rel.apiCut.Store(true)
	offline(t, ctx)
	goTo(t, ctx, "#/finding/"+finding)
	waitScreen(t, ctx, "finding")
	edit(t, ctx, "升级前离线修改")
	goTo(t, ctx, "#/")
	waitScreen(t, ctx, "home")
	waitQueued(t, ctx, 1, 0)
	online(t, ctx) // the signal is back, the server still out of reach: the edit stays queued

	loads := pageLoads(t, ctx)
	rel.shipped.Store(true)
	openNewerApp(t, ctx, server.URL, rel)
	waitReloaded(t, ctx, loads)

	if v := storeVersion(t, ctx); v != 4 {
		t.Fatalf("the reloaded app's store is at version %d", v)
	}
	waitScreen(t, ctx, "home")
	waitQueued(t, ctx, 1, 0)
	if txt := value(t, ctx, chromedp.Text(`#work-overdue`)); !contains(txt, "群租房 a：升级前离线修改") {
		t.Fatalf("today's work after the reload: %q", txt)
	}
	goTo(t, ctx, "#/places")
	waitScreen(t, ctx, "places")
	if list := value(t, ctx, chromedp.Text(`#place-list`)); !contains(list, "群租房 a") {
		t.Fatalf("places after the reload: %q", list)
	}
	goTo(t, ctx, "#/finding/"+finding)
	value(t, ctx, chromedp.Poll[bool](`document.querySelector("#finding-description")?.textContent === "升级前离线修改"`))

	sup := s.Token("users", testkit.SupervisorA)
	description := func() any {
		return s.Do(http.MethodGet, "/api/collections/findings/records/"+finding, sup, nil).JSON(t)["description"]
	}
	if got := description(); got == "升级前离线修改" {
		t.Fatal("the edit reached the server while it was out of reach")
	}
	rel.apiCut.Store(false)
	tapSync(t, ctx)
	waitQueued(t, ctx, 0, 0)
	if got := description(); got != "升级前离线修改" {
		t.Fatalf("the finding's description on the server: %v", got)
	}
	noIssues(t, s, testkit.InspectorA)
}

// TestApp_AsksToReloadWhileAFormIsOpen: the inspector is typing a new finding's description
// when a newer version of the app opens the store in another tab. The page does not reload
// under their fingers: the typed text stays, and the status line asks for a reload, in
// Chinese and, after the language switch, in English, promising that the form comes back.
// Tapping Reload reloads into the newer version, with the form filled from its draft.
func TestApp_AsksToReloadWhileAFormIsOpen(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	rel, server := newRelease(t, s)
	ctx, _ := phone(t, t.TempDir())
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")

	const typed = "二楼配电箱门损坏，电线外露"
	goTo(t, ctx, "#/finding/new?place="+testkit.Side("venue", "a"))
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.SendKeys(`#description`, typed))

	loads := pageLoads(t, ctx)
	rel.shipped.Store(true)
	openNewerApp(t, ctx, server.URL, rel)

	askedToReload(t, ctx, loads, `#description`, typed, "正在填写的内容（含照片）刷新后仍在", "What you are filling in (photos too) comes back after the reload")

	tap(t, ctx, "#reload")
	waitReloaded(t, ctx, loads)
	if v := storeVersion(t, ctx); v != 4 {
		t.Fatalf("the reloaded app's store is at version %d", v)
	}
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.WaitVisible(`#finding-form .draft-note`))
	if got := formValues(t, ctx, "#description"); got[0] != typed {
		t.Fatalf("the form after the reload holds %q, not what was typed", got[0])
	}
}

// askedToReload checks that the status line asks for a reload, in Chinese and, after the
// language switch, in English, each followed by what it says of the form (zh, en), while the
// page was not reloaded and the field sel still holds what was typed.
func askedToReload(t *testing.T, ctx context.Context, loads <-chan struct{}, sel, typed, zh, en string) {
	t.Helper()
	asked := func(message, button string) {
		t.Helper()
		step(t, ctx, chromedp.WaitVisible(`#sync #reload`))
		if txt := value(t, ctx, chromedp.Text(`#sync #sync-error`)); !strings.HasPrefix(txt, message) {
			t.Fatalf("the status line says %q, not %q", txt, message)
		}
		if txt := value(t, ctx, chromedp.Text(`#sync #reload`)); txt != button {
			t.Fatalf("the reload button says %q, not %q", txt, button)
		}
		if got := value(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.value ?? "(no form)"`, sel))); got != typed {
			t.Fatalf("the form holds %q, not what was typed", got)
		}
		if len(loads) != 0 || !value(t, ctx, chromedp.Evaluate[bool](`window.xczBeforeUpdate === true`)) {
			t.Fatal("the page reloaded while a form was being filled in")
		}
	}
	asked("应用已在另一窗口更新，请刷新本页。"+zh, "刷新")
	tap(t, ctx, "#lang")
	asked("The app was updated in another window: reload this page. "+en, "Reload")
}

// TestApp_AsksToReloadOnTheSignIn: the same while an inspector who is not signed in yet types
// an address on the sign-in screen (which would otherwise fail against the closed store).
func TestApp_AsksToReloadOnTheSignIn(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	rel, server := newRelease(t, s)
	ctx, _ := phone(t, t.TempDir())
	run(t, ctx, chromedp.Navigate(server.URL+"/app/"))
	waitInstalled(t, ctx)
	step(t, ctx, chromedp.WaitVisible(`#signin`), chromedp.SendKeys(`#email`, "inspectora@fieldsync.test"))

	loads := pageLoads(t, ctx)
	rel.shipped.Store(true)
	tab, closeTab := chromedp.NewContext(ctx)
	t.Cleanup(closeTab)
	openUnder(t, tab, server.URL, fmt.Sprintf(`(k) => k === %q`, rel.shellKey))
	step(t, tab, chromedp.WaitVisible(`body[data-ready="true"] #signin`))
	// The sign-in keeps no draft (a password is not kept): the request promises nothing.
	askedToReload(t, ctx, loads, `#email`, "inspectora@fieldsync.test", "未上传的修改仍保留在本机", "Unsent edits stay on the phone")

	tap(t, ctx, "#reload")
	waitReloaded(t, ctx, loads)
	if v := storeVersion(t, ctx); v != 4 {
		t.Fatalf("the reloaded app's store is at version %d", v)
	}
	step(t, ctx, chromedp.SendKeys(`#email`, "inspectora@fieldsync.test"), chromedp.SendKeys(`#password`, testkit.Password),
		chromedp.Click(`#signin button[type=submit]`))
	waitScreen(t, ctx, "home")
}

// TestApp_LeavingTheFormAfterAnUpdateReloads: asked to reload while filling in a form, the
// inspector leaves the form instead (the link back): no other screen can be drawn from the
// closed store, so the app reloads into the newer version rather than stay on the form.
func TestApp_LeavingTheFormAfterAnUpdateReloads(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	rel, server := newRelease(t, s)
	ctx, _ := phone(t, t.TempDir())
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")
	goTo(t, ctx, "#/finding/new?place="+testkit.Side("venue", "a"))
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.SendKeys(`#description`, "写了一半"))

	loads := pageLoads(t, ctx)
	rel.shipped.Store(true)
	openNewerApp(t, ctx, server.URL, rel)
	step(t, ctx, chromedp.WaitVisible(`#sync #reload`))
	goTo(t, ctx, "#/")
	waitReloaded(t, ctx, loads)
	waitScreen(t, ctx, "home")
	if v := storeVersion(t, ctx); v != 4 {
		t.Fatalf("the reloaded app's store is at version %d", v)
	}
}

// TestApp_SaysWhenTheStoreIsNewerThanTheApp: a newer release upgraded the phone's store to
// version 4; then the server goes back to the release before it, and the phone's shell with
// it. That app cannot open the store: instead of hanging on "opening…" it says why, in
// Chinese and English, with a Reload button, and leaves the store and its queued edit as they
// are for the release that can open them.
func TestApp_SaysWhenTheStoreIsNewerThanTheApp(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	rel, server := newRelease(t, s)
	ctx, _ := phone(t, t.TempDir())
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")
	finding := testkit.Side("finding", "a")
	rel.apiCut.Store(true)
	goTo(t, ctx, "#/finding/"+finding)
	waitScreen(t, ctx, "finding")
	edit(t, ctx, "回退前未上传的修改")
	waitQueued(t, ctx, 1, 0)

	rel.shipped.Store(true)
	tab := openNewerApp(t, ctx, server.URL, rel)
	rel.shipped.Store(false) // the release is rolled back
	openUnder(t, tab, server.URL, fmt.Sprintf(`(k) => k !== %q`, rel.shellKey))

	said := func(message, button string) {
		t.Helper()
		waitScreen(t, tab, "store-newer")
		if txt := value(t, tab, chromedp.Text(`#view [role=alert]`)); !strings.Contains(txt, message) {
			t.Fatalf("the app says %q, not %q", txt, message)
		}
		if txt := value(t, tab, chromedp.Text(`#view #reload`)); txt != button {
			t.Fatalf("the reload button says %q, not %q", txt, button)
		}
	}
	said("本机的数据由更新版本的应用保存", "刷新")
	tap(t, tab, "#lang")
	said("The data on this phone was saved by a newer version of the app", "Reload")
	if v := storeVersion(t, tab); v != 4 {
		t.Fatalf("the store is at version %d", v)
	}
	queued := value(t, tab, chromedp.Evaluate[[]string](`new Promise((ok, no) => {
		const r = indexedDB.open("xcz");
		r.onerror = () => no(r.error);
		r.onsuccess = () => {
			const all = r.result.transaction("outbox").objectStore("outbox").getAll();
			all.onsuccess = () => { r.result.close(); ok(all.result.map((e) => e.id)); };
		};
	})`, chromedp.EvalAwaitPromise))
	if len(queued) != 1 || queued[0] != finding {
		t.Fatalf("the outbox holds %v, not the edit of %s", queued, finding)
	}
}
