package inspectorapp_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
)

// TestApp_OpensWithTheServerGone: an inspector signed in once; then the server is gone (its
// listener closed, so every connection to the app's origin is refused, and the phone itself
// still believes it is online: no DevTools switch). Opened again from the home screen, in a
// restarted browser and by a reload, the app draws today's work from the phone's store.
func TestApp_OpensWithTheServerGone(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	server := httptest.NewServer(s)
	t.Cleanup(server.Close)
	profile := t.TempDir()

	ctx, stop := phone(t, profile)
	signIn(t, ctx, server.URL, "inspectora@fieldsync.test")
	stop()

	server.Close()
	ctx, stop = phone(t, profile)
	defer stop()
	run(t, ctx, chromedp.Navigate(server.URL+"/app/"))
	waitReady(t, ctx)
	run(t, ctx, chromedp.Reload())
	waitReady(t, ctx)
}

// waitReady waits for the app's start-up to finish with today's work drawn.
func waitReady(t *testing.T, ctx context.Context) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(`body[data-ready="true"] #view[data-screen="home"]`)); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.outerHTML + "\n" + performance.getEntriesByType("resource").map((e) => e.name + " " + Math.round(e.duration) + "ms " + e.responseStatus).join("\n") + "\nsw: " + String(navigator.serviceWorker.controller?.state)`))
		t.Fatalf("the app did not open: %v\n%s", err, html)
	}
}
