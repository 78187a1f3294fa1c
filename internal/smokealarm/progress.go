package smokealarm

import (
	"cmp"
	"fmt"
	"github.com/haidian/fieldsync/internal/beijing"
	"math"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// Progress is the smoke-alarm progress of one year, computed from the stored installs and
// quotas on every request; no client counter enters it.
type Progress struct {
	Year int `json:"year"`
	// Rows are the subdistrict and unit type pairs the viewer may see that have a quota or an
	// install, in the gazette's order of subdistricts, networked before ordinary.
	Rows []Row `json:"rows"`
	// District is the whole district against the plan of the year; nil for a year without a
	// plan. Every staff member who may read progress sees it: the subdistricts report against
	// the district's target, and it holds no personal data.
	District *District `json:"district"`
}

// Row is one subdistrict's progress with one unit type.
type Row struct {
	Subdistrict string `json:"subdistrict"`
	NameZH      string `json:"name_zh"`
	NameEN      string `json:"name_en"`
	UnitType    string `json:"unit_type"`
	// The quota and what the fire brigade allocated it by; zero when no quota is recorded.
	Quota      int    `json:"quota"`
	Demand     int    `json:"demand"`
	RiskLevel  string `json:"risk_level"`
	Population int    `json:"population"`
	// Installed counts the live (not voided) installs of the year, one per serial.
	Installed int  `json:"installed"`
	Remaining int  `json:"remaining"`
	OverQuota bool `json:"over_quota"`
	// ByEligibility splits Installed by resident category.
	ByEligibility map[string]int `json:"by_eligibility"`
	// To60Plus counts the installs in households with a member aged 60 or over; Share60Plus
	// is its share of Installed (null when nothing is installed). For ordinary units it is the
	// figure behind "households with members aged 60+ first".
	To60Plus    int      `json:"to_60plus"`
	Share60Plus *float64 `json:"share_60plus"`
	// WithoutPhoto counts installs recorded without a photo yet, for supervisors to follow up.
	WithoutPhoto int `json:"without_photo"`
}

// District is the district's progress against its plan.
type District struct {
	Target          int     `json:"target"`
	InstalledBefore int     `json:"installed_before"`
	Installed       int     `json:"installed"`
	Total           int     `json:"total"`
	Remaining       int     `json:"remaining"`
	Share           float64 `json:"share_of_target"`
	Deadline        string  `json:"deadline"`
	ByType          []Type  `json:"by_type"`
}

// Type is the district's progress with one unit type.
type Type struct {
	UnitType    string   `json:"unit_type"`
	Planned     int      `json:"planned"`
	Quota       int      `json:"quota"`
	Installed   int      `json:"installed"`
	To60Plus    int      `json:"to_60plus"`
	Share60Plus *float64 `json:"share_60plus"`
}

var unitTypes = []string{Networked, Ordinary}

// unitKey identifies a unit: its serial, or the install record when it has none. Serials are
// unique among live installs (a unique index and the install rules), so a unit recorded twice
// can never count twice.
const unitKey = "CASE WHEN serial != '' THEN 's:' || serial ELSE 'r:' || id END"

// installCount is one row of the installs query.
type installCount struct {
	Subdistrict  string `db:"subdistrict"`
	UnitType     string `db:"unit_type"`
	Installed    int    `db:"installed"`
	To60Plus     int    `db:"to60"`
	ElderlyAlone int    `db:"elderly_alone"`
	Disabled     int    `db:"disabled"`
	Member60Plus int    `db:"member_60plus"`
	General      int    `db:"general"`
	WithoutPhoto int    `db:"without_photo"`
}

type quotaRow struct {
	Subdistrict string `db:"subdistrict"`
	UnitType    string `db:"unit_type"`
	Demand      int    `db:"demand"`
	Quota       int    `db:"quota"`
	RiskLevel   string `db:"risk_level"`
	Population  int    `db:"population"`
}

type subdistrictRow struct {
	ID     string `db:"id"`
	NameZH string `db:"name_zh"`
	NameEN string `db:"name_en"`
	Sort   int    `db:"sort"`
}

// ComputeProgress computes the progress of year. The district figures cover every
// subdistrict; rows are kept only for the subdistricts visible says yes to.
func ComputeProgress(app core.App, year int, visible func(subdistrict string) bool) (*Progress, error) {
	counts, err := countInstalls(app, year)
	if err != nil {
		return nil, err
	}
	var quotas []quotaRow
	err = app.DB().Select("subdistrict", "unit_type", "demand", "quota", "risk_level", "population").
		From(schema.AlarmQuotas).Where(dbx.HashExp{"year": year}).All(&quotas)
	if err != nil {
		return nil, fmt.Errorf("quotas: %w", err)
	}
	var sds []subdistrictRow
	if err := app.DB().Select("id", "name_zh", "name_en", "sort").From(schema.Subdistricts).All(&sds); err != nil {
		return nil, fmt.Errorf("subdistricts: %w", err)
	}
	all := mergeRows(sds, counts, quotas)
	p := &Progress{Year: year, Rows: []Row{}}
	if plan, ok := plans[year]; ok {
		p.District = districtOf(plan, all)
	}
	for _, r := range all {
		if visible(r.Subdistrict) {
			p.Rows = append(p.Rows, r)
		}
	}
	return p, nil
}

// countInstalls counts the live installs of year per subdistrict and unit type, one per unit.
func countInstalls(app core.App, year int) ([]installCount, error) {
	countIf := func(cond, as string) string {
		return "COUNT(DISTINCT CASE WHEN " + cond + " THEN " + unitKey + " END) AS " + as
	}
	var out []installCount
	err := app.DB().Select("subdistrict", "unit_type",
		"COUNT(DISTINCT "+unitKey+") AS installed",
		countIf("household_60plus", "to60"),
		countIf("eligibility = 'elderly_alone'", "elderly_alone"),
		countIf("eligibility = 'disabled'", "disabled"),
		countIf("eligibility = 'member_60plus'", "member_60plus"),
		countIf("eligibility = 'general'", "general"),
		countIf("COALESCE(NULLIF(photos, ''), '[]') = '[]'", "without_photo"),
	).From(schema.AlarmInstalls).
		Where(dbx.NewExp("voided = FALSE")).
		AndWhere(dbx.NewExp("installed_on >= {:from} AND installed_on < {:to}", yearParams(year))).
		GroupBy("subdistrict", "unit_type").All(&out)
	if err != nil {
		return nil, fmt.Errorf("count installs: %w", err)
	}
	return out, nil
}

// mergeRows joins the counts and the quotas into one row per subdistrict and unit type that
// has either, sorted in the gazette's order.
func mergeRows(sds []subdistrictRow, counts []installCount, quotas []quotaRow) []Row {
	type key struct{ sd, unit string }
	rows := map[key]*Row{}
	row := func(sd, unit string) *Row {
		k := key{sd, unit}
		if rows[k] == nil {
			rows[k] = &Row{Subdistrict: sd, UnitType: unit, ByEligibility: map[string]int{
				ElderlyAlone: 0, Disabled: 0, Member60Plus: 0, General: 0}}
		}
		return rows[k]
	}
	for _, q := range quotas {
		r := row(q.Subdistrict, q.UnitType)
		r.Quota, r.Demand, r.RiskLevel, r.Population = q.Quota, q.Demand, q.RiskLevel, q.Population
	}
	for _, c := range counts {
		r := row(c.Subdistrict, c.UnitType)
		r.Installed, r.To60Plus, r.WithoutPhoto = c.Installed, c.To60Plus, c.WithoutPhoto
		r.ByEligibility = map[string]int{ElderlyAlone: c.ElderlyAlone, Disabled: c.Disabled,
			Member60Plus: c.Member60Plus, General: c.General}
	}
	order := map[string]subdistrictRow{}
	for _, s := range sds {
		order[s.ID] = s
	}
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		s := order[r.Subdistrict]
		r.NameZH, r.NameEN = s.NameZH, s.NameEN
		r.Remaining = max(r.Quota-r.Installed, 0)
		r.OverQuota = r.Installed > r.Quota
		r.Share60Plus = share(r.To60Plus, r.Installed)
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Row) int {
		return cmp.Or(cmp.Compare(order[a.Subdistrict].Sort, order[b.Subdistrict].Sort),
			cmp.Compare(a.Subdistrict, b.Subdistrict),
			cmp.Compare(slices.Index(unitTypes, a.UnitType), slices.Index(unitTypes, b.UnitType)))
	})
	return out
}

