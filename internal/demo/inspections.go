package demo

import (
	"time"

	"github.com/haidian/fieldsync/internal/schema"
)

// Demo inspections, referenced by the findings they produced.
var (
	iBasement     = ID("in", 1)
	iGroupRental  = ID("in", 2)
	iGroupRecheck = ID("in", 3)
	iHomeVisit    = ID("in", 4)
	iMultiInOne   = ID("in", 5)
	iWarehouse    = ID("in", 6)
	iOldHousing   = ID("in", 7)
	iSnackShop    = ID("in", 8)
	iInstallCw    = ID("in", 9)
	iInstallYd    = ID("in", 10)
	iBoya         = ID("in", 11)
	iXbs          = ID("in", 12)
	iSiyuan       = ID("in", 13)
	iQy           = ID("in", 14)
	iZhihui       = ID("in", 15)
	iSiteYongding = ID("in", 16)
	iSiteQinghe   = ID("in", 17)
	iSiteYongfeng = ID("in", 18)
	iLandMinzh    = ID("in", 19)
	iLandWanshou  = ID("in", 20)
	iSchool       = ID("in", 23)
)

// inspRow is one inspection; approved marks one of 万寿路 that the demo supervisor has
// reviewed (the next morning), the others wait for a supervisor without a demo account.
type inspRow struct {
	id, programme, kind, place, agency, inspector, when, result string
	approved                                                    bool
	checklist                                                   map[string]any
	notes                                                       string
}

// sixHundred is the dust checklist of a construction site: the Beijing "six 100%" rule.
func sixHundred(hoarded, covered, washed, hardened, wet, sealed bool) map[string]any {
	return map[string]any{"hoarding": hoarded, "cover": covered, "washing": washed,
		"hardening": hardened, "wet_demolition": wet, "muck_truck": sealed}
}

// fireCheck is the fire checklist of a venue.
func fireCheck(exits, extinguishers, lights, wiring, nobodyLiving bool) map[string]any {
	return map[string]any{"exits_clear": exits, "extinguishers": extinguishers,
		"emergency_lights": lights, "wiring_ok": wiring, "nobody_living": nobodyLiving}
}

