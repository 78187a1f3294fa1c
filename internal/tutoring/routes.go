package tutoring

import (
	"net/http"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/refdata"
)

// The routes, under /api/fs/tutoring:
//
//	GET  daily?day=2018-06-09[&subdistrict=id]       the daily reports (一) and (二) as JSON
//	GET  daily.xlsx?day=...[&subdistrict=id]         the same laid out like the gazette's tables
//	GET  daily.csv?day=...[&subdistrict=id]          the same as CSV, one line per scope, table and row
//	POST imports  (multipart: source, file)          import an agency registry; 202 with the job
//	GET  imports/{id}                                the job: progress, refused lines, discrepancies
//	POST centres/{id}/list {list, reason}            区教委 puts a centre on the white or black list
//	POST classes/{id}/filing {filed}                 区教委 files (审核备案) a class, or withdraws it
//	GET  public/centres/{id}                         the public lookup of a centre, no sign-in
//	GET  public/centres/{id}/qr.png                  the QR code of that lookup, for printing
//	GET  qr-sheet.xlsx?subdistrict=id                every live centre of a subdistrict with its
//	                                                 QR code, to print and post at their doors
//
// The reports need a signed-in subdistrict staff member (their subdistricts and the district
// totals), education-commission staff or a district administrator (every subdistrict). The
// imports need a supervisor or a district administrator.
func routes(se *core.ServeEvent, now func() time.Time) {
	g := se.Router.Group("/api/fs/tutoring")
	auth := apis.RequireAuth(core.CollectionNameSuperusers, "users")
	g.GET("/daily", handleDaily).Bind(auth)
	g.GET("/daily.xlsx", handleDailyXLSX).Bind(auth)
	g.GET("/daily.csv", handleDailyCSV).Bind(auth)
	g.GET("/qr-sheet.xlsx", handleQRSheet).Bind(auth)
	g.POST("/imports", handleImport).Bind(auth)
	g.GET("/imports/{id}", handleImportJob).Bind(auth)
	g.POST("/centres/{id}/list", handleList(now)).Bind(auth)
	g.POST("/classes/{id}/filing", handleFiling(now)).Bind(auth)
	g.GET("/public/centres/{id}", handleLookup)
	g.GET("/public/centres/{id}/qr.png", handleQR)
}

var (
	errNotAllowed = fault.New(fault.Permission, "tutoring_report_forbidden",
		"只有街镇工作人员、区教委和区级管理员可以查看日报", "only subdistrict staff, the education commission and district administrators may read the daily reports")
	errBadDay         = fault.New(fault.Invalid, "bad_day", "日期无效，格式为 2018-06-09", "day must be a date such as 2018-06-09")
	errBadSubdistrict = fault.New(fault.Invalid, "bad_subdistrict",
		"无权查看该街镇或街镇不存在", "no such subdistrict among those you may see")
)

// viewer is what a caller may see of the figures: every subdistrict, or some.
type viewer struct {
	all          bool
	subdistricts []string
}

func (v viewer) sees(sd string) bool { return v.all || slices.Contains(v.subdistricts, sd) }

func viewerOf(auth *core.Record, agencyCode string) (viewer, bool) {
	a := access.ActorFromAuth(auth)
	switch {
	case a.Kind == access.KindSuperuser:
		return viewer{all: true}, true
	case a.IsStaff() && a.Agency != "" && a.Agency == agencyID(agencyCode):
		return viewer{all: true}, true
	case a.FieldStaff() && len(a.Subdistricts) > 0:
		return viewer{subdistricts: a.Subdistricts}, true
	}
	return viewer{}, false
}

func agencyID(code string) string {
	for _, ag := range refdata.Agencies() {
		if ag.Code == code {
			return ag.ID
		}
	}
	return ""
}

// dailyRequest reads and computes the report a request asks for.
func dailyRequest(e *core.RequestEvent) (*Daily, error) {
	v, ok := viewerOf(e.Auth, "edu")
	if !ok {
		return nil, errNotAllowed
	}
	q := e.Request.URL.Query()
	day, err := time.ParseInLocation("2006-01-02", q.Get("day"), Beijing)
	if err != nil {
		return nil, errBadDay
	}
	visible, district := v.sees, true
	if sd := q.Get("subdistrict"); sd != "" {
		if !v.sees(sd) {
			return nil, errBadSubdistrict
		}
		visible = func(s string) bool { return s == sd }
		district = false
	}
	return ComputeDaily(e.App, day, district, visible)
}

func handleDaily(e *core.RequestEvent) error {
	d, err := dailyRequest(e)
	if err != nil {
		return writeError(e, err)
	}
	return e.JSON(http.StatusOK, d)
}

// writeError answers with the shape of PocketBase's errors plus a stable code. Failures that
// are not a fault keep their cause in the log.
func writeError(e *core.RequestEvent, err error) error {
	fe, ok := fault.As(err)
	if !ok {
		e.App.Logger().Error("tutoring request failed", "path", e.Request.URL.Path, "error", err)
		fe = fault.New(fault.Internal, "internal", "服务器内部错误，请稍后重试", "internal error; retry later")
	}
	return e.JSON(fe.Status(), fe.Body())
}
