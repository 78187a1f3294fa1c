package rectify

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/table"
)

// Figures are a subdistrict's rectification figures for one programme, computed from the
// records at the time asked, never from counters a client keeps: a finding pushed twice is
// one row, so it counts once.
type Figures struct {
	Subdistrict    string `db:"subdistrict" json:"subdistrict"`
	Found          int    `db:"found" json:"found"`
	Open           int    `db:"open" json:"open"`
	Overdue        int    `db:"overdue" json:"overdue"`
	SupervisedOpen int    `db:"supervised_open" json:"supervised_open"`
	Closed         int    `db:"closed" json:"closed"`
	ClosedOnTime   int    `db:"closed_on_time" json:"closed_on_time"`
	ClosedLate     int    `db:"closed_late" json:"closed_late"`
	// General and major hazards apart, so the fire plan's two targets read directly
	// (gazette line 3450): "一般火灾隐患100%整改、重大火灾隐患100%挂账督办".
	GeneralFound  int `db:"general_found" json:"general_found"`
	GeneralClosed int `db:"general_closed" json:"general_closed"`
	MajorFound    int `db:"major_found" json:"major_found"`
	// MajorListed counts the major hazards a government level lists (挂牌督办 by the district
	// or a subdistrict, line 3406); the automatic supervised flag every major finding carries
	// does not count, or the target would read 100% by construction.
	MajorListed            int `db:"major_listed" json:"major_listed"`
	MajorListedDistrict    int `db:"major_listed_district" json:"major_listed_district"`
	MajorListedSubdistrict int `db:"major_listed_subdistrict" json:"major_listed_subdistrict"`
	MajorClosed            int `db:"major_closed" json:"major_closed"`
	// Regional hazards (an area, not one place) and the brigade's proposals for listing.
	Regional        int `db:"regional" json:"regional"`
	ListingProposed int `db:"listing_proposed" json:"listing_proposed"`
	// The two targets' shares; null when there is nothing to count.
	GeneralRectifiedShare *float64 `db:"-" json:"general_rectified_share"`
	MajorListedShare      *float64 `db:"-" json:"major_listed_share"`
}

// share is done/of, or nil when of is zero.
func share(done, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(done) / float64(of)
	return &v
}

func (f *Figures) fillShares() {
	f.GeneralRectifiedShare = share(f.GeneralClosed, f.GeneralFound)
	f.MajorListedShare = share(f.MajorListed, f.MajorFound)
}

// FiguresScope limits the findings figures count.
type FiguresScope struct {
	// Programme is the programme counted; "" counts every programme.
	Programme string
	// Subdistricts, when not nil, limits the figures to these subdistricts.
	Subdistricts []string
	// Agency, when not "", limits them to findings referred to this agency: the figures an
	// agency answers for, and nothing else of a subdistrict.
	Agency string
}

// ComputeFigures returns the figures of the findings in scope per subdistrict. A finding is
// overdue at now when it is open past its deadline, whether or not the escalation job has
// run yet.
func ComputeFigures(app core.App, scope FiguresScope, now time.Time) ([]Figures, error) {
	at, err := types.ParseDateTime(now.UTC())
	if err != nil {
		return nil, err
	}
	q := app.DB().Select(
		"subdistrict",
		"COUNT(*) AS found",
		"SUM(status != 'closed') AS open",
		"SUM(status != 'closed' AND deadline != '' AND deadline < {:now}) AS overdue",
		"SUM(status != 'closed' AND supervised) AS supervised_open",
		"SUM(status = 'closed') AS closed",
		"SUM(status = 'closed' AND (deadline = '' OR closed_at <= deadline)) AS closed_on_time",
		"SUM(status = 'closed' AND deadline != '' AND closed_at > deadline) AS closed_late",
		"SUM(severity = 'general') AS general_found",
		"SUM(severity = 'general' AND status = 'closed') AS general_closed",
		"SUM(severity = 'major') AS major_found",
		"SUM(severity = 'major' AND supervision_level != '') AS major_listed",
		"SUM(severity = 'major' AND supervision_level = 'district') AS major_listed_district",
		"SUM(severity = 'major' AND supervision_level = 'subdistrict') AS major_listed_subdistrict",
		"SUM(severity = 'major' AND status = 'closed') AS major_closed",
		"SUM(regional) AS regional",
		"SUM(listing_proposed_at != '') AS listing_proposed",
	).From(schema.Findings).Where(dbx.HashExp{"voided": false}).
		GroupBy("subdistrict").OrderBy("subdistrict").Bind(dbx.Params{"now": at.String()})
	if scope.Programme != "" {
		q.AndWhere(dbx.HashExp{"programme": scope.Programme})
	}
	if scope.Subdistricts != nil {
		q.AndWhere(dbx.In("subdistrict", anyOf(scope.Subdistricts)...))
	}
	if scope.Agency != "" {
		q.AndWhere(dbx.HashExp{schema.FieldAgency: scope.Agency})
	}
	out := []Figures{}
	if err := q.All(&out); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].fillShares()
	}
	return out, nil
}