// districtOf sums every subdistrict's rows against plan.
func districtOf(plan Plan, rows []Row) *District {
	d := &District{Target: plan.Target, InstalledBefore: plan.InstalledBefore,
		Deadline: plan.Deadline.Format("2006-01-02")}
	planned := map[string]int{Networked: plan.Networked, Ordinary: plan.Ordinary}
	for _, unit := range unitTypes {
		t := Type{UnitType: unit, Planned: planned[unit]}
		for _, r := range rows {
			if r.UnitType == unit {
				t.Quota += r.Quota
				t.Installed += r.Installed
				t.To60Plus += r.To60Plus
			}
		}
		t.Share60Plus = share(t.To60Plus, t.Installed)
		d.ByType = append(d.ByType, t)
		d.Installed += t.Installed
	}
	d.Total = d.InstalledBefore + d.Installed
	d.Remaining = max(d.Target-d.Total, 0)
	d.Share = round4(float64(d.Total) / float64(d.Target))
	return d
}

func share(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	s := round4(float64(part) / float64(whole))
	return &s
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// yearParams bound a year of installs as Beijing counts it: an install on New Year's night
// (before 08:00 Beijing, still the 31st in UTC) belongs to the new year.
func yearParams(year int) dbx.Params {
	from, to := beijing.YearRange(year)
	return dbx.Params{"from": from, "to": to}
}
