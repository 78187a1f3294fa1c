// Package browsertest starts Debian's Chromium for the browser tests (the console's, the
// public pages') and runs chromedp actions in it, failing the test on any error. It is apart
// from testkit so that only the tests that drive a browser link chromedp.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Chromium finds Debian's chromium. make test installs it (scripts/install-chromium.sh); a
// developer machine without it skips the browser tests, saying how to get them, and CI fails.
func Chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("FIELDSYNC_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is missing: make test installs Debian's chromium package")
	}
	t.Skip("no chromium: apt-get install chromium (or set FIELDSYNC_CHROMIUM) to run the browser tests")
	return ""
}

// Start starts a headless Chromium with a fresh profile and a window of width×height, offline
// except for loopback, with the extra options; it stops with the test.
func Start(t *testing.T, width, height int, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	ctx, _ := StartProfile(t, t.TempDir(), width, height, extra...)
	return ctx
}

// StartProfile is Start with the profile directory given, so that a test can stop the browser
// (the returned func) and start it again on the same profile, as a phone restarts its browser.
func StartProfile(t *testing.T, profile string, width, height int, extra ...chromedp.ExecAllocatorOption) (context.Context, func()) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(width, height),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 2*time.Minute)
	stop := func() { cancelC(); cancelB(); cancelA() }
	t.Cleanup(stop)
	return ctx, stop
}

// Run runs actions, failing the test on an error.
func Run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// Value runs a and returns its value, failing the test on an error.
func Value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		// What the page showed, so that a failure (a poll's timeout above all) says why.
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ""`))
		t.Fatalf("%v\nthe page shows:\n%s", err, page)
	}
	return v
}

// Shoot writes a full-page PNG screenshot to dir/name.png; an empty dir writes nothing (the
// screenshots are regenerated on request, by a test flag).
func Shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	if dir == "" {
		return
	}
	png := Value(t, ctx, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// AxeSource is axe-core, installed by npm ci in dir (internal/publicweb/testdata/axe, relative
// to the calling test's package; make test does it).
func AxeSource(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "node_modules/axe-core/axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("axe-core is missing: make test runs npm ci in internal/publicweb/testdata/axe")
		}
		t.Skip("no axe-core: run npm ci in internal/publicweb/testdata/axe")
	}
	return string(src)
}

// CheckA11y runs axe-core's WCAG 2.1 A and AA rules (contrast among them) on the page and
// fails on any serious or critical violation.
func CheckA11y(t *testing.T, ctx context.Context, axe, page string) {
	t.Helper()
	Value(t, ctx, chromedp.Evaluate[bool](axe+";true"))
	found := Value(t, ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).join(", ")))`, chromedp.EvalAwaitPromise))
	for _, v := range found {
		t.Errorf("%s: %s", page, v)
	}
	if n := Value(t, ctx, chromedp.Evaluate[int](`axe.getRules(["wcag2aa"]).length`)); n == 0 {
		t.Errorf("%s: axe ran no rule", page)
	}
}

// SetOffline switches DevTools' own "Offline" emulation (Network.emulateNetworkConditions,
// which this cdproto release no longer lists) for the page: every request fails and
// navigator.onLine turns false, as on a phone without signal; false gives the network back
// and the page hears "online".
func SetOffline(ctx context.Context, offline bool) error {
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, emulateNetworkConditions, networkConditions{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
	return err
}

var emulateNetworkConditions = cdp.Command[networkConditions, cdp.Empty]{Method: "Network.emulateNetworkConditions"}

type networkConditions struct {
	Offline            bool    `json:"offline"`
	Latency            float64 `json:"latency"`
	DownloadThroughput float64 `json:"downloadThroughput"`
	UploadThroughput   float64 `json:"uploadThroughput"`
}
