package rectify

import (
	"slices"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
)

// SubdistrictMeasures are the measures a subdistrict's inspectors and supervisors record
// themselves. The fire plan has the subdistricts work with the brigade (积极发动街镇…协同开展,
// gazette line 3452) and refer what others must decide (移送相关部门依法处理, line 3454): on the
// spot they stop the danger and report it, and they refer; they order none of the brigade's means.
var SubdistrictMeasures = []string{"stop_and_report", "referral"}

// AgencyMeasures says which agency (by refdata code) orders which measure, as the gazette
// assigns them:
//   - 查封、三停、拘留、罚款、约谈、曝光 are the fire brigade's means, and it refers illegal
//     construction and unlicensed business to the competent agency (line 3452, 主责单位: 海淀消防支队);
//   - 停工 of a site breaking the six-100% rule is ordered by the departments of the dust plan,
//     each in its own trade (line 3738: 区住房城乡建设委、区城管委（交通委）、区水务局、区园林绿化局
//     "分别…依法实施停工、限期整改等措施", with 区城管执法监察局 and 区环保局); subdistricts are
//     among its 责任单位 but order no stop: they stop and report;
//   - fines for dust and other environmental breaches are imposed by the enforcing departments
//     "依据职责" (line 3770: 环保、公安、城管执法、质监、工商).
var AgencyMeasures = map[string][]string{
	"fire":      {"seal", "stop_production", "stop_business", "stop_use", "detention", "fine", "summons", "exposure", "referral"},
	"housing":   {"stop_work", "referral"},
	"city":      {"stop_work", "referral"},
	"water":     {"stop_work", "referral"},
	"landscape": {"stop_work", "referral"},
	"urban":     {"stop_work", "fine", "referral"},
	"env":       {"stop_work", "fine", "referral"},
	"police":    {"fine", "referral"},
	"market":    {"fine", "referral"},
}

// mayOrder reports whether actor a may record measure: field staff the subdistricts' measures,
// agency staff their agency's.
func mayOrder(a access.Actor, measure string) bool {
	if a.FieldStaff() {
		return slices.Contains(SubdistrictMeasures, measure)
	}
	if !a.IsStaff() || a.Agency == "" {
		return false
	}
	for _, ag := range refdata.Agencies() {
		if ag.ID == a.Agency {
			return slices.Contains(AgencyMeasures[ag.Code], measure)
		}
	}
	return false
}

// checkAuthority refuses an enforcement action whose writer may not order its measure, from
// every door. An agency's staff act only on a finding referred to their agency (the collection's
// create rule and the access policy's AgencyVia keep them there); superusers and server code
// record what was decided elsewhere.
func checkAuthority(e *core.RecordEvent) error {
	attr := access.AttributionOf(e.Record)
	if attr.Actor.Privileged() || !access.Changed(e.App, e.Record, "measure") {
		return e.Next()
	}
	if !mayOrder(attr.Actor, e.Record.GetString("measure")) {
		return validation.Errors{"measure": validation.NewError("enforcement_not_your_measure",
			"您的单位无权决定此项措施（见区政府公报：查封、三停、拘留、罚款、约谈、曝光由消防支队采取，停工由行业主管部门责令，街镇制止并报告） / "+
				"your unit may not order this measure (the gazette gives sealing, the three stops, detention, fines, summons and exposure to the fire brigade, stop-work orders to the departments; subdistricts stop and report)")}
	}
	return e.Next()
}

func registerAuthority(app core.App) {
	app.OnRecordCreate(schema.Enforcements).BindFunc(checkAuthority)
	app.OnRecordUpdate(schema.Enforcements).BindFunc(checkAuthority)
}
