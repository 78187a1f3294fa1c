package inspectorapp_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
)

// TestApp_VocabulariesSurviveABrowserKilledAfterSignIn: the browser is killed right after the
// first sign-in (a phone's battery, Android reclaiming the browser) and reopened offline: the
// categories the sign-in fetched are there, so a finding can be recorded, and the status line
// tells when the phone last synced. Both once lived in localStorage, which Chromium writes to
// disk seconds after the page does: a browser killed within those seconds reopened with
// nothing to choose (no finding could be recorded until the next online sync) and saying it
// had never synced.
func TestApp_VocabulariesSurviveABrowserKilledAfterSignIn(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	profile := t.TempDir()
	ctx, stop := phone(t, profile)
	signIn(t, ctx, s.URL, "inspectora@fieldsync.test")

	ctx, stop = reopenOffline(t, stop, profile, s.URL)
	defer stop()
	if txt := value(t, ctx, chromedp.Text(`#sync-last`)); !strings.Contains(txt, "上次同步") {
		t.Fatalf("offline after the kill the status line says %q, not when the phone last synced", txt)
	}
	goTo(t, ctx, "#/finding/new?place="+testkit.Side("venue", "a"))
	waitScreen(t, ctx, "finding-new")
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#category option[value="fire.wiring"]').length`)); n != 1 {
		t.Fatalf("offline after the kill the category list offers no 电气线路 (fire.wiring): %s",
			value(t, ctx, chromedp.Evaluate[string](`document.querySelector("#category")?.outerHTML ?? "(no list)"`)))
	}
}
