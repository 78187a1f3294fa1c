package apidoc_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/cityview"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// routes is one live server with a token per kind of caller, for the scenarios of the
// routes beside the sync protocol. Every call is checked against the document.
type routes struct {
	t   *testing.T
	k   *contract
	srv *testkit.Server

	admin, inspA, inspB, supA, fire, env, edu string
}

func newRoutes(t *testing.T, k *contract, srv *testkit.Server) *routes {
	r := &routes{t: t, k: k, srv: srv}
	r.admin = srv.Token(core.CollectionNameSuperusers, testkit.Superuser)
	r.inspA = srv.Token(schema.Users, testkit.InspectorA)
	r.inspB = srv.Token(schema.Users, testkit.InspectorB)
	r.supA = srv.Token(schema.Users, testkit.SupervisorA)
	r.fire = srv.Token(schema.Users, testkit.FireStaff)
	r.env = srv.Token(schema.Users, testkit.EnvStaff)
	r.edu = r.newStaff("edustaff", map[string]any{"role": "agency_staff", "agency": agencyOf("edu")})
	return r
}

// newStaff adds a staff account to the server's users and returns its token.
func (r *routes) newStaff(name string, data map[string]any) string {
	r.t.Helper()
	data["email"] = name + "@contract.fieldsync"
	data["password"] = "contract-password-1"
	data["verified"] = true
	testkit.Save(r.t, r.srv.App, schema.Users, testkit.ID(name), data)
	return r.srv.Token(schema.Users, testkit.ID(name))
}

func agencyOf(code string) string {
	for _, a := range refdata.Agencies() {
		if a.Code == code {
			return a.ID
		}
	}
	panic("no agency " + code)
}

func (r *routes) get(token, tmpl, path string) answer {
	r.t.Helper()
	return call(r.t, r.k, r.srv, token, "", http.MethodGet, tmpl, path, nil)
}

func (r *routes) post(token, tmpl, path string, body any) answer {
	r.t.Helper()
	return call(r.t, r.k, r.srv, token, "", http.MethodPost, tmpl, path, body)
}

// want checks an answer's status and, for an Error body, its code ("" for PocketBase's own
// bodies, which have none, and for successes).
func (r *routes) want(what string, a answer, status int, code string) {
	r.t.Helper()
	if a.Status != status {
		r.t.Errorf("%s: %d %s, want %d %s", what, a.Status, clip(a.Body), status, code)
		return
	}
	if status >= 400 && strings.HasPrefix(strings.TrimSpace(string(a.Body)), "{") && a.code(r.t) != code {
		r.t.Errorf("%s: code %q, want %q: %s", what, a.code(r.t), code, clip(a.Body))
	}
}

// wantRecord checks a command's 200 answer: the record as saved, which must match its
// collection's record schema, closed, besides PocketBase's collectionId and collectionName.
func (r *routes) wantRecord(what, coll string, a answer) {
	r.t.Helper()
	r.want(what, a, http.StatusOK, "")
	var rec map[string]any
	a.decode(r.t, &rec)
	if rec["collectionName"] != coll {
		r.t.Errorf("%s: a record of %v, want %s", what, rec["collectionName"], coll)
	}
	delete(rec, "collectionId")
	delete(rec, "collectionName")
	if err := r.k.checkRecord(coll, rec); err != nil {
		r.t.Errorf("%s: %v", what, err)
	}
}