var inspRows = []inspRow{
	{iBasement, "fire", "routine", pBasement, "", uInspector, "2018-05-08 10:20", "fail", true,
		fireCheck(false, true, false, false, false), "地下一层隔出14间出租住人，疏散通道堆放杂物，应急照明损坏"},
	{iGroupRental, "fire", "routine", pGroupRental, "", uInspector, "2018-05-10 15:00", "fail", true,
		fireCheck(true, false, true, false, false), "三居室隔成9间出租，私拉电线在室内为电动自行车充电"},
	{iGroupRecheck, "fire", "reinspection", pGroupRental, "", uInspector, "2018-06-12 14:30", "pass", true,
		fireCheck(true, true, true, true, true), "隔断已拆除，恢复原结构；电线规范敷设，电动车改在楼外充电棚充电"},
	{iHomeVisit, "fire", "home_visit", pHomeCuiwei, "", uInspector, "2018-05-15 09:30", "pass", true,
		nil, "入户宣传用火用电安全，检查燃气灶具和软管；老人独居，列入联网报警器安装名单"},
	{iMultiInOne, "fire", "routine", pMultiInOne, "", uInspector2, "2018-05-16 16:00", "fail", false,
		fireCheck(false, false, true, false, false), "前店后宅，店内堆放纸箱，后间住4人，使用电暖器"},
	{iWarehouse, "fire", "routine", pWarehouse, agFire, uFire, "2018-05-22 10:00", "fail", false,
		fireCheck(true, true, true, true, true), "库区违规储存油漆、稀料约2吨；自动喷水灭火系统处于关闭状态"},
	{iOldHousing, "fire", "routine", pOldHousing, "", "", "2018-06-05 19:30", "fail", false,
		nil, "夜间检查：3单元楼道内5辆电动自行车充电，电线从一层窗户拉出"},
	{iSnackShop, "fire", "routine", pSnackShop, "", "", "2018-06-07 11:00", "pass", false,
		fireCheck(true, true, true, true, true), "液化石油气钢瓶已撤除，改用管道天然气，灭火器在有效期内"},
	{iInstallCw, "smoke_alarm", "install", pHomeCuiwei, "", uInspector, "2018-07-03 10:00", "pass", true,
		nil, "卧室和厨房各安装一台，绑定老人及其子女手机号码，测试报警短信送达"},
	{iInstallYd, "smoke_alarm", "install", pHomeYongding, "", uInspector2, "2018-07-05 15:20", "pass", false,
		nil, "安装联网型报警器一台，向户主讲解使用方法"},
	{iBoya, "tutoring", "survey", pCentreBoya, "", uInspector, "2018-05-28 16:00", "pass", true,
		nil, "办学许可证、营业执照齐全；消防设施完好，两处安全出口畅通；课程表已备案"},
	{iXbs, "tutoring", "survey", pCentreXbs, "", uInspector, "2018-05-29 17:30", "fail", true,
		nil, "仅有营业执照，经营范围不含教育培训；开设小学英语、数学课程"},
	{iSiyuan, "tutoring", "routine", pCentreSiyuan, agEdu, "", "2018-06-09 10:00", "fail", false,
		nil, "周六上午五年级数学班讲授初中一元二次方程内容；一名任课教师为在职公办小学教师"},
	{iQy, "tutoring", "survey", pCentreQy, agEdu, "", "2018-06-14 15:00", "fail", false,
		nil, "无证无照；位于居民楼底商，仅一个安全出口，无应急照明"},
	{iZhihui, "tutoring", "survey", pCentreZhihui, "", "", "2018-06-20 14:00", "pass", false,
		nil, "证照齐全，课程均为科技、棋类兴趣课程"},
	{iSiteYongding, "dust", "routine", pSiteYongding, "", uInspector2, "2018-05-18 09:40", "fail", false,
		sixHundred(true, false, true, true, true, true), "东侧约800立方米土方未苫盖"},
	{iSiteQinghe, "dust", "routine", pSiteQinghe, agEnv, uEnv, "2018-05-25 08:30", "fail", false,
		sixHundred(true, true, false, false, true, false), "出口冲洗设备故障，车辆带泥上路；场区便道未硬化；两辆渣土车未密闭"},
	{iSiteYongfeng, "dust", "routine", pSiteYongfeng, agEnv, uEnv, "2018-06-01 10:15", "pass", false,
		sixHundred(true, true, true, true, true, true), "六个百分之百全部落实，雾炮正常运行"},
	{iLandMinzh, "dust", "survey", pLandMinzhuang, "", "", "2018-04-12 10:00", "fail", false,
		nil, "裸地摸底：约1.2万平方米腾退地块土方裸露"},
	{iLandWanshou, "dust", "survey", pLandWanshou, "", uInspector, "2018-04-18 14:00", "fail", true,
		nil, "拆违腾退后约1500平方米空地裸露"},
	{iLandRecheck, "dust", "reinspection", pLandWanshou, "", uInspector, "2018-05-03 15:30", "pass", true,
		nil, "复查：空地已植草绿化，无裸露"},
	{iSchool, "tutoring", "survey", pSchoolCuiwei, "", uInspector, "2018-06-11 10:00", "fail", true,
		nil, "学校排查：两名数学教师课后在校外培训机构授课，并向学生推荐该机构课程"},
	{iSiteRecheck, "dust", "reinspection", pSiteYongding, "", uInspector2, "2018-05-19 10:00", "pass", false,
		sixHundred(true, true, true, true, true, true), "复查：东侧土方已全部苫盖"},
}

func inspections() []item {
	out := make([]item, len(inspRows))
	for i, r := range inspRows {
		data := map[string]any{
			"programme": r.programme, "kind": r.kind, "place": r.place,
			"subdistrict": sdOf(r.place), "agency": r.agency, "inspector": r.inspector,
			"inspected_at": at(r.when), "result": r.result, "notes": r.notes,
			"location": geo(placeIndex[r.place].lat, placeIndex[r.place].lon), "review": "submitted",
		}
		if r.checklist != nil {
			data["checklist"] = r.checklist
		}
		if ph := inspPhotos[r.id]; ph != nil {
			data["photos"] = ph
		}
		if r.approved {
			data["review"], data["reviewed_by"] = "approved", uSupervisor
			data["reviewed_at"] = at(r.when).Add(20 * time.Hour)
		}
		out[i] = item{coll: schema.Inspections, id: r.id, data: data}
	}
	return out
}
