package dust_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/dust"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

var rankingSeed = flag.Uint64("dust.seed", 0, "seed of the generated month (0: from the clock)")

// expected is what the generator recorded of one subdistrict in May 2018.
type expected struct {
	checks, compliant, open, overdue int
	roads, washed                    int
	area, treated                    float64
	dustfall                         *float64
}

// generateMonth records May 2018 for every subdistrict as server code: site checks in and
// around the month, dust findings open, overdue and closed, bare-land plots and their
// treatment, and dust fall for all but four subdistricts.
func generateMonth(t *testing.T, srv *testkit.Server, seed uint64) map[string]*expected {
	rng := rand.New(rand.NewPCG(seed, 2018))
	out := map[string]*expected{}
	n := 0
	next := func(prefix string) string { n++; return rid(prefix, n) }
	for i, sd := range refdata.Subdistricts() {
		e := &expected{}
		out[sd.ID] = e
		site := next("gsite")
		save(t, srv.App, schema.Places, site, map[string]any{"kind": "construction_site", "name": "工地 " + site,
			"subdistrict": sd.ID, "address": "建设路 " + site})
		check := func(at string, pass bool, result string) string {
			c := six()
			if !pass {
				c = six(dust.SixHundred[rng.IntN(6)])
			}
			id := next("gchk")
			save(t, srv.App, schema.Inspections, id, map[string]any{"programme": "dust", "kind": "routine", "place": site,
				"subdistrict": sd.ID, "inspected_at": at, "result": result, "checklist": c})
			return id
		}
		// The month in Beijing time: 2018-04-30 16:00Z to 2018-05-31 16:00Z.
		for k := range 2 + rng.IntN(8) {
			pass := rng.IntN(10) < 8
			check(fmt.Sprintf("2018-05-%02d 02:00:00.000Z", 1+k*3), pass, "pass")
			e.checks++
			if pass {
				e.compliant++
			}
		}
		check("2018-05-31 15:30:00.000Z", true, "pass") // 23:30 on 31 May in Beijing: May
		e.checks++
		e.compliant++
		check("2018-04-30 15:59:00.000Z", false, "fail") // still April in Beijing
		check("2018-05-31 16:30:00.000Z", false, "fail") // 1 June in Beijing
		check("2018-05-10 02:00:00.000Z", true, "not_present")
		// Findings: overdue, open and due later, closed in May, closed in June (open at May's end).
		found := check("2018-05-02 02:00:00.000Z", false, "fail")
		e.checks++
		finding := func(deadline, closedAt string) {
			d := map[string]any{"programme": "dust", "place": site, "subdistrict": sd.ID, "inspection": found,
				"category": "dust.cover", "severity": "general", "description": "土方未苫盖",
				"deadline": deadline, "responsible_party": "施工单位", "status": "ordered"}
			if closedAt != "" {
				re := next("grei")
				save(t, srv.App, schema.Inspections, re, map[string]any{"programme": "dust", "kind": "reinspection",
					"place": site, "subdistrict": sd.ID, "inspected_at": "2018-05-03 02:00:00.000Z", "result": "pass",
					"checklist": six(), "photos": []string{photoOf(t, srv, sd.ID)}})
				d["status"], d["reinspection"], d["closed_at"] = "closed", re, closedAt
			}
			save(t, srv.App, schema.Findings, next("gfnd"), d)
		}
		for range rng.IntN(3) {
			finding("2018-05-20 00:00:00.000Z", "")
			e.open++
			e.overdue++
		}
		for range rng.IntN(3) {
			finding("2018-06-20 00:00:00.000Z", "")
			e.open++
		}
		finding("2018-05-10 00:00:00.000Z", "2018-05-09 00:00:00.000Z")
		finding("2018-05-10 00:00:00.000Z", "2018-06-05 00:00:00.000Z")
		e.open++
		e.overdue++
		// Road checks: washed or not; a check that did not record it does not count.
		road := next("groad")
		save(t, srv.App, schema.Places, road, map[string]any{"kind": "road", "name": "道路 " + road,
			"subdistrict": sd.ID, "address": "道路 " + road})
		for k := range rng.IntN(4) {
			washed := rng.IntN(3) > 0
			save(t, srv.App, schema.Inspections, next("grdc"), map[string]any{"programme": "dust", "kind": "routine",
				"place": road, "subdistrict": sd.ID, "inspected_at": fmt.Sprintf("2018-05-%02d 01:00:00.000Z", 2+k),
				"result": "pass", "checklist": map[string]any{"road_washed": washed}})
			e.roads++
			if washed {
				e.washed++
			}
		}
		save(t, srv.App, schema.Inspections, next("grdc"), map[string]any{"programme": "dust", "kind": "routine",
			"place": road, "subdistrict": sd.ID, "inspected_at": "2018-05-20 01:00:00.000Z", "result": "pass",
			"checklist": map[string]any{"no_spillage": true}})
		// Bare land: each plot surveyed bare in April; some treated in May, one only in June.
		for k := range 1 + rng.IntN(3) {
			plot := next("gland")
			area := float64(500 * (1 + rng.IntN(20)))
			save(t, srv.App, schema.Places, plot, map[string]any{"kind": "bare_land", "name": "裸地 " + plot,
				"subdistrict": sd.ID, "address": "空地 " + plot})
			entry := func(on, state, treatment string) {
				save(t, srv.App, schema.LandEntries, next("gent"), map[string]any{"place": plot, "subdistrict": sd.ID,
					"recorded_on": on, "area_m2": area, "state": state, "treatment": treatment})
			}
			entry("2018-04-12 00:00:00.000Z", "bare", "none")
			e.area += area
			switch {
			case k == 0 && rng.IntN(2) == 0:
				entry("2018-05-15 00:00:00.000Z", "covered", "cover")
				e.treated += area
			case k == 1:
				entry("2018-06-15 00:00:00.000Z", "greened", "green")
			}
		}
		if i%7 != 3 {
			v := float64(40+rng.IntN(60)) / 10
			e.dustfall = &v
			save(t, srv.App, schema.Dustfall, next("gfall"), map[string]any{"subdistrict": sd.ID, "month": "2018-05", "tons_per_km2": v})
		}
	}
	return out
}

