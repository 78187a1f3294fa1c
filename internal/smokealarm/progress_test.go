package smokealarm_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

const progressPath = "/api/fs/smokealarm/progress"

func getProgress(t testing.TB, srv *testkit.Server, token, query string) smokealarm.Progress {
	t.Helper()
	res := srv.Do(http.MethodGet, progressPath+query, token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("progress: %d %s", res.Status, res.Body)
	}
	var p smokealarm.Progress
	if err := json.Unmarshal(res.Body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func rowOf(p smokealarm.Progress, sd, unit string) (smokealarm.Row, bool) {
	for _, r := range p.Rows {
		if r.Subdistrict == sd && r.UnitType == unit {
			return r, true
		}
	}
	return smokealarm.Row{}, false
}

// TestProgress_Figures: the figures are counted from the live installs and set against the
// quotas and the district target; an install beyond the quota is recorded and flagged.
func TestProgress_Figures(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	addHomes(t, srv.App)
	a, b := sides["a"], sides["b"]
	ia, ib := installDoor{testkit.NewREST(t, srv, testkit.InspectorA)}, installDoor{testkit.NewREST(t, srv, testkit.InspectorB)}
	for id, body := range map[string]map[string]any{
		"progressa000001": install("a", a.elderly, smokealarm.Networked, "P-1"),
		"progressa000002": install("a", a.disabled, smokealarm.Networked, "P-2"),
		"progressa000003": install("a", a.sixty, smokealarm.Ordinary, "P-3"),
		"progressa000004": install("a", a.general, smokealarm.Ordinary, "P-4"),
		"progressa000005": install("a", a.elderly, smokealarm.Ordinary, "P-5"),
		"progressa000006": install("a", a.sixty, smokealarm.Ordinary, "P-6"),
		// Another year's install counts in that year only.
		"progressa000007": with(install("a", a.sixty, smokealarm.Ordinary, "P-7"), "installed_on", "2019-03-01 00:00:00.000Z"),
	} {
		if o := ia.create(id, body); !o.OK {
			t.Fatalf("%s: %s", id, o)
		}
	}
	if o := ib.create("progressb000001", install("b", b.disabled, smokealarm.Networked, "P-8")); !o.OK {
		t.Fatal(o)
	}
	if o := ia.patch("progressa000006", map[string]any{"voided": true}); !o.OK {
		t.Fatal(o)
	}
	// The fire brigade gives A an ordinary quota of 3 for 2018.
	save(t, srv.App, schema.AlarmQuotas, "quotaordinarya0", map[string]any{"subdistrict": testkit.SubdistrictA,
		"unit_type": smokealarm.Ordinary, "year": 2018, "demand": 4, "quota": 3, "risk_level": "high", "population": 108000})
	if o := ia.create("progressa000008", install("a", a.sixty, smokealarm.Ordinary, "P-9")); !o.OK {
		t.Fatalf("an install beyond the quota is refused: %s", o)
	}

	p := getProgress(t, srv, srv.Token("_superusers", testkit.Superuser), "")
	// Networked in A: the fixture's install (no serial, counted by record) and two more.
	net, _ := rowOf(p, testkit.SubdistrictA, smokealarm.Networked)
	if net.Installed != 3 || net.Quota != 250 || net.Demand != 300 || net.Remaining != 247 || net.OverQuota ||
		net.ByEligibility[smokealarm.ElderlyAlone] != 2 || net.ByEligibility[smokealarm.Disabled] != 1 {
		t.Errorf("A networked: %+v", net)
	}
	// Ordinary in A: P-3, P-4, P-5 and P-9 (P-6 voided, P-7 of 2019); three in households with a
	// member aged 60+ (two of 60+, one elderly living alone), one general.
	ord, _ := rowOf(p, testkit.SubdistrictA, smokealarm.Ordinary)
	if ord.Installed != 4 || ord.Quota != 3 || ord.Remaining != 0 || !ord.OverQuota || ord.To60Plus != 3 ||
		ord.Share60Plus == nil || *ord.Share60Plus != 0.75 || ord.RiskLevel != "high" || ord.Population != 108000 ||
		ord.ByEligibility[smokealarm.General] != 1 || ord.WithoutPhoto != 4 || ord.NameZH != "万寿路街道" {
		t.Errorf("A ordinary: %+v", ord)
	}
	netB, _ := rowOf(p, testkit.SubdistrictB, smokealarm.Networked)
	if netB.Installed != 2 || netB.Quota != 250 {
		t.Errorf("B networked: %+v", netB)
	}
	d := p.District
	if d == nil || d.Target != 120000 || d.InstalledBefore != 19355 || d.Installed != 9 || d.Total != 19364 ||
		d.Remaining != 120000-19364 || d.Deadline != "2018-11-30" || len(d.ByType) != 2 ||
		d.ByType[0].Planned != 5000 || d.ByType[0].Installed != 5 || d.ByType[0].Quota != 500 ||
		d.ByType[1].Planned != 95645 || d.ByType[1].Installed != 4 || d.ByType[1].Quota != 3 {
		t.Errorf("district: %+v", d)
	}
	// 2019 has no plan: rows, no district figures.
	p19 := getProgress(t, srv, srv.Token("_superusers", testkit.Superuser), "?year=2019")
	if r, _ := rowOf(p19, testkit.SubdistrictA, smokealarm.Ordinary); r.Installed != 1 || p19.District != nil {
		t.Errorf("2019: %+v", p19)
	}
}

// TestProgress_WhoSeesWhat: inspectors and supervisors see their subdistricts; the fire brigade
// and district administrators see all; other agencies and anonymous callers are refused.
func TestProgress_WhoSeesWhat(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	cases := []struct {
		name, token string
		want        []string // subdistricts of the rows
	}{
		{"inspector A", srv.Token("users", testkit.InspectorA), []string{testkit.SubdistrictA}},
		{"supervisor B", srv.Token("users", testkit.SupervisorB), []string{testkit.SubdistrictB}},
		{"fire brigade", srv.Token("users", testkit.FireStaff), []string{testkit.SubdistrictA, testkit.SubdistrictB}},
		{"district administrator", srv.Token("_superusers", testkit.Superuser), []string{testkit.SubdistrictA, testkit.SubdistrictB}},
	}
	for _, tc := range cases {
		p := getProgress(t, srv, tc.token, "")
		seen := map[string]bool{}
		for _, r := range p.Rows {
			seen[r.Subdistrict] = true
		}
		if len(seen) != len(tc.want) || p.District == nil || p.District.Installed != 2 {
			t.Errorf("%s sees %v, district %+v; want %v", tc.name, seen, p.District, tc.want)
		}
		for _, sd := range tc.want {
			if !seen[sd] {
				t.Errorf("%s does not see %s", tc.name, sd)
			}
		}
	}
	for name, token := range map[string]string{"environment bureau": srv.Token("users", testkit.EnvStaff)} {
		res := srv.Do(http.MethodGet, progressPath, token, nil)
		if res.Status != http.StatusForbidden || res.JSON(t)["code"] != "alarm_progress_forbidden" {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	if res := srv.Do(http.MethodGet, progressPath, "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d %s", res.Status, res.Body)
	}
	if res := srv.Do(http.MethodGet, progressPath+"?year=soon", srv.Token("users", testkit.InspectorA), nil); res.Status != http.StatusBadRequest || res.JSON(t)["code"] != "bad_year" {
		t.Errorf("bad year: %d %s", res.Status, res.Body)
	}
}

// TestProgress_DuplicatePushesCountOnce: an install pushed again after a lost answer, pushed
// twice under the same mid, or recorded twice by two phones counts once.
func TestProgress_DuplicatePushesCountOnce(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	addHomes(t, srv.App)
	admin := srv.Token("_superusers", testkit.Superuser)
	before := getProgress(t, srv, admin, "")
	phone := testkit.NewSync(t, srv, testkit.InspectorA, "phone-dup-a")
	m := sync.Mutation{MID: 1, Op: sync.OpCreate, Coll: schema.AlarmInstalls, ID: "duplicatepush01",
		Data: install("a", sides["a"].sixty, smokealarm.Ordinary, "DUP-1")}
	first := phone.Push(m)[0]
	again := phone.Push(m)[0] // the answer was lost: the phone sends the same mid again
	if !first.OK || again.Raw != first.Raw {
		t.Fatalf("resend: %s / %s", first, again)
	}
	phone.MID = 1
	// The phone lost its outbox and records the same unit again under a new id.
	if o := (installDoor{phone}).create("duplicatepush02", install("a", sides["a"].sixty, smokealarm.Ordinary, "dup-1")); o.OK || o.Fields["serial"] != smokealarm.CodeSerialTaken {
		t.Errorf("the same unit under a new id: %s", o)
	}
	// The same id again under a new mid.
	if o := (installDoor{phone}).create("duplicatepush01", install("a", sides["a"].sixty, smokealarm.Ordinary, "DUP-1")); o.OK || o.Code != "id_taken" {
		t.Errorf("the same id under a new mid: %s", o)
	}
	// A colleague's phone records the same unit.
	other := installDoor{testkit.NewSync(t, srv, testkit.SupervisorA, "phone-dup-sup-a")}
	if o := other.create("duplicatepush03", install("a", sides["a"].sixty, smokealarm.Ordinary, "DUP-1")); o.OK || o.Fields["serial"] != smokealarm.CodeSerialTaken {
		t.Errorf("the same unit from another phone: %s", o)
	}
	after := getProgress(t, srv, admin, "")
	if after.District.Installed != before.District.Installed+1 {
		t.Errorf("installed %d → %d, want one more", before.District.Installed, after.District.Installed)
	}
	if n, _ := srv.App.CountRecords(schema.AlarmInstalls); n != 3 {
		t.Errorf("%d installs stored, want the fixture's two and one", n)
	}
}

// The downloads carry the rows of the JSON, one a subdistrict and unit type, for the same
// viewer: inspector A gets subdistrict A's row only.
func TestProgress_Exports(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	tok := srv.Token("users", testkit.InspectorA)
	p := getProgress(t, srv, tok, "")
	res := srv.Do(http.MethodGet, progressPath+".csv", tok, nil)
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\ufeff")))).ReadAll()
	if res.Status != http.StatusOK || err != nil {
		t.Fatalf("csv: %d %v", res.Status, err)
	}
	if len(rows) != len(p.Rows)+1 || len(p.Rows) != 1 {
		t.Fatalf("csv has %d rows for %d rows of JSON", len(rows)-1, len(p.Rows))
	}
	r := p.Rows[0]
	if want := []string{r.NameZH, "联网报警群发短信型", strconv.Itoa(r.Quota), strconv.Itoa(r.Installed)}; !slices.Equal(rows[1][:4], want) {
		t.Fatalf("csv row %v, want %v…", rows[1], want)
	}
	res = srv.Do(http.MethodGet, progressPath+".xlsx?year=2018", tok, nil)
	x, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if res.Status != http.StatusOK || err != nil {
		t.Fatalf("xlsx: %d %v", res.Status, err)
	}
	if got, _ := x.GetCellValue("Sheet1", "D4"); got != strconv.Itoa(r.Installed) {
		t.Fatalf("xlsx installed %q, want %d", got, r.Installed)
	}
	if res := srv.Do(http.MethodGet, progressPath+".csv", srv.Token("users", testkit.EnvStaff), nil); res.Status != http.StatusForbidden {
		t.Fatalf("environment bureau: %d", res.Status)
	}
}
