package dust

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/refdata"
)

// The routes, under /api/fs/dust:
//
//	GET ranking?month=2018-05        the monthly ranking of the 29 subdistricts as JSON
//	GET ranking.xlsx?month=2018-05   the same as a spreadsheet
//	GET ranking.csv?month=2018-05    the same as CSV
//	GET bareland?from=2018-04&to=2018-09   the bare-land ledger's treated share per month
//	POST site-lists, GET site-lists?quarter=2018-Q2   the quarterly site lists (sitelist.go)
//
// The ranking is published to every signed-in staff member and district administrators: it
// compares the subdistricts and holds no personal data. The bare-land figures show field
// staff their own subdistricts, and the environment bureau and district administrators every one.
func routes(se *core.ServeEvent) {
	g := se.Router.Group("/api/fs/dust")
	g.Bind(apis.RequireAuth(core.CollectionNameSuperusers, "users"))
	g.GET("/ranking", handleRanking)
	g.GET("/ranking.xlsx", handleRankingXLSX)
	g.GET("/ranking.csv", handleRankingCSV)
	g.GET("/bareland", handleBareLand)
	g.POST("/site-lists", handleSendSiteList)
	g.GET("/site-lists", handleSiteLists)
}

var (
	errBadMonth = fault.New(fault.Invalid, "bad_month", "月份无效，格式为 2018-05", "month must be a month such as 2018-05")
	errRange    = fault.New(fault.Invalid, "bad_month_range", "月份范围无效，最多36个月",
		"from and to must be months, from not after to, at most 36 months")
	errForbidden = fault.New(fault.Permission, "dust_figures_forbidden",
		"只有街镇工作人员、区环保局和区级管理员可以查看", "only subdistrict staff, the environment bureau and district administrators may read these figures")
)

func rankingRequest(e *core.RequestEvent) (*Ranking, error) {
	a := access.ActorFromAuth(e.Auth)
	if a.Kind != access.KindSuperuser && !a.IsStaff() {
		return nil, errForbidden
	}
	month := e.Request.URL.Query().Get("month")
	if _, _, err := monthBounds(month); err != nil {
		return nil, errBadMonth
	}
	return ComputeRanking(e.App, month)
}

func handleRanking(e *core.RequestEvent) error {
	r, err := rankingRequest(e)
	if err != nil {
		return writeError(e, err)
	}
	return e.JSON(http.StatusOK, r)
}

// rankingColumns are the exports' columns, each with its value in a standing.
var rankingColumns = []struct {
	head  string
	value func(Standing) any
}{
	{"降尘排名 rank by dust fall", func(s Standing) any { return s.Rank }},
	{"街镇 subdistrict", func(s Standing) any { return s.NameZH }},
	{"降尘量（吨/平方公里） dust fall", func(s Standing) any { return opt(s.Dustfall) }},
	{"工地检查次数 site checks", func(s Standing) any { return s.SiteChecks }},
	{"达标次数 compliant", func(s Standing) any { return s.Compliant }},
	{"达标率 compliance", func(s Standing) any { return opt(s.Compliance) }},
	{"未整改扬尘问题 open findings", func(s Standing) any { return s.OpenFindings }},
	{"逾期未整改 overdue", func(s Standing) any { return s.Overdue }},
	{"道路检查次数 road checks", func(s Standing) any { return s.RoadChecks }},
	{"一、二级道路检查时已冲洗 roads washed that day", func(s Standing) any { return s.RoadsWashed }},
	{"每日冲洗达标 daily wash kept", func(s Standing) any { return optBool(s.DailyWashKept) }},
	{"裸地块数 bare-land plots", func(s Standing) any { return s.Land.Plots }},
	{"裸地面积（平方米） area m²", func(s Standing) any { return s.Land.AreaM2 }},
	{"已治理面积（平方米） treated m²", func(s Standing) any { return s.Land.TreatedM2 }},
	{"治理率 treated share", func(s Standing) any { return opt(s.Land.TreatedRate) }},
}

// optBool is a yes or no that may be missing: 是, 否 or empty in a file.
func optBool(v *bool) any {
	switch {
	case v == nil:
		return ""
	case *v:
		return "是"
	}
	return "否"
}

// opt is a figure that may be missing: empty in a file.
func opt(v *float64) any {
	if v == nil {
		return ""
	}
	return *v
}

