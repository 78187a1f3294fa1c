package demo

import "github.com/haidian/fieldsync/internal/schema"

// Incidents around tutoring centres that the daily report (一) counts (安全稳定情况).
var incidentRows = []struct{ place, on, kind, description, handling string }{
	{pCentreSiyuan, "2018-06-10 19:30", "parent_group", "约30名家长到思远未来教学点要求退还预收学费",
		"街道会同区教委现场接待，机构承诺一周内按比例退费"},
}

func incidents() []item {
	out := make([]item, len(incidentRows))
	for i, r := range incidentRows {
		out[i] = item{coll: schema.Incidents, id: ID("ic", i+1), data: map[string]any{
			"subdistrict": sdOf(r.place), "occurred_at": at(r.on), "kind": r.kind, "place": r.place,
			"description": r.description, "handling": r.handling,
		}}
	}
	return out
}