var photos int

// photoOf saves a photo of subdistrict sd, evidence for a closing re-inspection.
func photoOf(t *testing.T, srv *testkit.Server, sd string) string {
	photos++
	id := rid("gph", photos)
	sum := fmt.Sprintf("%064x", photos)
	save(t, srv.App, schema.Photos, id, map[string]any{"sha256": sum, "subdistrict": sd, "status": "pending"})
	return id
}

// TestRanking_GeneratedMonth checks every subdistrict's figures of a generated month and the
// ranks' order.
func TestRanking_GeneratedMonth(t *testing.T) {
	seed := *rankingSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -dust.seed=%d)", seed, seed)
	srv := testkit.Serve(t, testkit.NewApp(t))
	// The fixture's land entries and dust fall of May would blur the expectations.
	srv.App.DB().NewQuery("DELETE FROM bare_land_entries; DELETE FROM dustfall_readings;").Execute()
	want := generateMonth(t, srv, seed)

	res := srv.Do(http.MethodGet, "/api/fs/dust/ranking?month=2018-05", srv.Token("users", testkit.InspectorB), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	var r dust.Ranking
	if err := json.Unmarshal(res.Body, &r); err != nil || len(r.Standings) != 29 {
		t.Fatalf("%v: %d standings", err, len(r.Standings))
	}
	for i, s := range r.Standings {
		e := want[s.Subdistrict]
		if s.SiteChecks != e.checks || s.Compliant != e.compliant || s.OpenFindings != e.open || s.Overdue != e.overdue ||
			s.Land.AreaM2 != e.area || s.Land.TreatedM2 != e.treated {
			t.Errorf("%s: got checks %d/%d open %d overdue %d land %.0f/%.0f; want %d/%d %d %d %.0f/%.0f", s.NameZH,
				s.Compliant, s.SiteChecks, s.OpenFindings, s.Overdue, s.Land.TreatedM2, s.Land.AreaM2,
				e.compliant, e.checks, e.open, e.overdue, e.treated, e.area)
		}
		if s.RoadChecks != e.roads || s.RoadsWashed != e.washed || (e.roads == 0) != (s.RoadWash == nil) {
			t.Errorf("%s: roads %d/%d, want %d/%d", s.NameZH, s.RoadsWashed, s.RoadChecks, e.washed, e.roads)
		}
		if (s.Dustfall == nil) != (e.dustfall == nil) || (s.Dustfall != nil && *s.Dustfall != *e.dustfall) {
			t.Errorf("%s: dust fall %v, want %v", s.NameZH, s.Dustfall, e.dustfall)
		}
		rate := float64(e.compliant) / float64(e.checks)
		if s.Compliance == nil || *s.Compliance-rate > 1e-4 || rate-*s.Compliance > 1e-4 || s.MeetsTarget != (*s.Compliance >= 0.92) {
			t.Errorf("%s: compliance %v, want %.4f", s.NameZH, s.Compliance, rate)
		}
		// Gazette line 3744: "区环保局每月对各街镇降尘情况进行排名通报": the rank is by dust fall alone,
		// 1 + the subdistricts with less; those without a reading after all that have one.
		wantRank, withReading := 1, 0
		for _, o := range want {
			if o.dustfall != nil {
				withReading++
				if e.dustfall != nil && *o.dustfall < *e.dustfall {
					wantRank++
				}
			}
		}
		if e.dustfall == nil {
			wantRank = withReading + 1
		}
		if s.Rank != wantRank || (i > 0 && s.Rank < r.Standings[i-1].Rank) {
			t.Errorf("%s (dust fall %v): rank %d at place %d, want rank %d", s.NameZH, e.dustfall, s.Rank, i+1, wantRank)
		}
		// Line 3737: level-1/2 roads washed at least once a day: kept when every check found it.
		if (e.roads == 0) != (s.DailyWashKept == nil) || (s.DailyWashKept != nil && *s.DailyWashKept != (e.washed == e.roads)) {
			t.Errorf("%s: daily wash kept %v with %d/%d", s.NameZH, s.DailyWashKept, e.washed, e.roads)
		}
	}

	admin := srv.Token("_superusers", testkit.Superuser)
	x := srv.Do(http.MethodGet, "/api/fs/dust/ranking.xlsx?month=2018-05", admin, nil)
	f, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatalf("xlsx: %d %v", x.Status, err)
	}
	if got, _ := f.GetCellValue("扬尘月度排名", "B3"); got != r.Standings[0].NameZH {
		t.Errorf("xlsx first place %q, want %q", got, r.Standings[0].NameZH)
	}
	f.Close()
	c := srv.Do(http.MethodGet, "/api/fs/dust/ranking.csv?month=2018-05", admin, nil)
	if lines := strings.Count(string(c.Body), "\n"); c.Status != http.StatusOK || lines != 30 {
		t.Errorf("csv: %d, %d lines", c.Status, lines)
	}
	if res := srv.Do(http.MethodGet, "/api/fs/dust/ranking?month=2018-13", admin, nil); res.Status != http.StatusBadRequest {
		t.Errorf("a bad month: %d", res.Status)
	}
	if res := srv.Do(http.MethodGet, "/api/fs/dust/ranking?month=2018-05", "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", res.Status)
	}
}

