package tutoring_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

type importJob struct {
	ID            string                 `json:"id"`
	Status        string                 `json:"status"`
	Total         int                    `json:"total"`
	Processed     int                    `json:"processed"`
	Imported      int                    `json:"imported"`
	Refused       int                    `json:"refused"`
	Errors        []tutoring.LineError   `json:"errors"`
	Discrepancies []tutoring.Discrepancy `json:"discrepancies"`
}

// upload posts a registry file as a multipart form.
func upload(t *testing.T, srv *testkit.Server, token, source, name string, data []byte) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("source", source)
	part, _ := w.CreateFormFile("file", name)
	part.Write(data)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/fs/tutoring/imports", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// runImport uploads a file and waits, through the route's long poll, for the job to end.
func runImport(t *testing.T, srv *testkit.Server, token, source, name string, data []byte) importJob {
	t.Helper()
	status, body := upload(t, srv, token, source, name, data)
	if status != http.StatusAccepted {
		t.Fatalf("import: %d %s", status, body)
	}
	var job importJob
	json.Unmarshal(body, &job)
	for job.Status == "running" || job.Status == "" {
		res := srv.Do(http.MethodGet, "/api/fs/tutoring/imports/"+job.ID+"?wait=60s", token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("job: %d %s", res.Status, res.Body)
		}
		json.Unmarshal(res.Body, &job)
	}
	return job
}

func code(i int) string {
	head := fmt.Sprintf("91110108MA%07d", i)
	return head + string(tutoring.CreditCheck(head))
}

// TestImport_ThousandsOfLines imports 3,000 lines of the market-regulation registry with
// deliberate errors: the good lines are stored, each bad one is listed with its line number
// and reason, and the discrepancies with the ledger are listed.
func TestImport_ThousandsOfLines(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	var csv strings.Builder
	csv.WriteString("\ufeff统一社会信用代码,企业名称,住所,经营范围\n")
	wantErrs := map[int]string{} // line → code
	for i := 1; i <= 3000; i++ {
		line := i + 1
		c, name, scope := code(i), fmt.Sprintf("北京测试%04d科技有限公司", i), "技术开发、技术咨询"
		switch {
		case i%500 == 0:
			name = ""
			wantErrs[line] = tutoring.LineNameMissing
		case i%250 == 0:
			c = c[:17] + map[bool]string{true: "1", false: "0"}[c[17] == '0']
			wantErrs[line] = tutoring.CodeCreditCheck
		case i%333 == 0:
			c = c[:16]
			wantErrs[line] = tutoring.CodeCreditLength
		case i == 1234:
			c = code(1)
			wantErrs[line] = tutoring.LineDuplicate
		case i == 777:
			name = strings.Repeat("长", 201)
			wantErrs[line] = tutoring.LineTooLong
		case i%400 == 0:
			name, scope = fmt.Sprintf("北京测试%04d教育咨询有限公司", i), "教育咨询（不含中介服务）"
		}
		fmt.Fprintf(&csv, "%s,%s,海淀区学院路%d号,\"%s\"\n", c, name, i, scope)
	}
	// The fixture centre of A, by its credit code: its ledger records no business licence.
	fmt.Fprintf(&csv, "91110108MA01ABCD5T,学而思测试校区 a,培训街 3 号 a,软件开发\n")

	job := runImport(t, srv, srv.Token("users", testkit.SupervisorA), "market", "market.csv", []byte(csv.String()))
	if job.Status != "done" || job.Total != 3001 || job.Processed != 3001 {
		t.Fatalf("job %s: %d of %d", job.Status, job.Processed, job.Total)
	}
	if job.Refused != len(wantErrs) || job.Imported != 3001-len(wantErrs) {
		t.Errorf("imported %d, refused %d; want %d refused", job.Imported, job.Refused, len(wantErrs))
	}
	for _, e := range job.Errors {
		if wantErrs[e.Line] != e.Code {
			t.Errorf("line %d refused with %s, want %q", e.Line, e.Code, wantErrs[e.Line])
		}
		delete(wantErrs, e.Line)
	}
	if len(wantErrs) > 0 {
		t.Errorf("lines not refused: %v", wantErrs)
	}
	if n, _ := srv.App.CountRecords(schema.RegistryEntries); int(n) != job.Imported {
		t.Errorf("%d entries stored, %d imported", n, job.Imported)
	}
	kinds := map[string]int{}
	for _, d := range job.Discrepancies {
		kinds[d.Kind]++
		if d.Kind == tutoring.ScopeMismatch && d.Centre != testkit.Side("centre", "a") {
			t.Errorf("scope mismatch of %s", d.Centre)
		}
	}
	// 教育咨询 at every 400th line but 2000, whose name is missing: 6 lines.
	if kinds[tutoring.NameSaysTraining] != 6 || kinds[tutoring.ScopeMismatch] != 1 {
		t.Errorf("discrepancies %v", kinds)
	}
	// Only the starter and district administrators read the job.
	if res := srv.Do(http.MethodGet, "/api/fs/tutoring/imports/"+job.ID, srv.Token("users", testkit.SupervisorB), nil); res.Status != http.StatusNotFound {
		t.Errorf("another supervisor read the job: %d", res.Status)
	}
}

// TestImport_XLSXAndRefusals: an education-commission registry in XLSX; a licensed school
// unknown to the ledger is a discrepancy. Inspectors may not import; a file without a name
// column is refused whole.
func TestImport_XLSXAndRefusals(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	f := excelize.NewFile()
	for i, row := range [][]any{
		{"学校名称", "统一社会信用代码", "办学地址", "办学许可证号"},
		{"学而思测试校区b", "", "北京市海淀区培训街３号 b", "教民111010b"},
		{"海淀新学堂", code(9001), "中关村大街1号", "教民1110108000999"},
		{"学而思测试校区 a", "91110108MA01ABCD5T", "培训街 3 号 a", "教民111010x"},
	} {
		f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row)
	}
	var buf bytes.Buffer
	f.Write(&buf)
	admin := srv.Token("_superusers", testkit.Superuser)
	job := runImport(t, srv, admin, "education", "edu.xlsx", buf.Bytes())
	if job.Status != "done" || job.Imported != 3 || len(job.Discrepancies) != 2 || job.Discrepancies[0].Kind != tutoring.NotInLedger ||
		job.Discrepancies[0].Line != 3 || job.Discrepancies[1].Kind != tutoring.LicenceNoMismatch {
		t.Errorf("job %+v", job)
	}
	e, err := srv.App.FindFirstRecordByData(schema.RegistryEntries, "line", 2)
	if err != nil || e.GetString("centre") != testkit.Side("centre", "b") || e.GetString("matched_by") != "name_address" {
		t.Errorf("line 2 not matched by name and address: %v %v", e, err)
	}
	if status, _ := upload(t, srv, srv.Token("users", testkit.InspectorA), "market", "m.csv", []byte("名称\n甲\n")); status != http.StatusForbidden {
		t.Errorf("an inspector imported: %d", status)
	}
	if status, body := upload(t, srv, admin, "market", "m.csv", []byte("编号,电话\n1,2\n")); status != http.StatusBadRequest ||
		!strings.Contains(string(body), "import_file") {
		t.Errorf("no name column: %d %s", status, body)
	}
	if status, _ := upload(t, srv, admin, "tax", "m.csv", []byte("名称\n甲\n")); status != http.StatusBadRequest {
		t.Errorf("unknown source: %d", status)
	}
}
