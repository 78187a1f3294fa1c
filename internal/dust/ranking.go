package dust

import (
	"cmp"
	"fmt"
	bj "github.com/haidian/fieldsync/internal/beijing"
	"math"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// ComplianceTarget is the dynamic compliance rate of construction sites of the district's
// eco plan: "施工工地动态达标率达到 92% 以上" (gazette line 1174). The Blue Sky plan (19号,
// lines 3682-3772) sets no rate; MeetsTarget compares the sites checked with this one.
const ComplianceTarget = 0.92

// Beijing is the time zone of the months.
var Beijing = bj.Zone

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
	// RoadChecks counts the month's checks of level-1 and level-2 roads that recorded whether
	// the road had been machine-washed that day, RoadsWashed those that found it washed, and
	// RoadWash their share (null without checks). The plan asks for at least one machine wash a
	// day outside winter (line 3737: "一级、二级道路非冬季机械清洗作业每日不少于1次"), so every check
	// should find it: DailyWashKept says whether all of them did. This is not the plan's 89%,
	// which is the coverage of "冲、扫、洗、收" on the district's roads that 区城管委 reports, a
	// figure the spot checks do not measure.
	RoadChecks    int      `json:"road_checks"`
	RoadsWashed   int      `json:"roads_washed"`
	RoadWash      *float64 `json:"road_wash"`
	DailyWashKept *bool    `json:"daily_wash_kept"`
	// The bare-land ledger at the month's end: plots, their area and the treated area (covered,
	// greened, paved or built on), and the treated share of the area (null without plots).
	Land LandShare `json:"bare_land"`
	// Dustfall is the environment bureau's reading in tons per km² (null until entered).
	Dustfall *float64 `json:"dustfall"`
	// Rank is the place in the environment bureau's monthly ranking by dust fall, 1 for the
	// least (line 3744: "区环保局每月对各街镇降尘情况进行排名通报"); equal readings share a rank and a
	// subdistrict without a reading ranks after all those with one. The other figures stand
	// beside it and never enter it.
	Rank int `json:"rank"`
	sort int
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
		if s.RoadChecks > 0 {
			kept := s.RoadsWashed == s.RoadChecks
			s.DailyWashKept = &kept
		}
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

// rank ranks the standings by dust fall, least first, equal readings alike and those without
// a reading after them all, and orders them by rank, then in the gazette's order.
func rank(rows []Standing) {
	slices.SortStableFunc(rows, func(a, b Standing) int {
		if a.Dustfall == nil || b.Dustfall == nil {
			return cmp.Or(boolInt(a.Dustfall == nil)-boolInt(b.Dustfall == nil), cmp.Compare(a.sort, b.sort))
		}
		return cmp.Or(cmp.Compare(*a.Dustfall, *b.Dustfall), cmp.Compare(a.sort, b.sort))
	})
	ranked := 0 // rows without a reading come last, when every reading is counted
	for i := range rows {
		r := &rows[i]
		switch {
		case r.Dustfall == nil:
			r.Rank = ranked + 1
		case i > 0 && *rows[i-1].Dustfall == *r.Dustfall:
			r.Rank = rows[i-1].Rank
			ranked++
		default:
			r.Rank = i + 1
			ranked++
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
