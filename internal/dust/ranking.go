package dust

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// ComplianceTarget is the dynamic compliance rate of construction sites the eco plan asks for;
// RoadWashTarget the share of level-1 and level-2 roads machine-washed.
const (
	ComplianceTarget = 0.92
	RoadWashTarget   = 0.89
)

// Beijing is the time zone of the months.
var Beijing = time.FixedZone("CST", 8*60*60)

// Standing is one subdistrict's dust figures of a month and its places in the ranking.
type Standing struct {
	Subdistrict string `db:"id" json:"subdistrict"`
	NameZH      string `db:"name_zh" json:"name_zh"`
	NameEN      string `db:"name_en" json:"name_en"`
	// SiteChecks counts the month's survey and routine checks of construction sites (nobody
	// present excluded);
	// Compliant those that passed all six items; Compliance is their share (null without
	// checks) and MeetsTarget whether it reaches ComplianceTarget.
	SiteChecks  int      `json:"site_checks"`
	Compliant   int      `json:"compliant"`
	Compliance  *float64 `json:"compliance"`
	MeetsTarget bool     `json:"meets_target"`
	// OpenFindings are the dust findings open at the month's end; Overdue those past their
	// deadline then.
	OpenFindings int `json:"open_findings"`
	Overdue      int `json:"overdue"`
	// RoadChecks counts the month's road checks that recorded road_washed, RoadsWashed those
	// that found the road washed; RoadWash is their share (null without checks). Not ranked:
	// outside winter only, and the gazette ranks by dust fall and inspection results. The plan
	// asks for RoadWashTarget.
	RoadChecks  int      `json:"road_checks"`
	RoadsWashed int      `json:"roads_washed"`
	RoadWash    *float64 `json:"road_wash"`
	// The bare-land ledger at the month's end: plots, their area and the treated area (covered,
	// greened, paved or built on), and the treated share of the area (null without plots).
	Land LandShare `json:"bare_land"`
	// Dustfall is the environment bureau's reading in tons per km² (null until entered).
	Dustfall *float64 `json:"dustfall"`
	// The ranks, 1 best: by dust fall (lowest first), by compliance (highest first), by
	// overdue findings (fewest first), by treated bare land (highest share first); a
	// subdistrict without a figure ranks after those with one. Rank orders by the mean of the
	// four, ties by the dust-fall rank.
	DustfallRank   int     `json:"dustfall_rank"`
	ComplianceRank int     `json:"compliance_rank"`
	OverdueRank    int     `json:"overdue_rank"`
	LandRank       int     `json:"bare_land_rank"`
	Score          float64 `json:"score"`
	Rank           int     `json:"rank"`
	sort           int
}

// LandShare is the bare land of a subdistrict at a moment.
type LandShare struct {
	Plots       int      `db:"plots" json:"plots"`
	AreaM2      float64  `db:"area" json:"area_m2"`
	TreatedM2   float64  `db:"treated" json:"treated_m2"`
	TreatedRate *float64 `json:"treated_share"`
}

// Ranking is the monthly ranking of the subdistricts.
type Ranking struct {
	Month     string     `json:"month"`
	Standings []Standing `json:"standings"`
}

// monthBounds returns the UTC bounds of a Beijing month ("2018-05") as PocketBase stores dates.
func monthBounds(month string) (start, end string, err error) {
	t, err := time.ParseInLocation("2006-01", month, Beijing)
	if err != nil {
		return "", "", err
	}
	f := "2006-01-02 15:04:05.000Z"
	return t.UTC().Format(f), t.AddDate(0, 1, 0).UTC().Format(f), nil
}