// rectifyScenario: commands, a finding's timeline and papers, the figures and milestones.
func rectifyScenario(t *testing.T, k *contract) {
	r := newRoutes(t, k, testkit.Serve(t, testkit.NewApp(t)))
	f := testkit.Side("finding", "a")

	const cmd = "/api/fs/commands"
	order := map[string]any{"name": "finding.order@1", "coll": "findings", "id": f,
		"args": map[string]any{"deadline": "2018-06-15 00:00:00.000Z", "responsible_party": "物业公司"}}
	const notice = "/api/fs/findings/{id}/notice.pdf"
	r.want("notice before the order", r.get(r.inspA, notice, "/api/fs/findings/"+f+"/notice.pdf"), http.StatusConflict, "notice_needs_order")
	r.wantRecord("order", "findings", r.post(r.inspA, cmd, cmd, order))
	r.want("order, another subdistrict's inspector", r.post(r.inspB, cmd, cmd, order), http.StatusNotFound, "not_found")
	r.want("order, no token", r.post("", cmd, cmd, order), http.StatusUnauthorized, "")
	r.want("order, a superuser", r.post(r.admin, cmd, cmd, order), http.StatusForbidden, "")
	unknown := map[string]any{"name": "finding.teleport@9", "coll": "findings", "id": f, "args": map[string]any{}}
	r.want("an unknown command", r.post(r.supA, cmd, cmd, unknown), http.StatusBadRequest, "unknown_command")
	review := map[string]any{"name": "inspection.review@1", "coll": "inspections", "id": testkit.Side("inspection", "a"),
		"args": map[string]any{"decision": "approve"}}
	r.want("a review by an inspector", r.post(r.inspA, cmd, cmd, review), http.StatusForbidden, "review_needs_supervisor")
	review["args"] = map[string]any{"decision": "return"}
	r.wantRecord("a review", "inspections", r.post(r.supA, cmd, cmd, review))
	r.want("a review of a returned inspection", r.post(r.supA, cmd, cmd, review), http.StatusConflict, "review_not_submitted")

	r.want("notice", r.get(r.inspA, notice, "/api/fs/findings/"+f+"/notice.pdf"), http.StatusOK, "")
	r.want("notice, another subdistrict", r.get(r.inspB, notice, "/api/fs/findings/"+f+"/notice.pdf"), http.StatusNotFound, "not_found")
	const record = "/api/fs/inspections/{id}/record.pdf"
	in := "/api/fs/inspections/" + testkit.Side("inspection", "a") + "/record.pdf"
	r.want("inspection record", r.get(r.inspA, record, in), http.StatusOK, "")
	r.want("inspection record, an administrator", r.get(r.admin, record, in), http.StatusOK, "")
	r.want("inspection record, anonymous", r.get("", record, in), http.StatusNotFound, "not_found")

	const timeline = "/api/fs/findings/{id}/timeline"
	tl := "/api/fs/findings/" + f + "/timeline"
	r.want("timeline", r.get(r.inspA, timeline, tl), http.StatusOK, "")
	r.want("timeline, an administrator", r.get(r.admin, timeline, tl), http.StatusOK, "")
	r.want("timeline, another subdistrict", r.get(r.inspB, timeline, tl), http.StatusNotFound, "not_found")
	r.want("timeline, anonymous", r.get("", timeline, tl), http.StatusNotFound, "not_found")
	r.want("timeline, no such finding", r.get(r.inspA, timeline, "/api/fs/findings/nosuchfinding00/timeline"), http.StatusNotFound, "not_found")

	for _, path := range []string{"/api/fs/rectify/figures", "/api/fs/milestones"} {
		for _, ext := range []string{"", ".csv", ".xlsx"} {
			p := path + ext
			r.want(p, r.get(r.inspA, p, p+"?programme=fire"), http.StatusOK, "")
			r.want(p+", the fire brigade", r.get(r.fire, p, p), http.StatusOK, "")
			r.want(p+", an administrator", r.get(r.admin, p, p), http.StatusOK, "")
			r.want(p+", anonymous", r.get("", p, p), http.StatusUnauthorized, "")
		}
	}
}

