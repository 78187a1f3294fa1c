package demo

import "github.com/haidian/fieldsync/internal/schema"

// Demo tutoring centres: their registration forms (附件2), the lists and the classes the
// education commission has decided and filed. The centres and
// their staff are invented.
var (
	tcBoya   = ID("tc", 1)
	tcXbs    = ID("tc", 2)
	tcSiyuan = ID("tc", 3)
	tcQy     = ID("tc", 4)
	tcZhihui = ID("tc", 5)
)

// centreForms holds each centre's registration form, keyed by centre id, with its place.
var centreForms = []struct {
	id, place string
	form      map[string]any
}{
	{tcBoya, pCentreBoya, map[string]any{
		"credit_code": creditCode("91110108", "MA01C3K7"), "founded_on": day("2016-03-18"),
		"registered_address": "北京市海淀区复兴路甲36号院商业楼3层301",
		"legal_rep_name":     "何志明", "legal_rep_hukou": "北京市海淀区", "legal_rep_phone": "13800000201",
		"principal_name": "邓雅琴", "principal_hukou": "河北省保定市", "principal_phone": "13800000202",
		"sponsor_name": "北京启智博雅教育科技有限公司", "sponsor_type": "company",
		"school_licence": true, "licence_no": "教民111010870001234号", "licence_authority": "北京市海淀区教育委员会",
		"business_licence": "with_education", "registering_authority": "北京市工商行政管理局海淀分局",
		"qualification": "licensed", "categories": []string{"art", "language", "tech"},
		"subjects": []string{"english"}, "mode": "offline", "trainees_2017": 420, "trainees_now": 365,
		"teaching_measures":      "课程按年龄分班，不开设学科超前课程；课程表报街道备案",
		"prepaid_total_10k_yuan": 38.6, "prepaid_students": 212,
		"website": "https://boya-demo.example.com", "wechat": "启智博雅万寿路", "ad_media": "微信公众号、社区宣传栏",
		"premises": "rented", "floor_area_m2": 460, "staff": 18, "fulltime_staff": 12, "foreign_teachers": 1,
		"certified_teachers": 11, "public_school_teachers": 0, "fire_acceptance": true,
		"list_status": "white", "status": "operating",
		"list_decided_at": "2018-06-20 10:00:00.000Z", "list_reason": "持证规范办学（区教委审定）",
	}},
	{tcXbs, pCentreXbs, map[string]any{
		"credit_code": creditCode("91110108", "MA00G4LX"), "founded_on": day("2015-09-01"),
		"registered_address": "北京市海淀区翠微路甲3号2层",
		"legal_rep_name":     "罗文斌", "legal_rep_hukou": "湖南省长沙市", "legal_rep_phone": "13800000203",
		"principal_name": "罗文斌", "principal_hukou": "湖南省长沙市", "principal_phone": "13800000203",
		"sponsor_name": "北京小博士文化发展有限公司", "sponsor_type": "company",
		"business_licence": "without_education", "registering_authority": "北京市工商行政管理局海淀分局",
		"qualification": "business_without_education", "categories": []string{"subject", "language"},
		"subjects": []string{"english", "math"}, "mode": "offline", "trainees_2017": 260, "trainees_now": 190,
		"prepaid_total_10k_yuan": 52.3, "prepaid_students": 148, "wechat": "小博士英语翠微",
		"ad_media": "小区电梯广告、传单", "premises": "rented", "floor_area_m2": 210,
		"staff": 9, "fulltime_staff": 5, "certified_teachers": 3, "public_school_teachers": 0,
		"list_status": "none", "status": "rectifying",
	}},
	{tcSiyuan, pCentreSiyuan, map[string]any{
		"credit_code": creditCode("91110108", "MA0122AN"), "founded_on": day("2017-04-12"),
		"registered_address": "北京市海淀区科学院南路2号院B座4层405",
		"legal_rep_name":     "高明远", "legal_rep_hukou": "山东省济南市", "legal_rep_phone": "13800000204",
		"principal_name": "田晓燕", "principal_hukou": "北京市朝阳区", "principal_phone": "13800000205",
		"sponsor_name": "北京思远未来教育咨询有限公司", "sponsor_type": "company",
		"business_licence": "with_education", "registering_authority": "北京市工商行政管理局海淀分局",
		"qualification": "business_with_education", "categories": []string{"subject"},
		"subjects": []string{"math", "chinese", "english"}, "mode": "both", "trainees_2017": 610, "trainees_now": 540,
		"admission_link": true, "teaching_measures": "无", "prepaid_total_10k_yuan": 126.5, "prepaid_students": 388,
		"website": "https://siyuan-demo.example.com", "wechat": "思远未来小升初", "ad_media": "家长群、公众号推文",
		"premises": "rented", "floor_area_m2": 380, "staff": 24, "fulltime_staff": 15, "certified_teachers": 9,
		"public_school_teachers": 2, "fire_acceptance": true,
		"list_status": "none", "status": "rectifying",
	}},
	{tcQy, pCentreQy, map[string]any{
		"legal_rep_name": "冯立新", "legal_rep_hukou": "河南省开封市", "legal_rep_phone": "13800000206",
		"sponsor_name": "冯立新", "sponsor_type": "individual", "business_licence": "none",
		"qualification": "none", "categories": []string{"art"}, "mode": "offline", "trainees_now": 35,
		"prepaid_total_10k_yuan": 4.2, "prepaid_students": 30, "premises": "rented", "floor_area_m2": 65,
		"staff": 2, "fulltime_staff": 1, "list_status": "black", "status": "suspended",
		"list_decided_at": "2018-06-20 10:00:00.000Z", "list_reason": "无证办学，存在重大安全隐患（区教委审定）",
	}},
	{tcZhihui, pCentreZhihui, map[string]any{
		"credit_code": creditCode("52110108", "MJ0123AB"), "founded_on": day("2014-06-20"),
		"registered_address": "北京市海淀区上地信息路12号B座2层",
		"legal_rep_name":     "韩卫东", "legal_rep_hukou": "北京市海淀区", "legal_rep_phone": "13800000207",
		"principal_name": "许慧敏", "principal_hukou": "北京市西城区", "principal_phone": "13800000208",
		"sponsor_name": "韩卫东", "sponsor_type": "individual", "school_licence": true,
		"licence_no": "教民111010870000876号", "licence_authority": "北京市海淀区教育委员会",
		"business_licence": "none", "institution_certificate": true, "registering_authority": "北京市海淀区民政局",
		"qualification": "licensed", "categories": []string{"tech", "sport", "other"}, "mode": "offline",
		"trainees_2017": 300, "trainees_now": 275, "teaching_measures": "只开设科技、棋类兴趣课程",
		"prepaid_total_10k_yuan": 15.8, "prepaid_students": 96, "wechat": "上地智慧树",
		"premises": "rented", "floor_area_m2": 620, "staff": 16, "fulltime_staff": 10, "certified_teachers": 8,
		"fire_acceptance": true, "list_status": "white", "status": "operating",
		"list_decided_at": "2018-06-20 10:00:00.000Z", "list_reason": "持证规范办学（区教委审定）",
	}},
}

