package rectify

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/refdata"
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
	return out, q.All(&out)
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
	return e.JSON(http.StatusOK, map[string]any{"figures": figs})
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

// figuresTable lays the figures out one subdistrict a row, named as the gazette names it.
func figuresTable(figs []Figures, programme string) *table.Table {
	names := map[string]string{}
	for _, sd := range refdata.Subdistricts() {
		names[sd.ID] = sd.NameZH
	}
	name := "rectify-figures"
	if programme != "" {
		name += "-" + programme
	}
	t := &table.Table{Name: name, Title: "隐患整改情况 Hazards found and rectified",
		Columns: []table.Column{{ZH: "街镇", EN: "Subdistrict"}, {ZH: "发现", EN: "Found"}, {ZH: "未销账", EN: "Open"},
			{ZH: "逾期", EN: "Overdue"}, {ZH: "督办中", EN: "Escalated open"}, {ZH: "已销账", EN: "Closed"},
			{ZH: "按期销账", EN: "Closed on time"}, {ZH: "逾期销账", EN: "Closed late"}}}
	for _, f := range figs {
		t.Rows = append(t.Rows, []any{names[f.Subdistrict], f.Found, f.Open, f.Overdue,
			f.SupervisedOpen, f.Closed, f.ClosedOnTime, f.ClosedLate})
	}
	return t
}
