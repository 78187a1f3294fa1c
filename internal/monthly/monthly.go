// Package monthly prints the figures of a period for the district's leadership bodies, which
// meet and are reported to every month: 区防火委 for fire hazards and smoke alarms (gazette line
// 3392: "每月跟进督查工作进度"), the air-pollution office for dust (line 3744: "区环保局每月对各街镇
// 降尘情况进行排名通报"; the gazette does not name the office, issue 20 does), and the tutoring
// working group 区专项治理小组 (line 4652; 4810: "每月一次…牵头召开联席工作会议").
//
//	GET /api/fs/monthly/{body}?from=2018-06&to=2018-06    JSON
//	GET /api/fs/monthly/{body}.csv, .xlsx (same query)     the printable table
//
// body is fire_committee, air_office or tutoring_group; the period runs from the first day of
// month from to the last day of month to (Beijing time), at most 12 months. Each row is a
// subdistrict: what was found, closed and checked in the period, and what stood open at its
// end. District administrators read every subdistrict; inspectors and supervisors their own.
// The figures are counts computed from the stored records on every request: no record's text
// and no name is printed.
package monthly

import (
	"fmt"
	bj "github.com/haidian/fieldsync/internal/beijing"
	"net/http"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/table"
)

// Beijing is the time zone of the months.
var Beijing = bj.Zone

// figure is one column: its headings and the SQL counting it per subdistrict over the period
// [{:start}, {:end}), grouped by a subdistrict column named sd.
type figure struct {
	key    string
	zh, en string
	query  string
}

// findings counts a programme's findings: found in the period (by the date of the inspection
// that found them, else when stored), closed in it, open at its end, and the major ones found.
func findings(programme string) []figure {
	found := `COALESCE(NULLIF((SELECT i.inspected_at FROM inspections i WHERE i.id = f.inspection), ''), f.created)`
	from := ` FROM findings f WHERE f.voided = FALSE AND f.programme = '` + programme + `'`
	return []figure{
		{"found", "本期发现隐患", "Found in the period",
			`SELECT f.subdistrict AS sd, COUNT(*) AS n` + from + ` AND ` + found + ` >= {:start} AND ` + found + ` < {:end} GROUP BY f.subdistrict`},
		{"found_major", "其中重大隐患", "of which major",
			`SELECT f.subdistrict AS sd, COUNT(*) AS n` + from + ` AND f.severity = 'major' AND ` + found + ` >= {:start} AND ` + found + ` < {:end} GROUP BY f.subdistrict`},
		{"closed", "本期整改销账", "Closed in the period",
			`SELECT f.subdistrict AS sd, COUNT(*) AS n` + from + ` AND f.status = 'closed' AND f.closed_at >= {:start} AND f.closed_at < {:end} GROUP BY f.subdistrict`},
		{"open_at_end", "期末未销账", "Open at the period's end",
			`SELECT f.subdistrict AS sd, COUNT(*) AS n` + from + ` AND ` + found + ` < {:end} AND (f.status != 'closed' OR f.closed_at >= {:end}) GROUP BY f.subdistrict`},
		{"overdue_at_end", "期末逾期未整改", "Overdue at the period's end",
			`SELECT f.subdistrict AS sd, COUNT(*) AS n` + from + ` AND ` + found + ` < {:end} AND (f.status != 'closed' OR f.closed_at >= {:end}) AND f.deadline != '' AND f.deadline < {:end} GROUP BY f.subdistrict`},
	}
}

// inspections counts a programme's inspections in the period, and those that failed.
func inspections(programme, kindsSQL string) []figure {
	from := ` FROM inspections WHERE voided = FALSE AND programme = '` + programme + `' AND kind IN (` + kindsSQL + `) AND inspected_at >= {:start} AND inspected_at < {:end}`
	return []figure{
		{"inspections", "本期检查", "Inspections in the period", `SELECT subdistrict AS sd, COUNT(*) AS n` + from + ` GROUP BY subdistrict`},
		{"inspections_failed", "其中不合格", "of which failed", `SELECT subdistrict AS sd, COUNT(*) AS n` + from + ` AND result = 'fail' GROUP BY subdistrict`},
	}
}

// Body is a leadership body and the figures it is reported.
type Body struct {
	Code    string
	ZH, EN  string
	figures []figure
}

// Bodies are the leadership bodies, by code.
var Bodies = map[string]Body{
	"fire_committee": {"fire_committee", "区防火安全委员会", "District Fire Safety Committee", append(append(
		findings("fire"), inspections("fire", `'survey', 'routine'`)...),
		figure{"alarms_installed", "本期安装烟感报警器", "Smoke alarms installed in the period",
			`SELECT subdistrict AS sd, COUNT(*) AS n FROM smoke_alarm_installs WHERE voided = FALSE AND installed_on >= {:start} AND installed_on < {:end} GROUP BY subdistrict`},
		figure{"alarms_networked", "其中联网型", "of which networked",
			`SELECT subdistrict AS sd, COUNT(*) AS n FROM smoke_alarm_installs WHERE voided = FALSE AND unit_type = 'networked' AND installed_on >= {:start} AND installed_on < {:end} GROUP BY subdistrict`},
	)},
	"air_office": {"air_office", "区大气污染综合治理领导小组办公室", "District Air Pollution Control Office", append(
		inspections("dust", `'survey', 'routine'`), findings("dust")...)},
	"tutoring_group": {"tutoring_group", "区校外培训机构专项治理行动工作小组", "District Tutoring Centre Working Group", append(
		inspections("tutoring", `'survey', 'routine'`), findings("tutoring")...)},
}

