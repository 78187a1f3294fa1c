package monthly_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// TestMonthly_FireCommitteeFiguresOfAPeriod: the figures 区防火委 is reported every month (gazette
// line 3392: "每月跟进督查工作进度") count, per subdistrict, what was found and closed in the
// period by the date of the finding's inspection, what stood open and overdue at its end, and
// the smoke alarms installed in it; a supervisor reads only their subdistrict, the fire brigade
// and anonymous visitors are refused, and the printable XLSX carries the same figures.
func TestMonthly_FireCommitteeFiguresOfAPeriod(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	a, sdA := srv.App, testkit.SubdistrictA
	venue := testkit.Side("venue", "a")
	insp := func(id, at string) {
		testkit.Save(t, a, schema.Inspections, id, map[string]any{"programme": "fire", "kind": "routine", "place": venue,
			"subdistrict": sdA, "inspected_at": at, "result": "fail"})
	}
	// Closing needs a passing re-inspection with a photo; re-inspections are not counted.
	testkit.Save(t, a, schema.Inspections, "reinspection001", map[string]any{"programme": "fire", "kind": "reinspection",
		"place": venue, "subdistrict": sdA, "inspected_at": "2018-06-17 02:00:00.000Z", "result": "pass",
		"photos": []string{testkit.Side("photo", "a")}})
	finding := func(id, inspection, severity, status, deadline, closedAt string) {
		f := map[string]any{"programme": "fire", "place": venue, "subdistrict": sdA,
			"inspection": inspection, "category": "fire.wiring", "severity": severity, "status": status,
			"description": "私拉电线", "deadline": deadline, "closed_at": closedAt}
		if status == "closed" {
			f["reinspection"] = "reinspection001"
		}
		testkit.Save(t, a, schema.Findings, id, f)
	}
	// June 2018, Beijing time: two inspections in June (one at 23:30 on 30 June, 15:30 UTC), one in May.
	insp("mayinspection01", "2018-05-20 02:00:00.000Z")
	insp("juninspection01", "2018-06-05 02:00:00.000Z")
	insp("juninspection02", "2018-06-30 15:30:00.000Z")
	finding("mayopenoverdue1", "mayinspection01", "general", "open", "2018-06-10 00:00:00.000Z", "")
	finding("junmajoropen001", "juninspection01", "major", "open", "2018-08-01 00:00:00.000Z", "")
	finding("junclosedinjun1", "juninspection01", "general", "closed", "2018-06-20 00:00:00.000Z", "2018-06-18 03:00:00.000Z")
	finding("junclosedinjul1", "juninspection02", "general", "closed", "2018-07-15 00:00:00.000Z", "2018-07-02 03:00:00.000Z")
	// The fixture's finding of A (found 2 May, due 1 June, open) stands open and overdue too.
	want := map[string]float64{"found": 3, "found_major": 1, "closed": 1, "open_at_end": 4, "overdue_at_end": 2,
		"inspections": 2, "inspections_failed": 2, "alarms_installed": 0}

	sup := srv.Token("users", testkit.SupervisorA)
	res := srv.Do(http.MethodGet, "/api/fs/monthly/fire_committee?from=2018-06&to=2018-06", sup, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("supervisor A: %d %s", res.Status, res.Body)
	}
	rows, _ := res.JSON(t)["rows"].([]any)
	if len(rows) != 1 {
		t.Fatalf("supervisor A reads %d subdistricts, want only A", len(rows))
	}
	row := rows[0].(map[string]any)
	figs, _ := row["figures"].(map[string]any)
	if row["subdistrict"] != sdA {
		t.Errorf("row of %v", row["subdistrict"])
	}
	for k, v := range want {
		if figs[k] != v {
			t.Errorf("%s = %v, want %v", k, figs[k], v)
		}
	}
	xlsx := srv.Do(http.MethodGet, "/api/fs/monthly/fire_committee.xlsx?from=2018-06&to=2018-06", srv.Token("_superusers", testkit.Superuser), nil)
	if xlsx.Status != http.StatusOK || len(xlsx.Body) == 0 {
		t.Errorf("the printable table: %d", xlsx.Status)
	}
	for _, c := range []struct {
		token  string
		path   string
		status int
	}{
		{srv.Token("users", testkit.FireStaff), "/api/fs/monthly/fire_committee?from=2018-06&to=2018-06", http.StatusForbidden},
		{"", "/api/fs/monthly/fire_committee?from=2018-06&to=2018-06", http.StatusUnauthorized},
		{sup, "/api/fs/monthly/fire_committee?from=2018-07&to=2018-06", http.StatusBadRequest},
		{sup, "/api/fs/monthly/fire_committee?from=2018-01&to=2019-01", http.StatusBadRequest},
		{sup, "/api/fs/monthly/press_office?from=2018-06&to=2018-06", http.StatusNotFound},
	} {
		if res := srv.Do(http.MethodGet, c.path, c.token, nil); res.Status != c.status {
			t.Errorf("%s: %d, want %d: %s", c.path, res.Status, c.status, res.Body)
		}
	}
}