// TestBareLand_TreatedShareOverTime: the ledger's latest entry of each plot at each month's
// end gives the subdistrict's treated share; field staff see their own subdistrict.
func TestBareLand_TreatedShareOverTime(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ins := newREST(t, srv, testkit.InspectorA)
	// The fixture plot of A: 1,200 m² bare since 20 April. Covered in May, partly built in July.
	land := testkit.Side("land", "a")
	for i, e := range []struct{ on, state, treatment string }{
		{"2018-05-20 00:00:00.000Z", "covered", "cover"},
		{"2018-07-02 00:00:00.000Z", "bare", "none"},
	} {
		if o := ins.Create(schema.LandEntries, rid("bl", i+1), map[string]any{"place": land, "subdistrict": testkit.SubdistrictA,
			"recorded_on": e.on, "area_m2": 1200, "state": e.state, "treatment": e.treatment}); !o.OK {
			t.Fatal(o)
		}
	}
	res := srv.Do(http.MethodGet, "/api/fs/dust/bareland?from=2018-04&to=2018-07", ins.Token, nil)
	var body struct {
		Months []dust.LandMonth `json:"months"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil || len(body.Months) != 4 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	for i, want := range []float64{0, 1, 1, 0} {
		m := body.Months[i]
		if len(m.Subdistricts) != 1 || m.Subdistricts[0].TreatedRate == nil || *m.Subdistricts[0].TreatedRate != want {
			t.Errorf("%s: %+v, want share %.0f", m.Month, m.Subdistricts, want)
		}
	}
	// The ledger stays consistent at both doors.
	for i, d := range doors(t, srv, testkit.InspectorA) {
		for j, tc := range []struct {
			place, state, treatment, field, code string
		}{
			{land, "covered", "green", "treatment", dust.CodeLandTreatment},
			{land, "bare", "pave", "treatment", dust.CodeLandTreatment},
			{testkit.Side("siteplace", "a"), "bare", "none", "place", dust.CodeLandPlace},
		} {
			o := d.Create(schema.LandEntries, rid(fmt.Sprintf("blbad%d%d", i, j), 1), map[string]any{"place": tc.place,
				"subdistrict": testkit.SubdistrictA, "recorded_on": "2018-08-01 00:00:00.000Z", "area_m2": 1200,
				"state": tc.state, "treatment": tc.treatment})
			if o.OK || o.Fields[tc.field] != tc.code {
				t.Errorf("%s %+v: %s", d.Name(), tc, o)
			}
		}
	}
	if res := srv.Do(http.MethodGet, "/api/fs/dust/bareland?from=2018-07&to=2018-04", ins.Token, nil); res.Status != http.StatusBadRequest {
		t.Errorf("reversed range: %d", res.Status)
	}
	if res := srv.Do(http.MethodGet, "/api/fs/dust/bareland?from=2018-04&to=2018-04", srv.Token("users", testkit.FireStaff), nil); res.Status != http.StatusForbidden {
		t.Errorf("fire brigade: %d", res.Status)
	}
}