func centres() []item {
	out := make([]item, len(centreForms))
	for i, c := range centreForms {
		data := map[string]any{"place": c.place, "subdistrict": sdOf(c.place)}
		for k, v := range c.form {
			data[k] = v
		}
		out[i] = item{coll: schema.Centres, id: c.id, data: data}
	}
	return out
}

// centreSubdistrict maps the demo centres to their subdistricts.
var centreSubdistrict = func() map[string]string {
	m := map[string]string{}
	for _, c := range centreForms {
		m[c.id] = sdOf(c.place)
	}
	return m
}()

var classRows = []struct{ centre, name, content, target, schedule string }{
	{tcBoya, "少儿创意美术", "水彩、素描与手工基础", "6-10岁", "每周六 9:00-10:30"},
	{tcBoya, "小学英语自然拼读", "字母发音规律与绘本阅读", "小学一至三年级", "每周六 14:00-15:30"},
	{tcBoya, "少儿编程（Scratch）", "图形化编程与逻辑思维", "8-12岁", "每周日 10:00-11:30"},
	{tcSiyuan, "五年级数学同步辅导", "人教版五年级下册同步练习", "小学五年级", "每周六 8:30-10:30"},
	{tcZhihui, "机器人搭建与编程", "乐高机器人结构与传感器编程", "9-14岁", "每周六 13:30-15:30"},
	{tcZhihui, "围棋启蒙", "围棋规则、基本死活与对弈", "5-8岁", "每周日 9:00-10:30"},
}

func centreClasses() []item {
	out := make([]item, len(classRows))
	for i, c := range classRows {
		out[i] = item{coll: schema.CentreClasses, id: ID("cc", i+1), data: map[string]any{
			"centre": c.centre, "subdistrict": centreSubdistrict[c.centre], "name": c.name,
			"content": c.content, "target_students": c.target, "schedule": c.schedule,
			"filed_at": "2018-06-20 10:00:00.000Z", // filed by the education commission
		}}
	}
	return out
}
