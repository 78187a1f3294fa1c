package notice_test

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// pdfText extracts a PDF's text with poppler's pdftotext, which make test installs with
// chromium; without it the caller checks the structure only, and says so (under CI it fails).
func pdfText(t *testing.T, pdf []byte) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing: make test installs poppler-utils")
		}
		// Said in the output, so a run without poppler-utils is never taken for a full check.
		t.Log("pdftotext is missing: the PDF's text goes unchecked, only its structure (make test installs poppler-utils)")
		return "", false
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// Lines wrap anywhere in Chinese: compare without the layout's spaces and line breaks.
	return strings.Join(strings.Fields(string(out)), ""), true
}

func getPDF(t *testing.T, srv *testkit.Server, path, token string) []byte {
	t.Helper()
	res := srv.Do(http.MethodGet, path, token, nil)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(res.Body, []byte("%PDF-")) {
		t.Fatalf("%s: %d %s %.200s", path, res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	return res.Body
}

func TestNotice_OrderedFindingPrints(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	f := testkit.Side("finding", "a")
	path := "/api/fs/findings/" + f + "/notice.pdf"
	tokA := srv.Token("users", testkit.InspectorA)
	if res := srv.Do(http.MethodGet, path, tokA, nil); res.Status != http.StatusConflict || !strings.Contains(string(res.Body), "notice_needs_order") {
		t.Fatalf("notice of an unordered finding: %d %s", res.Status, res.Body)
	}
	res := srv.Do(http.MethodPost, "/api/fs/commands", tokA, sync.CommandRequest{Name: rectify.OrderCommand, Coll: "findings", ID: f,
		Args: map[string]any{"deadline": "2018-06-14 16:00:00.000Z", "responsible_party": "房东张某"}}) // midnight of the 15th in Beijing
	if res.Status != http.StatusOK {
		t.Fatalf("order: %d %s", res.Status, res.Body)
	}
	pdf := getPDF(t, srv, path, tokA)
	if text, ok := pdfText(t, pdf); ok {
		for _, want := range []string{"责令限期整改通知书", "房东张某", "测试路1号a", "群租：群租房私拉电线", "于2018年6月15日前整改完毕", "中华人民共和国消防法", "万寿路街道（盖章）"} {
			if !strings.Contains(text, want) {
				t.Errorf("notice lacks %q:\n%s", want, text)
			}
		}
	}
	// The other subdistrict's supervisor and strangers get nothing.
	if res := srv.Do(http.MethodGet, path, srv.Token("users", testkit.SupervisorB), nil); res.Status != http.StatusNotFound {
		t.Errorf("supervisor B: %d", res.Status)
	}
	// Anonymous visitors get REST's answer for the finding (internal/visible's papers test
	// holds every paper to this).
	if res := srv.Do(http.MethodGet, path, "", nil); res.Status != http.StatusNotFound {
		t.Errorf("anonymous: %d", res.Status)
	}
}

func TestRecord_InspectionPrintsWithItsFindings(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	path := "/api/fs/inspections/" + testkit.Side("inspection", "a") + "/record.pdf"
	pdf := getPDF(t, srv, path, srv.Token("users", testkit.SupervisorA))
	if text, ok := pdfText(t, pdf); ok {
		for _, want := range []string{"现场检查记录", "群租房a", "测试路1号a", "不合格", "2018年5月2日17:00" /* 09:00 UTC */, "发现问题（1项）", "群租房私拉电线"} {
			if !strings.Contains(text, want) {
				t.Errorf("record lacks %q:\n%s", want, text)
			}
		}
	}
	if res := srv.Do(http.MethodGet, "/api/fs/inspections/"+testkit.Side("inspection", "b")+"/record.pdf",
		srv.Token("users", testkit.SupervisorA), nil); res.Status != http.StatusNotFound {
		t.Errorf("B's inspection for supervisor A: %d", res.Status)
	}
}