// ComputeRanking ranks every subdistrict for month ("2018-05").
func ComputeRanking(app core.App, month string) (*Ranking, error) {
	start, end, err := monthBounds(month)
	if err != nil {
		return nil, err
	}
	var rows []Standing
	type sdRow struct {
		ID     string `db:"id"`
		NameZH string `db:"name_zh"`
		NameEN string `db:"name_en"`
		Sort   int    `db:"sort"`
	}
	var sds []sdRow
	if err := app.DB().Select("id", "name_zh", "name_en", "sort").From(schema.Subdistricts).OrderBy("sort", "id").All(&sds); err != nil {
		return nil, fmt.Errorf("subdistricts: %w", err)
	}
	checks, err := siteChecks(app, start, end)
	if err != nil {
		return nil, err
	}
	open, err := openFindings(app, end)
	if err != nil {
		return nil, err
	}
	land, err := LandAt(app, end)
	if err != nil {
		return nil, err
	}
	fall, err := dustfall(app, month)
	if err != nil {
		return nil, err
	}
	roads, err := roadChecks(app, start, end)
	if err != nil {
		return nil, err
	}
	for _, sd := range sds {
		s := Standing{Subdistrict: sd.ID, NameZH: sd.NameZH, NameEN: sd.NameEN, sort: sd.Sort}
		c := checks[sd.ID]
		s.SiteChecks, s.Compliant = c[0], c[1]
		if s.SiteChecks > 0 {
			s.Compliance = ratio(float64(s.Compliant), float64(s.SiteChecks))
			s.MeetsTarget = *s.Compliance >= ComplianceTarget
		}
		s.OpenFindings, s.Overdue = open[sd.ID][0], open[sd.ID][1]
		s.RoadChecks, s.RoadsWashed = roads[sd.ID][0], roads[sd.ID][1]
		s.RoadWash = ratio(float64(s.RoadsWashed), float64(s.RoadChecks))
		s.Land = land[sd.ID]
		if v, ok := fall[sd.ID]; ok {
			s.Dustfall = &v
		}
		rows = append(rows, s)
	}
	rank(rows)
	return &Ranking{Month: month, Standings: rows}, nil
}

func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	r := math.Round(a/b*1e4) / 1e4
	return &r
}

// siteChecks counts per subdistrict the month's dust checks of construction sites and those
// that passed. Re-inspections and acceptance checks of a violation are not counted: the rate
// measures how sites are found, not how their rectification is checked.
func siteChecks(app core.App, start, end string) (map[string][2]int, error) {
	var rows []struct {
		SD     string `db:"subdistrict"`
		Checks int    `db:"checks"`
		Passed int    `db:"passed"`
	}
	err := app.DB().NewQuery(`
		SELECT i.subdistrict, COUNT(*) AS checks, SUM(i.result = 'pass') AS passed
		FROM inspections i JOIN places p ON p.id = i.place
		WHERE i.programme = 'dust' AND p.kind = 'construction_site' AND i.voided = FALSE
			AND i.kind IN ('survey', 'routine') AND i.result != 'not_present' AND i.inspected_at >= {:start} AND i.inspected_at < {:end}
		GROUP BY i.subdistrict`).Bind(dbx.Params{"start": start, "end": end}).All(&rows)
	out := map[string][2]int{}
	for _, r := range rows {
		out[r.SD] = [2]int{r.Checks, r.Passed}
	}
	return out, err
}

// roadChecks counts per subdistrict the month's dust checks of roads that recorded whether
// the road was washed, and those that found it washed.
func roadChecks(app core.App, start, end string) (map[string][2]int, error) {
	var rows []struct {
		SD     string `db:"subdistrict"`
		Checks int    `db:"checks"`
		Washed int    `db:"washed"`
	}
	err := app.DB().NewQuery(`
		SELECT i.subdistrict, COUNT(*) AS checks, SUM(json_extract(i.checklist, '$.road_washed') = 1) AS washed
		FROM inspections i JOIN places p ON p.id = i.place
		WHERE i.programme = 'dust' AND p.kind = 'road' AND i.voided = FALSE
			AND json_type(i.checklist, '$.road_washed') IN ('true', 'false')
			AND i.inspected_at >= {:start} AND i.inspected_at < {:end}
		GROUP BY i.subdistrict`).Bind(dbx.Params{"start": start, "end": end}).All(&rows)
	out := map[string][2]int{}
	for _, r := range rows {
		out[r.SD] = [2]int{r.Checks, r.Washed}
	}
	return out, err
}

// openFindings counts per subdistrict the dust findings open at end, and those overdue then.
// A finding is dated by its inspection, or by its creation when it names none.
func openFindings(app core.App, end string) (map[string][2]int, error) {
	var rows []struct {
		SD      string `db:"subdistrict"`
		Open    int    `db:"open"`
		Overdue int    `db:"overdue"`
	}
	err := app.DB().NewQuery(`
		SELECT f.subdistrict, COUNT(*) AS open, SUM(f.deadline != '' AND f.deadline < {:end}) AS overdue
		FROM findings f LEFT JOIN inspections i ON i.id = f.inspection
		WHERE f.programme = 'dust' AND f.voided = FALSE AND f.status != 'voided'
			AND COALESCE(NULLIF(i.inspected_at, ''), f.created) < {:end}
			AND NOT (f.status = 'closed' AND f.closed_at != '' AND f.closed_at < {:end})
		GROUP BY f.subdistrict`).Bind(dbx.Params{"end": end}).All(&rows)
	out := map[string][2]int{}
	for _, r := range rows {
		out[r.SD] = [2]int{r.Open, r.Overdue}
	}
	return out, err
}

