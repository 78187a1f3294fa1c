package rectify

import (
	"net/http"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/table"
)

// handleMilestones serves GET /api/fs/milestones[?programme=fire]: the plans' milestones with
// their progress. Subdistrict staff read their own subdistricts' rows; the staff of a
// milestone's lead agency (主责单位) read every subdistrict's and the district's; district
// administrators read everything. Other agencies' staff are shown no milestone they do not lead.
func (r *registration) handleMilestones(e *core.RequestEvent) error {
	ms, err := r.milestonesFor(e)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"milestones": ms})
}

// handleMilestonesFile serves the same as a CSV or XLSX download.
func (r *registration) handleMilestonesFile(format string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		ms, err := r.milestonesFor(e)
		if err != nil {
			return err
		}
		return table.Serve(e, milestonesTable(ms), format)
	}
}

func (r *registration) milestonesFor(e *core.RequestEvent) ([]Milestone, error) {
	actor := access.ActorFromAuth(e.Auth)
	if actor.Kind != access.KindSuperuser && !actor.FieldStaff() && (!actor.IsStaff() || actor.Agency == "") {
		return nil, e.ForbiddenError("只有街镇、部门工作人员和区级管理员可以查看 / only subdistrict and agency staff and district administrators", nil)
	}
	q := e.App.RecordQuery(schema.Milestones).OrderBy("due", "code")
	if p := e.Request.URL.Query().Get("programme"); p != "" {
		q.AndWhere(dbx.HashExp{"programme": p})
	}
	var recs []*core.Record
	if err := q.All(&recs); err != nil {
		return nil, e.InternalServerError("", err)
	}
	out := []Milestone{}
	for _, rec := range recs {
		m, err := ComputeMilestone(e.App, rec, r.now())
		if err != nil {
			return nil, e.InternalServerError("", err)
		}
		if visible, ok := scopeMilestone(actor, m); ok {
			out = append(out, visible)
		}
	}
	return out, nil
}

// scopeMilestone keeps what actor may read of m, and whether it may read m at all.
func scopeMilestone(a access.Actor, m Milestone) (Milestone, bool) {
	switch {
	case a.Kind == access.KindSuperuser:
		return m, true
	case a.FieldStaff():
		m.Rows = slices.DeleteFunc(m.Rows, func(p Progress) bool { return !a.InSubdistrict(p.Subdistrict) })
		m.District = nil
		return m, true
	default:
		return m, a.Agency == m.LeadAgency
	}
}

// milestoneColumns are the download's columns, named in Chinese as the figures are.
var milestoneColumns = []table.Column{
	{ZH: "计划节点", EN: "Milestone"}, {ZH: "公报行", EN: "Gazette line"}, {ZH: "完成时限", EN: "Due"},
	{ZH: "目标", EN: "Target share"}, {ZH: "计量", EN: "Measure"}, {ZH: "街镇", EN: "Subdistrict"},
	{ZH: "应完成", EN: "To do"}, {ZH: "按期完成", EN: "Done on time"}, {ZH: "逾期完成", EN: "Done late"},
	{ZH: "按期完成率", EN: "Share on time"}, {ZH: "到期未完成", EN: "Overdue"},
}

// milestonesTable lays the milestones out one subdistrict a row, the district's last.
func milestonesTable(ms []Milestone) *table.Table {
	names := subdistrictNames()
	t := &table.Table{Name: "milestones", Title: "计划节点完成情况 Plan milestones", Columns: milestoneColumns}
	for _, m := range ms {
		row := func(label string, p Progress) []any {
			overdue := "否"
			if p.Overdue {
				overdue = "是"
			}
			return []any{m.Title, m.GazetteLine, m.Due, m.Target, m.MeasureZH, label, p.Of, p.Done, p.Late, percent(p.Share), overdue}
		}
		for _, p := range m.Rows {
			t.Rows = append(t.Rows, row(names[p.Subdistrict], p))
		}
		if m.District != nil {
			t.Rows = append(t.Rows, row("全区", *m.District))
		}
	}
	return t
}
