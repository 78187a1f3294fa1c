package demo

import (
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
)

// quotaRow is one subdistrict's 2018 smoke-alarm demand and quota. The fire brigade allocates
// by reported demand, fire-risk level and population (shared/domain.md §2); the quotas add up
// to the plan's 5,000 networked and 95,645 ordinary units. Populations are rounded, invented
// figures of the right order.
type quotaRow struct {
	n          int // refdata.SubdistrictID(n)
	population int
	risk       string
	netDemand  int
	netQuota   int
	ordDemand  int
	ordQuota   int
}

var quotaRows = []quotaRow{
	{1, 108000, "high", 267, 261, 3914, 3914},
	{2, 72000, "medium", 166, 135, 2522, 2235},
	{3, 148000, "high", 293, 286, 4827, 4827},
	{4, 117000, "medium", 251, 204, 3957, 3466},
	{5, 146000, "medium", 265, 216, 4586, 4006},
	{6, 128000, "medium", 253, 206, 4175, 3653},
	{7, 152000, "medium", 276, 225, 4774, 4168},
	{8, 171000, "high", 310, 303, 5371, 5371},
	{9, 248000, "high", 368, 359, 7190, 7190},
	{10, 139000, "medium", 206, 168, 4030, 3529},
	{11, 103000, "medium", 170, 138, 3111, 2740},
	{12, 72000, "medium", 143, 116, 2348, 2085},
	{13, 43000, "low", 71, 49, 1299, 1018},
	{14, 27000, "low", 45, 31, 815, 664},
	{15, 31000, "low", 66, 46, 1049, 835},
	{16, 170000, "high", 252, 246, 4929, 4929},
	{17, 135000, "medium", 223, 182, 4077, 3569},
	{18, 186000, "high", 246, 240, 5168, 5168},
	{19, 113000, "medium", 149, 121, 3140, 2765},
	{20, 103000, "medium", 187, 152, 3235, 2847},
	{21, 88000, "medium", 102, 83, 2339, 2077},
	{22, 104000, "medium", 172, 140, 3141, 2766},
	{23, 174000, "high", 287, 280, 5255, 5255},
	{24, 41000, "low", 74, 51, 1288, 1009},
	{25, 142000, "high", 211, 206, 4117, 4117},
	{26, 211000, "high", 244, 238, 5608, 5608},
	{27, 89000, "medium", 162, 132, 2795, 2469},
	{28, 71000, "medium", 141, 115, 2316, 2058},
	{29, 52000, "low", 103, 71, 1696, 1307},
}

// alarmQuotas gives each subdistrict one quota per unit type. A quota of the same subdistrict,
// unit type and year stored by somebody else counts as present.
func alarmQuotas() []item {
	out := make([]item, 0, 2*len(quotaRows))
	for _, q := range quotaRows {
		for j, u := range []struct {
			unit          string
			demand, quota int
		}{{"networked", q.netDemand, q.netQuota}, {"ordinary", q.ordDemand, q.ordQuota}} {
			out = append(out, item{coll: schema.AlarmQuotas, id: ID("aq", 2*q.n-1+j),
				key: []string{"subdistrict", "unit_type", "year"},
				data: map[string]any{
					"subdistrict": refdata.SubdistrictID(q.n), "unit_type": u.unit, "year": 2018,
					"demand": u.demand, "quota": u.quota, "risk_level": q.risk, "population": q.population,
				}})
		}
	}
	return out
}

// Installs: networked units for the elderly living alone and the disabled, ordinary units for
// households with members aged 60 and over.
var installRows = []struct {
	household, unit, eligibility, on, serial, installer string
}{
	{pHomeCuiwei, "networked", "elderly_alone", "2018-07-03", "HDYG-W-2018-00137", uInspector},
	{pHomeCuiwei, "networked", "elderly_alone", "2018-07-03", "HDYG-W-2018-00138", uInspector},
	{pHomeWanshou, "networked", "disabled", "2018-07-03", "HDYG-W-2018-00139", uInspector},
	{pHomeFuxing, "ordinary", "member_60plus", "2018-07-04", "HDYG-P-2018-02411", uInspector},
	{pHomeYongding, "networked", "disabled", "2018-07-05", "HDYG-W-2018-00215", uInspector2},
	{pHomeYongding4, "networked", "elderly_alone", "2018-07-05", "HDYG-W-2018-00216", uInspector2},
	{pHomeYangfang, "ordinary", "member_60plus", "2018-07-10", "HDYG-P-2018-03527", ""},
}

func alarmInstalls() []item {
	out := make([]item, len(installRows))
	for i, r := range installRows {
		out[i] = item{coll: schema.AlarmInstalls, id: ID("ai", i+1), data: map[string]any{
			"household": r.household, "subdistrict": sdOf(r.household), "unit_type": r.unit,
			"eligibility": r.eligibility, "installed_on": day(r.on), "serial": r.serial,
			"installer": r.installer,
		}}
	}
	return out
}
