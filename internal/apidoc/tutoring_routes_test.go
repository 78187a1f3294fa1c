package apidoc_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

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
