package demo

import (
	"fmt"

	"github.com/haidian/fieldsync/internal/schema"
)

// Public reports from parents and residents, at several stages of handling, and their
// reporters' contacts (invented; the e-mail domains are reserved for examples).
var reportRows = []struct {
	month                        string
	category, place, description string
	status, assignee, finding    string
	contact, phone, email        string
}{
	{"2018-06", "tutoring.beyond_curriculum", pCentreSiyuan,
		"孩子读五年级，在这家机构周末数学班学的是初中方程，老师说是为了小升初，希望查一查",
		"inspected", "", fSiyuanAhead, "陈女士", "13900000301", "parent.chen@example.com"},
	{"2018-06", "tutoring.unlicensed", pCentreQy,
		"居民楼底商开了个书法班，没看到任何证照，只有一个门，孩子很多",
		"inspected", "", fQyNoLicence, "刘先生", "13900000302", ""},
	{"2018-05", "fire", pOldHousing,
		"18号楼3单元楼道里每天晚上都有好几辆电动车充电，电线从一楼窗户拉出来，很危险",
		"triaged", "", fEbikeQinghe, "张先生", "13900000303", ""},
	{"2018-05", "dust", pSiteYongding,
		"工地东边的土堆一直没盖，刮风时整个小区都是土",
		"fixed", uInspector2, fSiteCover, "王女士", "13900000304", "wang.resident@example.org"},
	{"2018-06", "tutoring.fees", pCentreXbs,
		"报名时要求一次性预交两年学费三万多元，不交就不给留名额",
		"received", "", "", "赵女士", "13900000305", ""},
}

// trackingNo is a public report's tracking number as the hotline issues it.
func trackingNo(month string, n int) string { return fmt.Sprintf("HD-%s-%04d", month, n) }

func publicReports() []item {
	out := make([]item, len(reportRows))
	for i, r := range reportRows {
		p := placeIndex[r.place]
		out[i] = item{coll: schema.Reports, id: ID("pr", i+1), data: map[string]any{
			"tracking_no": trackingNo(r.month, i+1), "category": r.category, "subdistrict": p.sd,
			"place": r.place, "address": p.addr, "location": geo(p.lat, p.lon),
			"description": r.description, "status": r.status, "assigned_to": r.assignee,
			"finding": r.finding,
		}}
	}
	return out
}

func reportContacts() []item {
	out := make([]item, len(reportRows))
	for i, r := range reportRows {
		out[i] = item{coll: schema.ReportContacts, id: ID("rc", i+1), data: map[string]any{
			"report": ID("pr", i+1), "name": r.contact, "phone": r.phone, "email": r.email,
		}}
	}
	return out
}