// tutoringRoutesScenario: the daily report's files, the QR code and sheet, the registry
// imports and the education commission's decisions.
func tutoringRoutesScenario(t *testing.T, k *contract) {
	r := newRoutes(t, k, testkit.Serve(t, testkit.NewApp(t)))
	for _, p := range []string{"/api/fs/tutoring/daily.csv", "/api/fs/tutoring/daily.xlsx"} {
		r.want(p, r.get(r.inspA, p, p+"?day=2018-05-02"), http.StatusOK, "")
		r.want(p+", an administrator", r.get(r.admin, p, p+"?day=2018-05-02"), http.StatusOK, "")
		r.want(p+", bad day", r.get(r.inspA, p, p+"?day=May"), http.StatusBadRequest, "bad_day")
		r.want(p+", anonymous", r.get("", p, p+"?day=2018-05-02"), http.StatusUnauthorized, "")
		r.want(p+", fire brigade", r.get(r.fire, p, p+"?day=2018-05-02"), http.StatusForbidden, "tutoring_report_forbidden")
	}

	centre := testkit.Side("centre", "a")
	const qr = "/api/fs/tutoring/public/centres/{id}/qr.png"
	const sheet = "/api/fs/tutoring/qr-sheet.xlsx"
	sheetA := sheet + "?subdistrict=" + testkit.SubdistrictA
	r.want("QR code, no public address", r.get("", qr, "/api/fs/tutoring/public/centres/"+centre+"/qr.png"), http.StatusConflict, "public_url_unset")
	r.want("QR sheet, no public address", r.get(r.inspA, sheet, sheetA), http.StatusConflict, "public_url_unset")
	r.srv.App.Settings().Meta.AppURL = "https://jiandu.haidian.example"
	if err := r.srv.App.Save(r.srv.App.Settings()); err != nil {
		t.Fatal(err)
	}
	r.want("QR code", r.get("", qr, "/api/fs/tutoring/public/centres/"+centre+"/qr.png"), http.StatusOK, "")
	r.want("QR code, unknown", r.get("", qr, "/api/fs/tutoring/public/centres/nosuchcentre000/qr.png"), http.StatusNotFound, "centre_not_found")
	r.want("QR sheet", r.get(r.inspA, sheet, sheetA), http.StatusOK, "")
	r.want("QR sheet, another subdistrict", r.get(r.inspA, sheet, sheet+"?subdistrict="+testkit.SubdistrictB), http.StatusBadRequest, "bad_subdistrict")
	r.want("QR sheet, anonymous", r.get("", sheet, sheetA), http.StatusUnauthorized, "")
	r.want("QR sheet, fire brigade", r.get(r.fire, sheet, sheetA), http.StatusForbidden, "tutoring_report_forbidden")

	const imports = "/api/fs/tutoring/imports"
	// Line 2 is licensed but not in the ledger (a discrepancy), line 3 has a credit code of
	// the wrong length (a refused line), so the job's answer carries both kinds of item.
	csvFile := []byte("名称,统一社会信用代码\n海淀某培训学校,\n海淀另一培训学校,9111\n")
	job := r.upload(r.supA, "education", csvFile)
	r.want("import", job, http.StatusAccepted, "")
	r.want("import, no source", r.upload(r.supA, "rumour", csvFile), http.StatusBadRequest, "import_source")
	r.want("import, anonymous", r.upload("", "education", csvFile), http.StatusUnauthorized, "")
	r.want("import, an inspector", r.upload(r.inspA, "education", csvFile), http.StatusForbidden, "import_forbidden")
	huge := bytes.NewBufferString("名称\n")
	for i := range 100_001 {
		fmt.Fprintf(huge, "机构%d\n", i)
	}
	r.want("import, too many lines", r.upload(r.supA, "education", huge.Bytes()), http.StatusRequestEntityTooLarge, "import_too_large")
	var started struct{ ID string }
	job.decode(t, &started)
	const jobTmpl = imports + "/{id}"
	done := r.get(r.supA, jobTmpl, imports+"/"+started.ID+"?wait=60s")
	r.want("import job", done, http.StatusOK, "")
	var ended struct {
		Status                string
		Errors, Discrepancies []any
	}
	done.decode(t, &ended)
	if ended.Status != "done" || len(ended.Errors) == 0 || len(ended.Discrepancies) == 0 {
		t.Errorf("the import job checked no refused line or no discrepancy against the document: %s", clip(done.Body))
	}
	r.want("import job, another user", r.get(r.inspA, jobTmpl, imports+"/"+started.ID), http.StatusNotFound, "import_not_found")
	r.want("import job, anonymous", r.get("", jobTmpl, imports+"/"+started.ID), http.StatusUnauthorized, "")

	const list = "/api/fs/tutoring/centres/{id}/list"
	listPath := "/api/fs/tutoring/centres/" + centre + "/list"
	black := map[string]any{"list": "black", "reason": "无证办学，多次劝阻无效"}
	r.want("black list", r.post(r.edu, list, listPath, black), http.StatusOK, "")
	r.want("list, invalid", r.post(r.edu, list, listPath, `{"list": "grey", "reason": "?"}`), http.StatusBadRequest, "centre_list_invalid")
	r.want("list, anonymous", r.post("", list, listPath, black), http.StatusUnauthorized, "")
	r.want("list, an inspector", r.post(r.inspA, list, listPath, black), http.StatusForbidden, "tutoring_decision_forbidden")
	r.want("list, unknown centre", r.post(r.edu, list, "/api/fs/tutoring/centres/nosuchcentre000/list", black), http.StatusNotFound, "not_found")

	const filing = "/api/fs/tutoring/classes/{id}/filing"
	filingPath := "/api/fs/tutoring/classes/" + testkit.Side("class", "a") + "/filing"
	filed := map[string]any{"filed": true}
	r.want("filing", r.post(r.edu, filing, filingPath, filed), http.StatusOK, "")
	r.want("filing, bad body", r.post(r.edu, filing, filingPath, `{"filed": "`), http.StatusBadRequest, "bad_request")
	r.want("filing, anonymous", r.post("", filing, filingPath, filed), http.StatusUnauthorized, "")
	r.want("filing, fire brigade", r.post(r.fire, filing, filingPath, filed), http.StatusForbidden, "tutoring_decision_forbidden")
	r.want("filing, unknown class", r.post(r.edu, filing, "/api/fs/tutoring/classes/nosuchclass0000/filing", filed), http.StatusNotFound, "not_found")
}

// upload posts a registry file to the imports route as a multipart form.
func (r *routes) upload(token, source string, data []byte) answer {
	r.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("source", source); err != nil {
		r.t.Fatal(err)
	}
	part, err := w.CreateFormFile("file", "registry.csv")
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := part.Write(data); err != nil {
		r.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		r.t.Fatal(err)
	}
	h := http.Header{"Content-Type": {w.FormDataContentType()}}
	if token != "" {
		h.Set("Authorization", token)
	}
	const imports = "/api/fs/tutoring/imports"
	return send(r.t, r.k, r.srv, h, http.MethodPost, imports, imports, body.Bytes())
}

