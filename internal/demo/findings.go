package demo

import (
	"strings"

	"github.com/haidian/fieldsync/internal/schema"
)

// Demo findings, referenced by referrals, enforcement actions and public reports.
var (
	fBasement    = ID("fd", 1)
	fEvacuation  = ID("fd", 2)
	fGroupRental = ID("fd", 3)
	fEbikeRental = ID("fd", 4)
	fMultiInOne  = ID("fd", 5)
	fFlammable   = ID("fd", 6)
	fEbikeQinghe = ID("fd", 7)
	fXbsLicence  = ID("fd", 8)
	fSiyuanAhead = ID("fd", 9)
	fSiyuanTeach = ID("fd", 10)
	fQyNoLicence = ID("fd", 11)
	fQySafety    = ID("fd", 12)
	fSiteCover   = ID("fd", 13)
	fSiteWashing = ID("fd", 14)
	fLandMinzh   = ID("fd", 15)
	fLandWanshou = ID("fd", 16)
	fSchoolTeach = ID("fd", 17)
)

// findRow is one finding. Its programme is its category's prefix. supervised marks a major
// hazard listed for government-supervised rectification (挂账督办); agency is the agency the
// case is referred to; closed, when set, is when the demo supervisor closed it.
type findRow struct {
	id, inspection, category, severity, status, description string
	deadline, party                                         string
	supervised                                              bool
	agency, author, closed                                  string
}

var findRows = []findRow{
	{fBasement, iBasement, "fire.basement_dwelling", "major", "ordered", "地下一层隔出14间出租，住人约20名", "2018-06-30", "万寿路西街甲6号院物业管理处", true, agFire, uInspector, ""},
	{fEvacuation, iBasement, "fire.evacuation", "general", "acknowledged", "地下疏散通道堆放杂物，应急照明损坏", "2018-05-15", "万寿路西街甲6号院物业管理处", false, "", uInspector, ""},
	{fGroupRental, iGroupRental, "fire.group_rental", "general", "closed", "三居室违规隔成9间出租", "2018-06-10", "房主", false, "", uInspector, "2018-06-13 10:00"},
	{fEbikeRental, iGroupRental, "fire.ebike_charging", "general", "closed", "室内私拉电线为电动自行车充电", "2018-05-17", "承租人", false, "", uInspector, "2018-06-13 10:05"},
	{fMultiInOne, iMultiInOne, "fire.multi_in_one", "major", "ordered", "前店后宅，经营、储存、住人合一，住4人", "2018-06-15", "便民菜店经营者", true, agFire, uInspector2, ""},
	{fFlammable, iWarehouse, "fire.flammable_storage", "major", "acknowledged", "库区违规储存油漆、稀料约2吨，自动喷水灭火系统关闭", "2018-06-22", "北京永丰通达物流有限公司", true, agFire, uFire, ""},
	{fEbikeQinghe, iOldHousing, "fire.ebike_charging", "general", "open", "3单元楼道内电动自行车充电，飞线充电", "2018-06-20", "安宁里社区物业服务中心", false, "", "", ""},
	{fXbsLicence, iXbs, "tutoring.business_licence_only", "general", "ordered", "有营业执照但经营范围不含教育培训，无办学许可证", "2018-12-31", "北京小博士文化发展有限公司", false, "", uInspector, ""},
	{fSiyuanAhead, iSiyuan, "tutoring.ahead_of_schedule", "general", "ordered", "五年级数学班讲授初中内容，宣传与小升初挂钩", "2018-07-31", "北京思远未来教育咨询有限公司", false, agEdu, "", ""},
	{fSiyuanTeach, iSiyuan, "tutoring.public_school_teacher", "general", "ordered", "聘用一名在职公办小学教师任课", "2018-07-31", "北京思远未来教育咨询有限公司", false, agEdu, "", ""},
	{fQyNoLicence, iQy, "tutoring.no_licence", "general", "ordered", "无办学许可证和营业执照", "2018-08-31", "清源书法艺术工作室", false, "", "", ""},
	{fQySafety, iQy, "tutoring.safety_hazard", "major", "escalated", "仅一个安全出口，无应急照明，存在重大安全隐患", "2018-06-15", "清源书法艺术工作室", true, "", "", ""},
	{fSiteCover, iSiteYongding, "dust.cover", "general", "reinspected", "东侧约800立方米土方未苫盖", "2018-05-19", "北京西山建设工程有限公司", false, "", uInspector2, ""},
	{fSiteWashing, iSiteQinghe, "dust.washing", "major", "ordered", "出口冲洗设备故障，车辆带泥上路，渣土车未密闭", "2018-05-28", "北京京北建工集团有限公司", true, agEnv, uEnv, ""},
	{fLandMinzh, iLandMinzh, "dust.bare_land", "general", "ordered", "约1.2万平方米腾退地块裸露未治理", "2018-05-31", "四季青镇闵庄村经济合作社", false, "", "", ""},
	{fSchoolTeach, iSchool, "tutoring.school_teacher_moonlighting", "general", "ordered", "两名在职教师课后到校外培训机构授课并诱导学生参加", "2018-07-15", "翠微路小学（示例）", false, "", uInspector, ""},
	{fLandWanshou, iLandWanshou, "dust.bare_land", "general", "closed", "拆违腾退后约1500平方米空地裸露", "2018-05-10", "万寿路街道城市管理科", false, "", uInspector, "2018-05-03 16:00"},
}