// LandAt sums per subdistrict the bare-land ledger as it stood at end: each live plot by its
// latest entry recorded before end.
func LandAt(app core.App, end string) (map[string]LandShare, error) {
	var rows []struct {
		SD string `db:"subdistrict"`
		LandShare
	}
	err := app.DB().NewQuery(`
		SELECT e.subdistrict, COUNT(*) AS plots, SUM(e.area_m2) AS area,
			SUM(CASE WHEN e.state != 'bare' THEN e.area_m2 ELSE 0 END) AS treated
		FROM bare_land_entries e
		JOIN places p ON p.id = e.place AND p.voided = FALSE
		WHERE e.voided = FALSE AND e.recorded_on < {:end} AND e.id = (
			SELECT l.id FROM bare_land_entries l
			WHERE l.place = e.place AND l.voided = FALSE AND l.recorded_on < {:end}
			ORDER BY l.recorded_on DESC, l.created DESC, l.id DESC LIMIT 1)
		GROUP BY e.subdistrict`).Bind(dbx.Params{"end": end}).All(&rows)
	out := map[string]LandShare{}
	for _, r := range rows {
		l := r.LandShare
		l.TreatedRate = ratio(l.TreatedM2, l.AreaM2)
		out[r.SD] = l
	}
	return out, err
}

func dustfall(app core.App, month string) (map[string]float64, error) {
	var rows []struct {
		SD  string  `db:"subdistrict"`
		Val float64 `db:"tons_per_km2"`
	}
	err := app.DB().Select("subdistrict", "tons_per_km2").From(schema.Dustfall).
		Where(dbx.HashExp{"month": month}).All(&rows)
	out := map[string]float64{}
	for _, r := range rows {
		out[r.SD] = r.Val
	}
	return out, err
}

// rank sets the ranks and orders the standings by them.
func rank(rows []Standing) {
	// by ranks the rows that have a figure 1..n by key, equal figures alike, and those
	// without one after them all.
	by := func(field func(*Standing) *int, has func(Standing) bool, key func(Standing) float64) {
		idx := make([]int, 0, len(rows))
		for i := range rows {
			if has(rows[i]) {
				idx = append(idx, i)
			}
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(key(rows[a]), key(rows[b])) })
		for n, i := range idx {
			*field(&rows[i]) = n + 1
			if prev := idx[max(n-1, 0)]; n > 0 && key(rows[i]) == key(rows[prev]) {
				*field(&rows[i]) = *field(&rows[prev])
			}
		}
		for i := range rows {
			if !has(rows[i]) {
				*field(&rows[i]) = len(idx) + 1
			}
		}
	}
	by(func(s *Standing) *int { return &s.DustfallRank }, func(s Standing) bool { return s.Dustfall != nil },
		func(s Standing) float64 { return *s.Dustfall })
	by(func(s *Standing) *int { return &s.ComplianceRank }, func(s Standing) bool { return s.Compliance != nil },
		func(s Standing) float64 { return -*s.Compliance })
	by(func(s *Standing) *int { return &s.OverdueRank }, func(Standing) bool { return true },
		func(s Standing) float64 { return float64(s.Overdue) })
	by(func(s *Standing) *int { return &s.LandRank }, func(s Standing) bool { return s.Land.TreatedRate != nil },
		func(s Standing) float64 { return -*s.Land.TreatedRate })
	for i := range rows {
		s := &rows[i]
		s.Score = float64(s.DustfallRank+s.ComplianceRank+s.OverdueRank+s.LandRank) / 4
	}
	slices.SortStableFunc(rows, func(a, b Standing) int {
		return cmp.Or(cmp.Compare(a.Score, b.Score), cmp.Compare(a.DustfallRank, b.DustfallRank), cmp.Compare(a.sort, b.sort))
	})
	for i := range rows {
		rows[i].Rank = i + 1
	}
}
