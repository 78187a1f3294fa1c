package apidoc_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/cityview"
	"github.com/haidian/fieldsync/internal/testkit"
)

// intakeKeysCityConsoleScenario: reports staff enter, Open311 keys, the city view, the
// console's list downloads and readiness.
func intakeKeysCityConsoleScenario(t *testing.T, k *contract) {
	const cityToken = "city-view-token-for-the-contract-test-0001"
	srv := testkit.Serve(t, testkit.NewAppWith(t, func(a core.App) {
		app.Bind(a)
		cityview.Register(a, cityview.Config{Token: cityToken})
	}))
	r := newRoutes(t, k, srv)

	const intake = "/api/fs/reports/intake"
	hotline := map[string]any{"idempotency_key": "contract-intake-0001", "source": "subdistrict_hotline", "category": "fire",
		"subdistrict": testkit.SubdistrictA, "address": "万寿路某小区 3 号楼", "description": "居民来电：楼道堆放杂物"}
	r.want("intake", r.post(r.supA, intake, intake, hotline), http.StatusCreated, "")
	r.want("intake, retried", r.post(r.supA, intake, intake, hotline), http.StatusOK, "")
	reused := map[string]any{"idempotency_key": "contract-intake-0001", "source": "subdistrict_hotline", "category": "fire",
		"subdistrict": testkit.SubdistrictA, "address": "万寿路另一小区", "description": "居民来电：电动车楼内充电"}
	r.want("intake, reused key", r.post(r.supA, intake, intake, reused), http.StatusConflict, "idempotency_key_reused")
	r.want("intake, a resident's source", r.post(r.supA, intake, intake, `{"source": "web", "category": "fire", "description": "楼道堆放杂物"}`),
		http.StatusBadRequest, "report_invalid")
	r.want("intake, anonymous", r.post("", intake, intake, hotline), http.StatusUnauthorized, "")
	r.want("intake, another subdistrict", r.post(r.inspB, intake, intake, hotline), http.StatusForbidden, "report_intake_forbidden")
	r.want("intake, a superuser", r.post(r.admin, intake, intake, hotline), http.StatusForbidden, "")

	const keys = "/api/fs/open311/keys"
	r.want("Open311 key", r.post(r.admin, keys, keys, map[string]any{"name": "12345 热线平台"}), http.StatusCreated, "")
	r.want("Open311 key, no name", r.post(r.admin, keys, keys, `{"name": " "}`), http.StatusBadRequest, "body_invalid")
	r.want("Open311 key, anonymous", r.post("", keys, keys, map[string]any{"name": "x"}), http.StatusUnauthorized, "")
	r.want("Open311 key, a supervisor", r.post(r.supA, keys, keys, map[string]any{"name": "x"}), http.StatusForbidden, "")

	const city = "/api/fs/city/figures"
	r.want("city view", r.get("Bearer "+cityToken, city, city), http.StatusOK, "")
	r.want("city view, an administrator", r.get(r.admin, city, city), http.StatusOK, "")
	r.want("city view, anonymous", r.get("", city, city), http.StatusUnauthorized, "city_unauthorized")
	r.want("city view, a supervisor", r.get(r.supA, city, city), http.StatusForbidden, "city_unauthorized")

	export := map[string]any{"name": "findings-open", "title": "未销账隐患",
		"columns": []map[string]any{{"zh": "地点", "en": "Place"}, {"zh": "数量", "en": "Count"}},
		"rows":    [][]any{{"万寿路 1 号", 3}, {"万寿路 2 号", nil}}}
	for _, p := range []string{"/api/fs/console/lists.csv", "/api/fs/console/lists.xlsx"} {
		r.want(p, r.post(r.supA, p, p, export), http.StatusOK, "")
		r.want(p+", an administrator", r.post(r.admin, p, p, export), http.StatusOK, "")
		r.want(p+", invalid", r.post(r.supA, p, p, `{"name": "Bad Name", "columns": [], "rows": []}`), http.StatusBadRequest, "export_invalid")
		r.want(p+", anonymous", r.post("", p, p, export), http.StatusUnauthorized, "")
	}

	r.want("ready", r.get("", "/api/fs/ready", "/api/fs/ready"), http.StatusOK, "")
	// The photo store's directory replaced by a file, as a lost mount does: not ready. (The
	// coverage check leaves 503 out, as other 503s cannot be provoked; this one is checked here.)
	storage := filepath.Join(srv.App.DataDir(), "storage")
	if err := os.RemoveAll(storage); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(storage, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.want("not ready", r.get("", "/api/fs/ready", "/api/fs/ready"), http.StatusServiceUnavailable, "not_ready")
	if err := os.Remove(storage); err != nil {
		t.Fatal(err)
	}
}
