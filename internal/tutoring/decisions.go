package tutoring

import (
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/schema"
)

// The education commission's decisions on the registry, each recorded with who decided and
// when, and published only once decided:
//
//   - the white and black lists: "建立海淀区培训机构的“白名单黑名单”制度,构建培训机构信用体系"
//     (gazette line 4762), published by 区教委 (4833: "建立黑白名单制度，向社会公布");
//   - the filing of a centre's classes: "班次、内容、招生对象、上课时间等要向所在地教育行政部门进行
//     审核备案，并向社会公布" (4730), which 区教委 organises (4732).
//
// The white list's criteria and the required reason are the district's local choices
// (localsetting.WhiteListNeedsLicence, localsetting.ListReasonRequired): the gazette sets none.
// Nothing a subdistrict enters or a centre's status does changes a list; an edit of a filed
// class's content withdraws its filing until the commission files it again.

// classContent are the fields of a class the filing approves.
var classContent = []string{"centre", "name", "content", "target_students", "schedule"}

var (
	errNotCommission = fault.New(fault.Permission, "tutoring_decision_forbidden",
		"只有区教委工作人员可以作出此决定", "only education-commission staff take this decision")
	errBadList = fault.New(fault.Invalid, "centre_list_invalid",
		"名单应为白名单、黑名单或不列入（none），并按本区设置写明理由",
		"list must be white, black or none, with a reason where the district's setting requires one")
	errWhiteNeedsLicence = fault.New(fault.Invalid, "centre_white_needs_licence",
		"列入白名单的机构须持有办学许可证且正常办学（未在整改、暂停或停止办学中）",
		"a white-listed centre holds a school licence and operates (not rectifying, suspended or stopped)")
	errNoRecord = fault.New(fault.NotExist, "not_found", "记录不存在", "no such record")
)

// listRequest is the body of POST /api/fs/tutoring/centres/{id}/list.
type listRequest struct {
	List   string `json:"list"`
	Reason string `json:"reason"`
}

// filingRequest is the body of POST /api/fs/tutoring/classes/{id}/filing.
type filingRequest struct {
	Filed bool `json:"filed"`
}

// commissionStaff returns the signed-in education-commission staff member, or an error.
func commissionStaff(e *core.RequestEvent) (access.Actor, error) {
	a := access.ActorFromAuth(e.Auth)
	if !a.IsStaff() || a.Agency == "" || a.Agency != agencyID("edu") {
		return a, errNotCommission
	}
	return a, nil
}

func handleList(now func() time.Time) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		a, err := commissionStaff(e)
		if err != nil {
			return writeError(e, err)
		}
		var req listRequest
		if err := e.BindBody(&req); err != nil || (req.Reason == "" && localsetting.Bool(e.App, localsetting.ListReasonRequired)) ||
			(req.List != WhiteList && req.List != BlackList && req.List != NoList) {
			return writeError(e, errBadList)
		}
		c, err := e.App.FindRecordById(schema.Centres, e.Request.PathValue("id"))
		if err != nil || c.GetBool("voided") {
			return writeError(e, errNoRecord)
		}
		if req.List == WhiteList && localsetting.Bool(e.App, localsetting.WhiteListNeedsLicence) &&
			(c.GetString("qualification") != Licensed || c.GetString(schema.FieldStatus) != Operating) {
			return writeError(e, errWhiteNeedsLicence)
		}
		c.Set("list_status", req.List)
		c.Set("list_reason", req.Reason)
		return saveDecision(e, c, a, "list_decided_by", "list_decided_at", now())
	}
}

func handleFiling(now func() time.Time) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		a, err := commissionStaff(e)
		if err != nil {
			return writeError(e, err)
		}
		var req filingRequest
		if err := e.BindBody(&req); err != nil {
			return writeError(e, fault.New(fault.Invalid, "bad_request", "请求体无效", "the request body is invalid"))
		}
		cl, err := e.App.FindRecordById(schema.CentreClasses, e.Request.PathValue("id"))
		if err != nil || cl.GetBool("voided") {
			return writeError(e, errNoRecord)
		}
		if !req.Filed {
			cl.Set("filed_by", "")
			cl.Set("filed_at", "")
			return saveDecision(e, cl, a, "", "", now())
		}
		return saveDecision(e, cl, a, "filed_by", "filed_at", now())
	}
}

// saveDecision stamps r with the decider and the time (when the fields are named) and saves it
// as the decider's trusted write, so the audit trail names them.
func saveDecision(e *core.RequestEvent, r *core.Record, a access.Actor, byField, atField string, at time.Time) error {
	if byField != "" {
		stamp, err := types.ParseDateTime(at.UTC())
		if err != nil {
			return writeError(e, err)
		}
		r.Set(byField, a.ID)
		r.Set(atField, stamp)
	}
	access.Attribute(r, access.Attribution{Actor: a, Door: access.DoorREST, Trusted: true})
	if err := e.App.Save(r); err != nil {
		return writeError(e, err)
	}
	// The decision alone: the registration's personal data stay behind the collection's rules.
	out := map[string]any{"id": r.Id}
	for _, f := range []string{"list_status", "list_reason", "list_decided_by", "list_decided_at", "filed_by", "filed_at"} {
		if r.Collection().Fields.GetByName(f) != nil {
			out[f] = r.Get(f)
		}
	}
	return e.JSON(http.StatusOK, out)
}

// unfileEdited withdraws the filing of a class whose filed content changes: what was approved
// is no longer what would be published.
func unfileEdited(e *core.RecordEvent) error {
	r := e.Record
	if r.GetString("filed_at") != "" && access.Changed(e.App, r, classContent...) {
		r.Set("filed_by", "")
		r.Set("filed_at", "")
	}
	return e.Next()
}
