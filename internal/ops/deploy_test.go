package ops_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// TestDeploy_TrustedProxyHeaderSeparatesResidents: behind the reverse proxy of docs/deploy
// every request reaches the server from the proxy's address. With PocketBase's trusted proxy
// header set to X-Real-IP (which the proxy overwrites with the client's address), the rate
// limits count each resident apart: one resident's 300 anonymous requests in ten seconds use
// up their allowance, not the next resident's. Without the setting, all residents share one.
func TestDeploy_TrustedProxyHeaderSeparatesResidents(t *testing.T) {
	for _, c := range []struct {
		name    string
		trusted []string
		next    int // the status of another resident's first request
	}{
		{"trusted header set", []string{"X-Real-IP"}, http.StatusOK},
		{"no trusted header", nil, http.StatusTooManyRequests},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := testkit.NewApp(t)
			testkit.RateLimitsAsInProduction(t, app)
			srv := testkit.Serve(t, app)
			admin := srv.Token("_superusers", testkit.Superuser)
			settings := map[string]any{"trustedProxy": map[string]any{"headers": c.trusted, "useLeftmostIP": false}}
			if res := srv.Do(http.MethodPatch, "/api/settings", admin, settings); res.Status != http.StatusOK {
				t.Fatalf("settings: %d %s", res.Status, res.Body)
			}
			from := func(addr string) int {
				return srv.DoRaw(http.MethodGet, "/api/fs/vocab", "", map[string]string{"X-Real-IP": addr}, nil).Status
			}
			for i := range 300 {
				if status := from("203.0.113.7"); status != http.StatusOK {
					t.Fatalf("request %d of the first resident: %d", i+1, status)
				}
			}
			if status := from("203.0.113.7"); status != http.StatusTooManyRequests {
				t.Errorf("the first resident's 301st request: %d, want 429", status)
			}
			if status := from("198.51.100.23"); status != c.next {
				t.Errorf("another resident's first request: %d, want %d", status, c.next)
			}
		})
	}
}
