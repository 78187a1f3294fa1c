package apidoc_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// reportsScenario drives the public report routes through every answer the document lists.
func reportsScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	dev := http.Header{"X-Fieldsync-Device": {"contract-device-1"}}
	wantStatus(t, "form", send(t, k, srv, nil, http.MethodGet, "/api/fs/reports/form", "/api/fs/reports/form", nil), http.StatusOK, "")

	draft := map[string]any{"idempotency_key": "contract-key-0000001", "category": "tutoring.exam_cramming",
		"place": testkit.Side("centreplace", "a"), "description": "周末开设小升初应试冲刺班",
		"contact": map[string]any{"name": "家长", "phone": "13911112222"}}
	submit := func(body any) answer {
		return send(t, k, srv, dev, http.MethodPost, "/api/fs/reports", "/api/fs/reports", body)
	}
	a := submit(draft)
	wantStatus(t, "submit", a, http.StatusCreated, "")
	var created struct {
		Tracking string `json:"tracking_no"`
		Receipt  string `json:"receipt"`
	}
	a.decode(t, &created)
	wantStatus(t, "retry", submit(draft), http.StatusOK, "")
	wantStatus(t, "invalid", submit(`{"category": "noise", "description": "噪音扰民很严重"}`), http.StatusBadRequest, "report_invalid")
	reused := map[string]any{"idempotency_key": "contract-key-0000001", "category": "fire", "address": "某小区",
		"subdistrict": testkit.SubdistrictA, "description": "楼道堆放杂物"}
	wantStatus(t, "reused key", submit(reused), http.StatusConflict, "idempotency_key_reused")
	for i := 0; i < 6; i++ {
		if st := submit(map[string]any{"category": "fire", "address": "某小区", "subdistrict": testkit.SubdistrictA,
			"description": "楼道堆放杂物很多"}).Status; st == http.StatusTooManyRequests {
			break
		}
	}
	wantStatus(t, "flood", submit(map[string]any{"category": "fire", "address": "某小区", "subdistrict": testkit.SubdistrictA,
		"description": "楼道堆放杂物很多"}), http.StatusTooManyRequests, "rate_limited")

	path := "/api/fs/reports/" + created.Tracking
	tmpl := "/api/fs/reports/{tracking}"
	receipt := http.Header{"X-Report-Receipt": {created.Receipt}, "X-Fieldsync-Device": {"contract-device-2"}}
	forged := http.Header{"X-Report-Receipt": {"forged"}}
	wantStatus(t, "view", send(t, k, srv, receipt, http.MethodGet, tmpl, path, nil), http.StatusOK, "")
	wantStatus(t, "forged view", send(t, k, srv, forged, http.MethodGet, tmpl, path, nil), http.StatusForbidden, "receipt_invalid")
	info := map[string]any{"text": "每周六上午上课"}
	wantStatus(t, "info", send(t, k, srv, receipt, http.MethodPost, tmpl+"/info", path+"/info", info), http.StatusCreated, "")
	wantStatus(t, "empty info", send(t, k, srv, receipt, http.MethodPost, tmpl+"/info", path+"/info", `{"text": ""}`),
		http.StatusBadRequest, "report_addition_invalid")
	wantStatus(t, "forged info", send(t, k, srv, forged, http.MethodPost, tmpl+"/info", path+"/info", info), http.StatusForbidden, "receipt_invalid")
	wantStatus(t, "early dispute", send(t, k, srv, receipt, http.MethodPost, tmpl+"/dispute", path+"/dispute", info),
		http.StatusConflict, "report_dispute_closed")

	// Fixed now (as the finding's closure would set it): disputable; then closed: final.
	r, err := srv.App.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t}", dbx.Params{"t": created.Tracking})
	if err != nil {
		t.Fatal(err)
	}
	set := func(status string) {
		r.Set("status", status)
		r.Set("fixed_at", types.NowDateTime().Add(-time.Hour))
		access.Attribute(r, access.Attribution{Actor: access.System, Door: access.DoorHook})
		access.AsSystem(r)
		if err := srv.App.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	set("fixed")
	wantStatus(t, "dispute", send(t, k, srv, receipt, http.MethodPost, tmpl+"/dispute", path+"/dispute", info), http.StatusCreated, "")
	set("closed")
	wantStatus(t, "info on a closed report", send(t, k, srv, receipt, http.MethodPost, tmpl+"/info", path+"/info", info),
		http.StatusConflict, "report_final")
}