// Row is one subdistrict's figures of the period, by figure key.
type Row struct {
	Subdistrict string         `json:"subdistrict"`
	NameZH      string         `json:"name_zh"`
	Figures     map[string]int `json:"figures"`
}

// Report is a body's figures for a period.
type Report struct {
	Body    string   `json:"body"`
	NameZH  string   `json:"name_zh"`
	From    string   `json:"from"`
	To      string   `json:"to"`
	Columns []string `json:"columns"`
	Rows    []Row    `json:"rows"`
}

var (
	errUnknownBody = fault.New(fault.NotExist, "monthly_body_unknown", "没有这个领导机构的月报", "no monthly report for this body")
	errPeriod      = fault.New(fault.Invalid, "bad_period", "期间无效：from、to 为月份（如 2018-06），from 不晚于 to，最多 12 个月",
		"from and to must be months such as 2018-06, from not after to, at most 12 months")
	errForbidden = fault.New(fault.Permission, "monthly_forbidden", "只有街镇巡查员、主管和区级管理员可以查看月报",
		"only subdistrict inspectors and supervisors and district administrators may read the monthly reports")
)

// Compute computes body's report for the months from..to, for the subdistricts sees admits.
func Compute(app core.App, body Body, from, to time.Time, sees func(string) bool) (*Report, error) {
	f := "2006-01-02 15:04:05.000Z"
	params := dbx.Params{"start": from.UTC().Format(f), "end": to.AddDate(0, 1, 0).UTC().Format(f)}
	counts := map[string]map[string]int{}
	for _, fig := range body.figures {
		var rows []struct {
			SD string `db:"sd"`
			N  int    `db:"n"`
		}
		if err := app.DB().NewQuery(fig.query).Bind(params).All(&rows); err != nil {
			return nil, fmt.Errorf("%s: %w", fig.key, err)
		}
		for _, r := range rows {
			if counts[r.SD] == nil {
				counts[r.SD] = map[string]int{}
			}
			counts[r.SD][fig.key] = r.N
		}
	}
	out := &Report{Body: body.Code, NameZH: body.ZH, From: from.Format("2006-01"), To: to.Format("2006-01"), Rows: []Row{}}
	for _, fig := range body.figures {
		out.Columns = append(out.Columns, fig.key)
	}
	for _, sd := range refdata.Subdistricts() {
		if !sees(sd.ID) {
			continue
		}
		row := Row{Subdistrict: sd.ID, NameZH: sd.NameZH, Figures: map[string]int{}}
		for _, fig := range body.figures {
			row.Figures[fig.key] = counts[sd.ID][fig.key]
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// Register binds the routes.
func Register(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/fs/monthly")
		g.Bind(apis.RequireAuth(core.CollectionNameSuperusers, "users"))
		g.GET("/{body}", handle)
		return se.Next()
	})
}

func handle(e *core.RequestEvent) error {
	code, format := e.Request.PathValue("body"), ""
	for _, ext := range []string{table.CSV, table.XLSX} {
		if c, ok := cutSuffix(code, "."+ext); ok {
			code, format = c, ext
		}
	}
	r, err := request(e, code)
	if err != nil {
		fe, _ := fault.As(err)
		if fe == nil {
			e.App.Logger().Error("monthly report failed", "error", err)
			fe = fault.New(fault.Internal, "internal", "服务器内部错误，请稍后重试", "internal error; retry later")
		}
		return e.JSON(fe.Status(), fe.Body())
	}
	if format == "" {
		return e.JSON(http.StatusOK, r)
	}
	return table.Serve(e, r.table(Bodies[code]), format)
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// request reads the body, the period and the caller's subdistricts of a request.
func request(e *core.RequestEvent, code string) (*Report, error) {
	a := access.ActorFromAuth(e.Auth)
	var sees func(string) bool
	switch {
	case a.Kind == access.KindSuperuser:
		sees = func(string) bool { return true }
	case a.FieldStaff():
		sees = func(sd string) bool { return slices.Contains(a.Subdistricts, sd) }
	default:
		return nil, errForbidden
	}
	body, ok := Bodies[code]
	if !ok {
		return nil, errUnknownBody
	}
	q := e.Request.URL.Query()
	from, err1 := time.ParseInLocation("2006-01", q.Get("from"), Beijing)
	to, err2 := time.ParseInLocation("2006-01", q.Get("to"), Beijing)
	if err1 != nil || err2 != nil || to.Before(from) || !to.Before(from.AddDate(1, 0, 0)) {
		return nil, errPeriod
	}
	return Compute(e.App, body, from, to, sees)
}

// table lays the report out one subdistrict a row, titled with the body and the period.
func (r *Report) table(body Body) *table.Table {
	t := &table.Table{Name: fmt.Sprintf("monthly-%s-%s-%s", body.Code, r.From, r.To),
		Title:   fmt.Sprintf("%s 月报 %s 至 %s · %s, %s to %s", body.ZH, r.From, r.To, body.EN, r.From, r.To),
		Columns: []table.Column{{ZH: "街镇", EN: "Subdistrict"}}}
	for _, fig := range body.figures {
		t.Columns = append(t.Columns, table.Column{ZH: fig.zh, EN: fig.en})
	}
	for _, row := range r.Rows {
		cells := []any{row.NameZH}
		for _, fig := range body.figures {
			cells = append(cells, row.Figures[fig.key])
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}