func anyOf(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// handleFigures serves GET /api/fs/rectify/figures?programme=fire: subdistrict staff get their
// subdistricts, agency staff the findings referred to their agency (the fire brigade answers
// for the fire findings it is given, gazette line 3450), district administrators all.
func (r *registration) handleFigures(e *core.RequestEvent) error {
	figs, err := r.figuresFor(e)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"figures": figs, "columns": figureColumns(),
		"total": total(figs), "targets": fireTargets(e.Request.URL.Query().Get("programme"), total(figs))})
}

// Target is one of the fire plan's targets read against the figures.
type Target struct {
	Key   string   `json:"key"`
	ZH    string   `json:"zh"`
	EN    string   `json:"en"`
	Line  int      `json:"gazette_line"`
	Done  int      `json:"done"`
	Of    int      `json:"of"`
	Share *float64 `json:"share"`
}

// fireTargets are line 3450's two targets over the figures' total; none for other programmes.
func fireTargets(programme string, t Figures) []Target {
	if programme != "fire" {
		return []Target{}
	}
	return []Target{
		{Key: "general_rectified", ZH: "一般火灾隐患100%整改", EN: "every general fire hazard rectified", Line: 3450,
			Done: t.GeneralClosed, Of: t.GeneralFound, Share: t.GeneralRectifiedShare},
		{Key: "major_listed", ZH: "重大火灾隐患100%挂账督办", EN: "every major fire hazard listed for supervised rectification", Line: 3450,
			Done: t.MajorListed, Of: t.MajorFound, Share: t.MajorListedShare},
	}
}

// total adds the rows up (the subdistrict left empty).
func total(figs []Figures) Figures {
	var t Figures
	for _, f := range figs {
		t.Found += f.Found
		t.Open += f.Open
		t.Overdue += f.Overdue
		t.SupervisedOpen += f.SupervisedOpen
		t.Closed += f.Closed
		t.ClosedOnTime += f.ClosedOnTime
		t.ClosedLate += f.ClosedLate
		t.GeneralFound += f.GeneralFound
		t.GeneralClosed += f.GeneralClosed
		t.MajorFound += f.MajorFound
		t.MajorListed += f.MajorListed
		t.MajorListedDistrict += f.MajorListedDistrict
		t.MajorListedSubdistrict += f.MajorListedSubdistrict
		t.MajorClosed += f.MajorClosed
		t.Regional += f.Regional
		t.ListingProposed += f.ListingProposed
	}
	t.fillShares()
	return t
}

// handleFiguresFile serves the same figures as a CSV or XLSX download
// (GET /api/fs/rectify/figures.csv?programme=fire).
func (r *registration) handleFiguresFile(format string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		figs, err := r.figuresFor(e)
		if err != nil {
			return err
		}
		programme := e.Request.URL.Query().Get("programme")
		return table.Serve(e, figuresTable(figs, programme), format)
	}
}

