// Package browsertest starts Debian's headless Chromium for the tests of fieldsync's web
// pages (console, inspectors' app, public pages) and runs chromedp actions in it, failing the
// test on any error. Under CI a missing browser fails the test; elsewhere it skips, saying how
// to get one.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium returns the path of Debian's chromium (or FIELDSYNC_CHROMIUM).
func Chromium(t testing.TB) string {
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

// Start starts a headless Chromium with the profile directory given (a fresh one when empty)
// and a window of width×height, reaching nothing but loopback. The returned stop ends it; the
// test's cleanup does too. Every action run in the context times out after two minutes.
func Start(t testing.TB, profile string, width, height int) (context.Context, func()) {
	t.Helper()
	if profile == "" {
		profile = t.TempDir()
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(width, height),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 2*time.Minute)
	stop := func() { cancelC(); cancelB(); cancelA() }
	t.Cleanup(stop)
	return ctx, stop
}

// Run runs actions, failing the test on the first error.
func Run(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// Value runs a and returns its result, failing the test on error.
func Value[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
