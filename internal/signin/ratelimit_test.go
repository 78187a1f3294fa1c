package signin_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	fsync "github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestRateLimits_ProductionDefaultsBite: the migrations turn PocketBase's rate limits on (the
// test fixture only exempts loopback, and this test lifts that). From one address they refuse
// the 61st sign-in of a minute and the 301st anonymous request of ten seconds; signed-in
// users, a phone retrying its pulls and the public report routes are not held back.
func TestRateLimits_ProductionDefaultsBite(t *testing.T) {
	app := testkit.NewApp(t)
	testkit.RateLimitsAsInProduction(t, app)
	srv := testkit.Serve(t, app)

	for i := range 60 {
		if res := signIn(srv, "users", fmt.Sprintf("guess%d@fieldsync.test", i), ""); res.Status != http.StatusBadRequest {
			t.Fatalf("sign-in %d: %d %s", i+1, res.Status, res.Body)
		}
	}
	if res := signIn(srv, core.CollectionNameSuperusers, admin, testkit.Password); res.Status != http.StatusOK {
		t.Errorf("the superusers' sign-in is counted apart: %d %s", res.Status, res.Body)
	}
	wantLimited(t, signIn(srv, "users", inspectorA, testkit.Password), "the 61st sign-in of the minute")

	for i := range 300 {
		if res := srv.Do(http.MethodGet, "/api/fs/vocab", "", nil); res.Status != http.StatusOK {
			t.Fatalf("anonymous request %d: %d %s", i+1, res.Status, res.Body)
		}
	}
	wantLimited(t, srv.Do(http.MethodGet, "/api/fs/vocab", "", nil), "the 301st anonymous request")

	token := srv.Token("users", testkit.InspectorA)
	pull := fsync.PullRequest{ClientID: "phone-a-1", Scopes: map[fsync.Scope]fsync.ScopeRequest{}}
	if res := srv.Do(http.MethodPost, "/api/sync/v1/clients", token, fsync.ClientRequest{ClientID: pull.ClientID,
		AppVersion: "test", SchemaVersion: fsync.SchemaVersion}); res.Status != http.StatusOK {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	for i := range 400 {
		if res := srv.Do(http.MethodPost, "/api/sync/v1/pull", token, pull); res.Status != http.StatusOK {
			t.Fatalf("pull %d of a signed-in phone: %d %s", i+1, res.Status, res.Body)
		}
	}
	for i := range 400 {
		if res := srv.Do(http.MethodGet, "/api/fs/reports/form", "", nil); res.Status != http.StatusOK {
			t.Fatalf("public report form %d: %d %s", i+1, res.Status, res.Body)
		}
	}
}

// wantLimited checks PocketBase's own rate limit answer.
func wantLimited(t *testing.T, res testkit.Response, what string) {
	t.Helper()
	if res.Status != http.StatusTooManyRequests || res.JSON(t)["code"] != nil {
		t.Errorf("%s: %d %s, want PocketBase's 429", what, res.Status, res.Body)
	}
}

// TestRateLimits_AdminChangesPersist: the defaults are settings written once by a migration,
// so what an administrator changes in the admin UI survives a restart.
func TestRateLimits_AdminChangesPersist(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	admin := srv.Token(core.CollectionNameSuperusers, testkit.Superuser)
	limits := srv.App.Settings().RateLimits
	limits.Rules[0].MaxRequests = 7
	if res := srv.Do(http.MethodPatch, "/api/settings", admin, map[string]any{"rateLimits": limits}); res.Status != http.StatusOK {
		t.Fatalf("change the rules: %d %s", res.Status, res.Body)
	}
	srv.Restart()
	if got := srv.App.Settings().RateLimits; !got.Enabled || got.Rules[0].MaxRequests != 7 {
		t.Errorf("after a restart: %+v", got)
	}
}
