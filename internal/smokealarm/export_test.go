package smokealarm_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/testkit"
)

const exportPath = "/api/fs/smokealarm/installs.csv"

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"王秀兰": "王*兰", "王兰": "王*", "王": "*", "欧阳秀兰": "欧**兰", "": "", " 李四 ": "李*"} {
		if got := smokealarm.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"13800000000": "138****0000", "+8613800001234": "+86*******1234",
		"62345678": "******78", "110": "***", "": ""} {
		if got := smokealarm.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func export(t *testing.T, srv *testkit.Server, token string) (int, [][]string, string) {
	t.Helper()
	res := srv.Do(http.MethodGet, exportPath, token, nil)
	if res.Status != http.StatusOK {
		return res.Status, nil, string(res.Body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	body := bytes.TrimPrefix(res.Body, []byte("\ufeff"))
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, res.Body)
	}
	return res.Status, rows, string(body)
}

// TestExport_MasksResidentsAndKeepsScope: the export masks residents' names and phones for
// everyone who may export, and lists only the installs REST lists for the caller: those of
// their subdistricts, and none for the fire brigade, which reads the progress figures but
// whom REST shows no install.
func TestExport_MasksResidentsAndKeepsScope(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	addHomes(t, srv.App)
	ia := installDoor{testkit.NewREST(t, srv, testkit.InspectorA)}
	if o := ia.create("exportinstall01", with(install("a", sides["a"].disabled, smokealarm.Networked, "E-1"),
		"consent_by", "马小红", "location_in_home", "=HYPERLINK(\"x\")",
		"installed_on", "2018-07-31 16:30:00.000Z")); !o.OK { // 00:30 on 1 August in Beijing
		t.Fatal(o)
	}
	cases := []struct {
		name, token string
		ids         []string
	}{
		{"inspector A", srv.Token("users", testkit.InspectorA), []string{testkit.Side("install", "a"), "exportinstall01"}},
		{"inspector B", srv.Token("users", testkit.InspectorB), []string{testkit.Side("install", "b")}},
		{"fire brigade", srv.Token("users", testkit.FireStaff), nil},
		{"district administrator", srv.Token("_superusers", testkit.Superuser), []string{testkit.Side("install", "a"), "exportinstall01", testkit.Side("install", "b")}},
	}
	for _, tc := range cases {
		status, rows, body := export(t, srv, tc.token)
		if status != http.StatusOK || len(rows) != len(tc.ids)+1 {
			t.Fatalf("%s: %d, %d rows:\n%s", tc.name, status, len(rows), body)
		}
		got := map[string][]string{}
		for _, r := range rows[1:] {
			got[r[0]] = r
		}
		for _, id := range tc.ids {
			if got[id] == nil {
				t.Errorf("%s: %s missing from the export", tc.name, id)
			}
		}
		for _, secret := range []string{"王秀兰", "马德明", "马小红", "13800000000", "13800000104"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s: the export holds %q", tc.name, secret)
			}
		}
		if r := got["exportinstall01"]; r != nil {
			want := map[int]string{2: "联网报警群发短信型", 3: "残疾人", 4: "否", 5: "2018-08-01", 6: "E-1", 7: "'=HYPERLINK(\"x\")", 8: "是", 9: "马*红", 10: "马*明", 11: "138****0104", 12: "网格-a"}
			for col, v := range want {
				if r[col] != v {
					t.Errorf("%s: column %s = %q, want %q", tc.name, rows[0][col], r[col], v)
				}
			}
		}
		if r := got[testkit.Side("install", "a")]; r != nil && (r[10] != "王**a" || r[11] != "138****0000") {
			t.Errorf("%s: fixture install row %v", tc.name, r)
		}
	}
	if status, _, body := export(t, srv, srv.Token("users", testkit.EnvStaff)); status != http.StatusForbidden {
		t.Errorf("environment bureau: %d %s", status, body)
	}
}

// TestExport_ResidentsDataStaysInTheSubdistrict: the records that hold residents' data answer
// only the staff of their subdistrict, even the fire brigade, which reads the figures.
func TestExport_ResidentsDataStaysInTheSubdistrict(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	for _, user := range []string{testkit.FireStaff, testkit.EnvStaff, testkit.InspectorB} {
		token := srv.Token("users", user)
		for _, path := range []string{
			installsPath + "/" + testkit.Side("install", "a"),
			"/api/collections/households/records/" + testkit.Side("household", "a"),
		} {
			if res := srv.Do(http.MethodGet, path, token, nil); res.Status != http.StatusNotFound {
				t.Errorf("%s GET %s: %d %s", user, path, res.Status, res.Body)
			}
		}
	}
	res := srv.Do(http.MethodGet, installsPath+"/"+testkit.Side("install", "a"), srv.Token("users", testkit.InspectorA), nil)
	if res.Status != http.StatusOK {
		t.Errorf("inspector A: %d %s", res.Status, res.Body)
	}
}