// dustAlarmMonthlyScenario: the dust ranking's files and the site lists, the smoke-alarm
// progress and export, and the monthly reports.
func dustAlarmMonthlyScenario(t *testing.T, k *contract) {
	r := newRoutes(t, k, testkit.Serve(t, testkit.NewApp(t)))
	for _, p := range []string{"/api/fs/dust/ranking.csv", "/api/fs/dust/ranking.xlsx"} {
		r.want(p, r.get(r.fire, p, p+"?month=2018-05"), http.StatusOK, "")
		r.want(p+", an administrator", r.get(r.admin, p, p+"?month=2018-05"), http.StatusOK, "")
		r.want(p+", bad month", r.get(r.fire, p, p+"?month=May"), http.StatusBadRequest, "bad_month")
		r.want(p+", anonymous", r.get("", p, p+"?month=2018-05"), http.StatusUnauthorized, "")
	}

	const lists = "/api/fs/dust/site-lists"
	r.want("site lists", r.get(r.inspA, lists, lists+"?quarter=2018-Q2"), http.StatusOK, "")
	r.want("site lists, an administrator", r.get(r.admin, lists, lists+"?quarter=2018-Q2"), http.StatusOK, "")
	r.want("site lists, bad quarter", r.get(r.inspA, lists, lists+"?quarter=2018-05"), http.StatusBadRequest, "bad_quarter")
	r.want("site lists, anonymous", r.get("", lists, lists+"?quarter=2018-Q2"), http.StatusUnauthorized, "")
	r.want("site lists, fire brigade", r.get(r.fire, lists, lists+"?quarter=2018-Q2"), http.StatusForbidden, "site_list_forbidden")
	send := map[string]any{"quarter": "2018-Q2", "subdistrict": testkit.SubdistrictA}
	r.want("send a site list", r.post(r.supA, lists, lists, send), http.StatusOK, "")
	r.want("send, bad quarter", r.post(r.supA, lists, lists, `{"quarter": "2018-Q5", "subdistrict": "`+testkit.SubdistrictA+`"}`),
		http.StatusBadRequest, "bad_quarter")
	r.want("send, anonymous", r.post("", lists, lists, send), http.StatusUnauthorized, "")
	r.want("send, an inspector", r.post(r.inspA, lists, lists, send), http.StatusForbidden, "site_list_forbidden")

	for _, p := range []string{"/api/fs/smokealarm/progress", "/api/fs/smokealarm/progress.csv",
		"/api/fs/smokealarm/progress.xlsx", "/api/fs/smokealarm/installs.csv"} {
		r.want(p, r.get(r.inspA, p, p+"?year=2018"), http.StatusOK, "")
		r.want(p+", fire brigade", r.get(r.fire, p, p), http.StatusOK, "")
		r.want(p+", an administrator", r.get(r.admin, p, p), http.StatusOK, "")
		r.want(p+", bad year", r.get(r.inspA, p, p+"?year=1900"), http.StatusBadRequest, "bad_year")
		r.want(p+", anonymous", r.get("", p, p), http.StatusUnauthorized, "")
		r.want(p+", environment bureau", r.get(r.env, p, p), http.StatusForbidden, "alarm_progress_forbidden")
	}

	const monthly = "/api/fs/monthly/{body}"
	for _, body := range []string{"fire_committee", "fire_committee.csv", "fire_committee.xlsx"} {
		r.want("monthly "+body, r.get(r.inspA, monthly, "/api/fs/monthly/"+body+"?from=2018-05&to=2018-06"), http.StatusOK, "")
	}
	r.want("monthly, an administrator", r.get(r.admin, monthly, "/api/fs/monthly/fire_committee?from=2018-05&to=2018-06"), http.StatusOK, "")
	r.want("monthly, bad period", r.get(r.inspA, monthly, "/api/fs/monthly/fire_committee?from=2018-06&to=2018-05"),
		http.StatusBadRequest, "bad_period")
	r.want("monthly, anonymous", r.get("", monthly, "/api/fs/monthly/fire_committee?from=2018-05&to=2018-06"), http.StatusUnauthorized, "")
	r.want("monthly, fire brigade", r.get(r.fire, monthly, "/api/fs/monthly/fire_committee?from=2018-05&to=2018-06"),
		http.StatusForbidden, "monthly_forbidden")
	r.want("monthly, unknown body", r.get(r.inspA, monthly, "/api/fs/monthly/no_such_body?from=2018-05&to=2018-06"),
		http.StatusNotFound, "monthly_body_unknown")
}

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