// inspectionPlace finds the place of a demo inspection.
var inspectionPlace = func() map[string]string {
	m := make(map[string]string, len(inspRows))
	for _, r := range inspRows {
		m[r.id] = r.place
	}
	return m
}()

// findingSubdistrict finds the subdistrict of a demo finding.
var findingSubdistrict = func() map[string]string {
	m := make(map[string]string, len(findRows))
	for _, f := range findRows {
		m[f.id] = sdOf(inspectionPlace[f.inspection])
	}
	return m
}()

func findings() []item {
	out := make([]item, len(findRows))
	for i, f := range findRows {
		programme, _, _ := strings.Cut(f.category, ".")
		place := inspectionPlace[f.inspection]
		data := map[string]any{
			"programme": programme, "place": place, "subdistrict": sdOf(place), "inspection": f.inspection,
			"category": f.category, "severity": f.severity, "status": f.status,
			"description": f.description, "deadline": day(f.deadline), "responsible_party": f.party,
			"supervised": f.supervised, "agency": f.agency, "author": f.author,
		}
		if f.closed != "" {
			data["closed_by"], data["closed_at"] = uSupervisor, at(f.closed)
		}
		if re, ok := findReinspection[f.id]; ok {
			data["reinspection"] = re
		}
		out[i] = item{coll: schema.Findings, id: f.id, data: data}
	}
	return out
}

// Referrals: "街镇吹哨、部门报到" — a subdistrict refers a case to the agency responsible.
var referralRows = []struct {
	finding, agency, status, deadline, reason, response, author, responder string
}{
	{fBasement, agFire, "acknowledged", "2018-05-15", "地下空间住人属重大火灾隐患，物业拒不整改，请消防支队依法查处",
		"已派员现场核查，下达责令限期改正通知书", uSupervisor, uFire},
	{fMultiInOne, agFire, "pending", "2018-05-25", "多合一场所住人，经营者拒绝配合，请消防支队会同查处", "", uInspector2, ""},
	{fSiyuanAhead, agEdu, "pending", "2018-06-20", "超前教学、在职教师任课，请区教委依规处理", "", "", ""},
	{fSiteWashing, agEnv, "done", "2018-05-30", "工地多次出现车辆带泥上路，请区环保局依法处罚",
		"已责令停工整改，依法处以罚款2万元", "", uEnv},
}

func referrals() []item {
	out := make([]item, len(referralRows))
	for i, r := range referralRows {
		out[i] = item{coll: schema.Referrals, id: ID("rf", i+1), data: map[string]any{
			"finding": r.finding, "subdistrict": findingSubdistrict[r.finding], "agency": r.agency,
			"status": r.status, "deadline": day(r.deadline), "reason": r.reason,
			"response": r.response, "author": r.author, "responded_by": r.responder,
		}}
	}
	return out
}

// Enforcement actions, each by whom the gazette gives it to: a subdistrict stops and reports,
// the fire brigade seals and fines (line 3452), a department orders a site to stop work (3738).
var enforcementRows = []struct {
	finding, measure, decided string
	fine                      float64
	notes, by                 string
}{
	{fBasement, "stop_and_report", "2018-05-16 15:00", 0, "制止地下空间住人，报告消防支队并责令物业限期清理", uSupervisor},
	{fFlammable, "seal", "2018-05-22 16:30", 0, "对违规储存易燃易爆物品的库区依法临时查封", uFire},
	{fFlammable, "fine", "2018-05-30 10:00", 30000, "违规储存易燃易爆危险品，处罚款三万元", uFire},
	{fQySafety, "stop_business", "2018-06-14 17:00", 0, "存在重大安全隐患，责令立即停止办学", ""},
	{fSiteWashing, "stop_work", "2018-05-25 11:00", 0, "责令停工，冲洗设备修复并验收后复工", uEnv},
	{fSiteWashing, "fine", "2018-05-28 14:00", 20000, "车辆带泥上路、渣土车未密闭，处罚款两万元", uEnv},
}

func enforcements() []item {
	out := make([]item, len(enforcementRows))
	for i, e := range enforcementRows {
		out[i] = item{coll: schema.Enforcements, id: ID("en", i+1), data: map[string]any{
			"finding": e.finding, "subdistrict": findingSubdistrict[e.finding], "measure": e.measure,
			"decided_at": at(e.decided), "fine_yuan": e.fine, "notes": e.notes, "decided_by": e.by,
		}}
	}
	return out
}
