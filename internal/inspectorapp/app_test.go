package inspectorapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/inspectorapp"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// TestWorker_NamesEveryFileAndChangesWithAny: the served worker precaches every file of the
// shell and carries a version that any change of any file changes, so a phone always installs
// the shell it is served.
func TestWorker_NamesEveryFileAndChangesWithAny(t *testing.T) {
	ui := fstest.MapFS{
		"sw.js":      {Data: []byte(`const VERSION = "__SHELL_VERSION__"; const SHELL = ["__SHELL_FILES__"];`)},
		"index.html": {Data: []byte("<p>一</p>")},
		"a/b.js":     {Data: []byte("x")},
	}
	w1, err := inspectorapp.Worker(ui)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(w1), `["/app/","/app/a/b.js","/app/index.html"]`) || strings.Contains(string(w1), "__SHELL") {
		t.Fatalf("worker: %s", w1)
	}
	ui["a/b.js"] = &fstest.MapFile{Data: []byte("y")}
	w2, err := inspectorapp.Worker(ui)
	if err != nil {
		t.Fatal(err)
	}
	if string(w1) == string(w2) {
		t.Fatal("a changed file left the worker's version as it was")
	}
}

// TestApp_ServedAsAnInstallableApp: the manifest is served as one, names the Chinese name,
// scope and icons that exist at their sizes; the worker may control /app/; every answer
// carries the policy that keeps other scripts out.
func TestApp_ServedAsAnInstallableApp(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	res := s.Do(http.MethodGet, "/app/manifest.webmanifest", "", nil)
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/manifest+json") {
		t.Fatalf("manifest: %d %q", res.Status, res.Header.Get("Content-Type"))
	}
	var m struct {
		ShortName string `json:"short_name"`
		Scope     string `json:"scope"`
		StartURL  string `json:"start_url"`
		Display   string `json:"display"`
		Icons     []struct {
			Src, Sizes, Purpose string
		} `json:"icons"`
	}
	if err := json.Unmarshal(res.Body, &m); err != nil {
		t.Fatal(err)
	}
	if m.ShortName != "巡查通" || m.Scope != "/app/" || m.StartURL != "/app/" || m.Display != "standalone" || len(m.Icons) < 3 {
		t.Fatalf("manifest: %+v", m)
	}
	maskable := false
	for _, ic := range m.Icons {
		r := s.Do(http.MethodGet, ic.Src, "", nil)
		img, err := png.Decode(bytes.NewReader(r.Body))
		if r.Status != http.StatusOK || err != nil {
			t.Fatalf("icon %s: %d %v", ic.Src, r.Status, err)
		}
		if got := fmt.Sprintf("%dx%d", img.Bounds().Dx(), img.Bounds().Dy()); ic.Sizes != got {
			t.Fatalf("icon %s is %s, manifest says %s", ic.Src, got, ic.Sizes)
		}
		maskable = maskable || ic.Purpose == "maskable"
	}
	if !maskable {
		t.Fatal("no maskable icon for Android's launcher")
	}
	sw := s.Do(http.MethodGet, "/app/sw.js", "", nil)
	if sw.Status != http.StatusOK || sw.Header.Get("Service-Worker-Allowed") != "/app/" ||
		!strings.HasPrefix(sw.Header.Get("Content-Type"), "text/javascript") || strings.Contains(string(sw.Body), "__SHELL") {
		t.Fatalf("worker: %d %v", sw.Status, sw.Header)
	}
	for _, path := range []string{"/app/", "/app/app.js", "/app/sw.js"} {
		csp := s.Do(http.MethodGet, path, "", nil).Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("%s: policy %q", path, csp)
		}
	}
}

// TestApp_OpensWithoutNetwork: a phone opens the app once online; then, with the network cut
// (DevTools reports the phone offline and the server is gone), a reload opens the app, and so
// does a restart of the browser with the same profile.
func TestApp_OpensWithoutNetwork(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	server := httptest.NewServer(s) // our own listener, so the test can take the server away
	t.Cleanup(server.Close)
	profile := t.TempDir()

	ctx, stop := phone(t, profile)
	run(t, ctx, chromedp.Navigate(server.URL+"/app/"))
	waitInstalled(t, ctx)

	server.Close()
	offline(t, ctx)
	run(t, ctx, chromedp.Reload())
	waitInstalled(t, ctx)
	// Chromium forgets the emulated state for the reloaded document: cut it again, and the
	// page, told by its offline event, says so.
	offline(t, ctx)
	value(t, ctx, chromedp.Poll[bool](`document.getElementById("network").textContent.includes("离线")`))
	stop()

	ctx, stop = phone(t, profile)
	defer stop()
	offline(t, ctx)
	run(t, ctx, chromedp.Navigate(server.URL+"/app/"))
	waitInstalled(t, ctx)
	if title := value(t, ctx, chromedp.Title()); title != "巡查通" {
		t.Fatalf("title %q", title)
	}
}

func waitInstalled(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, chromedp.WaitVisible(`#shell-state[data-installed="true"]`))
}

// offline cuts the phone's network.
func offline(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := browsertest.SetOffline(ctx, true); err != nil {
		t.Fatal(err)
	}
}

// phone starts a headless Chromium with the given profile, its page a 390×844 phone's (the
// window alone cannot be narrower than headless Chromium's 500 px).
func phone(t *testing.T, profile string) (context.Context, func()) {
	ctx, stop := browsertest.StartProfile(t, profile, 390, 844)
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	return ctx, stop
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Run(t, ctx, actions...)
}

func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	return browsertest.Value(t, ctx, a)
}

// fill sets a field's value as a person's typing or choosing does: with the input and change
// events, which mark its form as being filled so that a background redraw keeps it
// (chromedp.SetValue sends no event, and a redraw between it and the submit emptied the form).
func fill(sel, v string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.WaitVisible(sel)(ctx, tg); err != nil {
			return chromedp.Void{}, err
		}
		js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
			el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true}));
			el.dispatchEvent(new Event("change", {bubbles: true})); return el.value === %q })()`, sel, v, v)
		ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
		if err == nil && !ok {
			err = fmt.Errorf("fill %s: the value %q did not hold", sel, v)
		}
		return chromedp.Void{}, err
	}
}
