package smokealarm

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/table"
	"github.com/haidian/fieldsync/internal/vocab"
)

// The routes, under /api/fs/smokealarm:
//
//	GET progress?year=2018      the Progress of the year as JSON
//	GET progress.csv, .xlsx     the same rows as a download
//	GET installs.csv?year=2018  the live installs of the year as CSV, residents' data masked
//
// All need a signed-in staff member or district administrator. Inspectors and supervisors see
// their own subdistricts; the fire brigade, which allocates the quotas and buys the units, and
// district administrators see every subdistrict's figures. Other agencies are refused. The
// export lists records, so it is drawn with the caller's own rules (internal/visible): only
// the installs REST lists for them, which for the fire brigade is none.
func routes(se *core.ServeEvent) {
	g := se.Router.Group("/api/fs/smokealarm")
	g.Bind(apis.RequireAuth(core.CollectionNameSuperusers, "users"))
	g.GET("/progress", handleProgress)
	g.GET("/progress.csv", handleProgressFile(table.CSV))
	g.GET("/progress.xlsx", handleProgressFile(table.XLSX))
	g.GET("/installs.csv", handleExport)
}

var (
	errNotAllowed = fault.New(fault.Permission, "alarm_progress_forbidden",
		"只有街镇巡查员、主管、消防支队和区级管理员可以查看烟感安装进度",
		"only subdistrict staff, the fire brigade and district administrators may read smoke-alarm progress")
	errBadYear = fault.New(fault.Invalid, "bad_year", "年份无效", "year must be a number between 2000 and 2100")
)

// viewer is what a caller may see of the programme's figures: every subdistrict, or some.
type viewer struct {
	all          bool
	subdistricts []string
}

func (v viewer) sees(subdistrict string) bool {
	return v.all || slices.Contains(v.subdistricts, subdistrict)
}

// viewerOf decides what auth may see.
func viewerOf(auth *core.Record) (viewer, error) {
	a := access.ActorFromAuth(auth)
	switch {
	case a.Kind == access.KindSuperuser:
		return viewer{all: true}, nil
	case a.IsStaff() && a.Agency != "" && a.Agency == fireBrigade():
		return viewer{all: true}, nil
	case a.FieldStaff() && len(a.Subdistricts) > 0:
		return viewer{subdistricts: a.Subdistricts}, nil
	}
	return viewer{}, errNotAllowed
}

// fireBrigade is the id of 海淀消防支队, the agency that allocates the quotas.
func fireBrigade() string {
	for _, ag := range refdata.Agencies() {
		if ag.Code == "fire" {
			return ag.ID
		}
	}
	return ""
}

// request reads the viewer and the year of a request.
func request(e *core.RequestEvent) (viewer, int, error) {
	v, err := viewerOf(e.Auth)
	if err != nil {
		return v, 0, err
	}
	year := Plan2018.Year
	if s := e.Request.URL.Query().Get("year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2000 || n > 2100 {
			return v, 0, errBadYear
		}
		year = n
	}
	return v, year, nil
}

// progressFor computes the progress a request asks for, as its caller may see it.
func progressFor(e *core.RequestEvent) (*Progress, error) {
	v, year, err := request(e)
	if err != nil {
		return nil, err
	}
	return ComputeProgress(e.App, year, v.sees)
}

func handleProgress(e *core.RequestEvent) error {
	p, err := progressFor(e)
	if err != nil {
		return writeError(e, err)
	}
	return e.JSON(http.StatusOK, p)
}

func handleProgressFile(format string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		p, err := progressFor(e)
		if err != nil {
			return writeError(e, err)
		}
		return table.Serve(e, progressTable(p), format)
	}
}

// progressTable lays out the progress one subdistrict and unit type a row.
func progressTable(p *Progress) *table.Table {
	t := &table.Table{Name: fmt.Sprintf("smoke-alarm-progress-%d", p.Year),
		Title: fmt.Sprintf("%d 年独立式感烟火灾探测报警器安装进度 Smoke-alarm installs %d", p.Year, p.Year),
		Columns: []table.Column{{ZH: "街镇", EN: "Subdistrict"}, {ZH: "类型", EN: "Unit type"}, {ZH: "配额", EN: "Quota"},
			{ZH: "已安装", EN: "Installed"}, {ZH: "剩余", EN: "Remaining"}, {ZH: "60岁以上户", EN: "To 60+ households"},
			{ZH: "缺照片", EN: "Without photo"}}}
	for _, r := range p.Rows {
		unit := r.UnitType
		if term, ok := vocab.AlarmUnitType.Label(r.UnitType); ok {
			unit = term.ZH
		}
		t.Rows = append(t.Rows, []any{r.NameZH, unit, r.Quota, r.Installed, r.Remaining, r.To60Plus, r.WithoutPhoto})
	}
	return t
}

// writeError answers with the shape of PocketBase's errors plus a stable code, as the sync
// routes do. Failures that are not a fault keep their cause in the log.
func writeError(e *core.RequestEvent, err error) error {
	fe, ok := fault.As(err)
	if !ok {
		e.App.Logger().Error("smoke-alarm request failed", "path", e.Request.URL.Path, "error", err)
		fe = fault.New(fault.Internal, "internal", "服务器内部错误，请稍后重试", "internal error; retry later")
	}
	return e.JSON(fe.Status(), fe.Body())
}