func (r *registration) figuresFor(e *core.RequestEvent) ([]Figures, error) {
	actor := access.ActorFromAuth(e.Auth)
	scope := FiguresScope{Programme: e.Request.URL.Query().Get("programme")}
	switch {
	case actor.Kind == access.KindSuperuser:
	case actor.FieldStaff():
		scope.Subdistricts = actor.Subdistricts
	case actor.IsStaff() && actor.Agency != "":
		scope.Agency = actor.Agency
	default:
		return nil, e.ForbiddenError("只有街镇、部门工作人员和区级管理员可以查看 / only subdistrict and agency staff and district administrators", nil)
	}
	figs, err := ComputeFigures(e.App, scope, r.now())
	if err != nil {
		return nil, e.InternalServerError("", err)
	}
	return figs, nil
}

// figureColumn is one column of the figures: its JSON key, its headings and its cell.
type figureColumn struct {
	Key  string `json:"key"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
	cell func(Figures) any
}

func percent(p *float64) any {
	if p == nil {
		return ""
	}
	return *p
}

// figureColumns name the figures as the gazette does; the JSON answer carries the same
// headings, so every screen labels them alike.
func figureColumns() []figureColumn {
	return []figureColumn{
		{"found", "发现", "Found", func(f Figures) any { return f.Found }},
		{"open", "未销账", "Open", func(f Figures) any { return f.Open }},
		{"overdue", "逾期", "Overdue", func(f Figures) any { return f.Overdue }},
		{"supervised_open", "督办中", "Escalated open", func(f Figures) any { return f.SupervisedOpen }},
		{"closed", "已销账", "Closed", func(f Figures) any { return f.Closed }},
		{"closed_on_time", "按期销账", "Closed on time", func(f Figures) any { return f.ClosedOnTime }},
		{"closed_late", "逾期销账", "Closed late", func(f Figures) any { return f.ClosedLate }},
		{"general_found", "一般隐患", "General hazards", func(f Figures) any { return f.GeneralFound }},
		{"general_closed", "一般隐患已整改", "General hazards rectified", func(f Figures) any { return f.GeneralClosed }},
		{"general_rectified_share", "一般隐患整改率（目标100%）", "General hazards rectified, share (target 100%)",
			func(f Figures) any { return percent(f.GeneralRectifiedShare) }},
		{"major_found", "重大隐患", "Major hazards", func(f Figures) any { return f.MajorFound }},
		{"major_listed", "重大隐患已挂账督办", "Major hazards listed for supervision", func(f Figures) any { return f.MajorListed }},
		{"major_listed_district", "其中区级挂牌", "of which by the district", func(f Figures) any { return f.MajorListedDistrict }},
		{"major_listed_subdistrict", "其中街镇级挂牌", "of which by the subdistrict", func(f Figures) any { return f.MajorListedSubdistrict }},
		{"major_listed_share", "重大隐患挂账督办率（目标100%）", "Major hazards listed, share (target 100%)",
			func(f Figures) any { return percent(f.MajorListedShare) }},
		{"major_closed", "重大隐患已整改", "Major hazards rectified", func(f Figures) any { return f.MajorClosed }},
		{"regional", "区域性隐患", "Regional hazards", func(f Figures) any { return f.Regional }},
		{"listing_proposed", "提请政府挂牌督改", "Proposed for government listing", func(f Figures) any { return f.ListingProposed }},
	}
}

// figuresTable lays the figures out one subdistrict a row, named as the gazette names it,
// with the total last when there is more than one row.
func figuresTable(figs []Figures, programme string) *table.Table {
	names := subdistrictNames()
	name := "rectify-figures"
	if programme != "" {
		name += "-" + programme
	}
	cols := figureColumns()
	t := &table.Table{Name: name, Title: "隐患整改情况 Hazards found and rectified",
		Columns: []table.Column{{ZH: "街镇", EN: "Subdistrict"}}}
	for _, c := range cols {
		t.Columns = append(t.Columns, table.Column{ZH: c.ZH, EN: c.EN})
	}
	row := func(label string, f Figures) []any {
		r := []any{label}
		for _, c := range cols {
			r = append(r, c.cell(f))
		}
		return r
	}
	for _, f := range figs {
		t.Rows = append(t.Rows, row(names[f.Subdistrict], f))
	}
	if len(figs) > 1 {
		t.Rows = append(t.Rows, row("合计", total(figs)))
	}
	return t
}
