package demo

import (
	"math"

	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
)

// The bare-land ledger: each plot surveyed in April and updated as it is treated.
var landRows = []struct {
	place, on      string
	area           float64
	state, treated string
	notes          string
}{
	{pLandMinzhuang, "2018-04-12", 12000, "bare", "none", "摸底登记：原闵庄村腾退地块，土方裸露"},
	{pLandMinzhuang, "2018-06-05", 12000, "covered", "cover", "已用防尘网全部苫盖"},
	{pLandTundian, "2018-04-16", 35000, "bare", "none", "摸底登记：拆迁腾退后建筑垃圾已清运，地表裸露"},
	{pLandTundian, "2018-05-20", 35000, "covered", "cover", "苫盖完成，待秋季播撒草籽绿化"},
	{pLandBjt, "2018-04-17", 8600, "bare", "none", "摸底登记：村西侧闲置地块"},
	{pLandBjt, "2018-06-18", 8600, "greened", "green", "种植草坪和灌木，绿化完成"},
	{pLandWanshou, "2018-04-18", 1500, "bare", "none", "摸底登记：拆违腾退后空地"},
	{pLandWanshou, "2018-05-02", 1500, "paved", "pave", "硬化为社区临时停车场"},
}

func landEntries() []item {
	out := make([]item, len(landRows))
	for i, r := range landRows {
		out[i] = item{coll: schema.LandEntries, id: ID("bl", i+1), data: map[string]any{
			"place": r.place, "subdistrict": sdOf(r.place), "recorded_on": day(r.on),
			"area_m2": r.area, "state": r.state, "treatment": r.treated, "notes": r.notes,
		}}
	}
	return out
}

// dustfallBase is each subdistrict's typical monthly dust fall in tons per km² (refdata
// order): lower in the built-up south-east, higher in the towns with much construction.
var dustfallBase = [29]float64{
	6.1, 6.4, 5.8, 5.6, 6.0, 5.5, 5.7, 5.9, 6.2, 5.4, 5.6, 6.3, 5.2, 5.0, 6.6,
	6.8, 6.0, 7.0, 6.7, 6.5, 6.4, 6.2, 7.4, 6.9, 7.6, 8.1, 7.2, 7.8, 7.5,
}

// dustfallMonths adds the season: spring winds raise the dust fall, summer rain lowers it.
var dustfallMonths = []struct {
	month string
	delta float64
}{{"2018-04", 1.3}, {"2018-05", 0.4}, {"2018-06", -0.6}}

// dustfall gives every subdistrict a reading for April to June 2018. A reading of the same
// subdistrict and month stored by somebody else counts as present.
func dustfall() []item {
	out := make([]item, 0, len(dustfallBase)*len(dustfallMonths))
	for m, month := range dustfallMonths {
		for i, base := range dustfallBase {
			out = append(out, item{coll: schema.Dustfall, id: ID("df", m*100+i+1),
				key: []string{"subdistrict", "month"},
				data: map[string]any{
					"subdistrict": refdata.SubdistrictID(i + 1), "month": month.month,
					"tons_per_km2": math.Round((base+month.delta)*10) / 10,
				}})
		}
	}
	return out
}