func handleRankingXLSX(e *core.RequestEvent) error {
	r, err := rankingRequest(e)
	if err != nil {
		return writeError(e, err)
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "扬尘月度排名"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return writeError(e, err)
	}
	cell := func(col, row int) string {
		name, _ := excelize.CoordinatesToCellName(col+1, row)
		return name
	}
	set := func(col, row int, v any) {
		if err == nil {
			err = f.SetCellValue(sheet, cell(col, row), v)
		}
	}
	set(0, 1, fmt.Sprintf("海淀区各街镇扬尘治理月度排名（%s）", r.Month))
	for c, col := range rankingColumns {
		set(c, 2, col.head)
	}
	for i, s := range r.Standings {
		for c, col := range rankingColumns {
			set(c, i+3, col.value(s))
		}
	}
	if err != nil {
		return writeError(e, err)
	}
	h := e.Response.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="dust-ranking-%s.xlsx"`, r.Month))
	e.Response.WriteHeader(http.StatusOK)
	return f.Write(e.Response)
}

func handleRankingCSV(e *core.RequestEvent) error {
	r, err := rankingRequest(e)
	if err != nil {
		return writeError(e, err)
	}
	h := e.Response.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="dust-ranking-%s.csv"`, r.Month))
	e.Response.WriteHeader(http.StatusOK)
	if err := writeRankingCSV(e.Response, r); err != nil {
		e.App.Logger().Error("dust ranking export failed", "error", err)
	}
	return nil
}

func writeRankingCSV(out io.Writer, r *Ranking) error {
	if _, err := io.WriteString(out, "\ufeff"); err != nil {
		return err
	}
	w := csv.NewWriter(out)
	head := []string{"月份 month"}
	for _, c := range rankingColumns {
		head = append(head, c.head)
	}
	if err := w.Write(head); err != nil {
		return err
	}
	for _, s := range r.Standings {
		line := []string{r.Month}
		for _, c := range rankingColumns {
			line = append(line, fmt.Sprint(c.value(s)))
		}
		if err := w.Write(line); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// LandMonth is the bare-land ledger of the subdistricts at the end of a month.
type LandMonth struct {
	Month        string              `json:"month"`
	Subdistricts []LandOfSubdistrict `json:"subdistricts"`
}

// LandOfSubdistrict is one subdistrict's bare land at a month's end.
type LandOfSubdistrict struct {
	Subdistrict string `json:"subdistrict"`
	NameZH      string `json:"name_zh"`
	LandShare
}

// landViewer decides which subdistricts' bare-land figures the caller reads:
// field staff their own, the environment bureau and district administrators every one.
func landViewer(e *core.RequestEvent) (func(string) bool, error) {
	a := access.ActorFromAuth(e.Auth)
	switch {
	case a.Kind == access.KindSuperuser || (a.IsStaff() && a.Agency != "" && a.Agency == envBureau()):
		return func(string) bool { return true }, nil
	case a.FieldStaff():
		return func(sd string) bool { return slices.Contains(a.Subdistricts, sd) }, nil
	}
	return nil, errForbidden
}

func handleBareLand(e *core.RequestEvent) error {
	sees, err := landViewer(e)
	if err != nil {
		return writeError(e, err)
	}
	q := e.Request.URL.Query()
	from, err1 := time.ParseInLocation("2006-01", q.Get("from"), Beijing)
	to, err2 := time.ParseInLocation("2006-01", q.Get("to"), Beijing)
	if err1 != nil || err2 != nil || to.Before(from) || to.After(from.AddDate(3, 0, 0)) {
		return writeError(e, errRange)
	}
	out := []LandMonth{}
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		month := m.Format("2006-01")
		_, end, _ := monthBounds(month)
		land, err := LandAt(e.App, end)
		if err != nil {
			return writeError(e, err)
		}
		lm := LandMonth{Month: month, Subdistricts: []LandOfSubdistrict{}}
		for _, sd := range refdata.Subdistricts() {
			if sees(sd.ID) {
				lm.Subdistricts = append(lm.Subdistricts, LandOfSubdistrict{Subdistrict: sd.ID, NameZH: sd.NameZH, LandShare: land[sd.ID]})
			}
		}
		out = append(out, lm)
	}
	return e.JSON(http.StatusOK, map[string]any{"months": out})
}

func envBureau() string {
	for _, ag := range refdata.Agencies() {
		if ag.Code == "env" {
			return ag.ID
		}
	}
	return ""
}

// writeError answers with the shape of PocketBase's errors plus a stable code.
func writeError(e *core.RequestEvent, err error) error {
	fe, ok := fault.As(err)
	if !ok {
		e.App.Logger().Error("dust request failed", "path", e.Request.URL.Path, "error", err)
		fe = fault.New(fault.Internal, "internal", "服务器内部错误，请稍后重试", "internal error; retry later")
	}
	return e.JSON(fe.Status(), fe.Body())
}
