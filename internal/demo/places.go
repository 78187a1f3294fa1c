package demo

import "github.com/haidian/fieldsync/internal/schema"

// Demo places. The addresses use real Haidian streets with invented house numbers; the people
// living there are invented too.
var (
	pHomeCuiwei    = ID("pl", 1)
	pHomeFuxing    = ID("pl", 2)
	pHomeWanshou   = ID("pl", 3)
	pHomeYongding  = ID("pl", 4)
	pHomeYongding4 = ID("pl", 5)
	pHomeYangfang  = ID("pl", 6)
	pBasement      = ID("pl", 7)
	pGroupRental   = ID("pl", 8)
	pMultiInOne    = ID("pl", 9)
	pWarehouse     = ID("pl", 10)
	pOldHousing    = ID("pl", 11)
	pSnackShop     = ID("pl", 12)
	pCentreBoya    = ID("pl", 13)
	pCentreXbs     = ID("pl", 14)
	pCentreSiyuan  = ID("pl", 15)
	pCentreQy      = ID("pl", 16)
	pCentreZhihui  = ID("pl", 17)
	pSiteYongding  = ID("pl", 18)
	pSiteQinghe    = ID("pl", 19)
	pSiteYongfeng  = ID("pl", 20)
	pLandMinzhuang = ID("pl", 21)
	pLandTundian   = ID("pl", 22)
	pLandBjt       = ID("pl", 23)
	pLandWanshou   = ID("pl", 24)
	pSchoolCuiwei  = ID("pl", 25)
)

type placeRow struct {
	id, kind, venue, sd, name, addr, grid string
	lat, lon                              float64
	keyUnit                               bool
}

var placeRows = []placeRow{
	{pHomeCuiwei, "household", "", sdWanshoulu, "翠微中里12号楼3单元502户", "北京市海淀区万寿路街道翠微中里12号楼3单元502", "万寿路-翠微中里网格", 39.9128, 116.2988, false},
	{pHomeFuxing, "household", "", sdWanshoulu, "复兴路28号院7号楼1门201户", "北京市海淀区万寿路街道复兴路28号院7号楼1门201", "万寿路-复兴路网格", 39.9071, 116.2952, false},
	{pHomeWanshou, "household", "", sdWanshoulu, "万寿路甲15号院4号楼2门601户", "北京市海淀区万寿路街道万寿路甲15号院4号楼2门601", "万寿路-万寿路网格", 39.9105, 116.2940, false},
	{pHomeYongding, "household", "", sdYongdinglu, "永定路85号院4号楼2单元301户", "北京市海淀区永定路街道永定路85号院4号楼2单元301", "永定路-永定路东网格", 39.9083, 116.2612, false},
	{pHomeYongding4, "household", "", sdYongdinglu, "永定路甲4号院11号楼5门102户", "北京市海淀区永定路街道永定路甲4号院11号楼5门102", "永定路-永定路东网格", 39.9041, 116.2655, false},
	{pHomeYangfang, "household", "", sdYangfangdian, "羊坊店西路9号院3号楼4门402户", "北京市海淀区羊坊店街道羊坊店西路9号院3号楼4门402", "羊坊店-西路网格", 39.8986, 116.3236, false},
	{pBasement, "venue", "basement", sdWanshoulu, "万寿路西街甲6号院2号楼地下空间", "北京市海淀区万寿路街道万寿路西街甲6号院2号楼地下一层", "万寿路-西街网格", 39.9093, 116.2911, false},
	{pGroupRental, "venue", "group_rental", sdWanshoulu, "太平路22号院5号楼1门1102群租房", "北京市海淀区万寿路街道太平路22号院5号楼1门1102", "万寿路-太平路网格", 39.9017, 116.2897, false},
	{pMultiInOne, "venue", "multi_in_one", sdYongdinglu, "永定路东街便民菜店（前店后宅）", "北京市海淀区永定路街道永定路东街17号", "永定路-东街网格", 39.9066, 116.2637, false},
	{pWarehouse, "venue", "warehouse", sdXibeiwang, "永丰通达物流仓储库区", "北京市海淀区西北旺镇永丰路东侧308号", "西北旺-永丰网格", 40.0712, 116.2401, true},
	{pOldHousing, "venue", "old_housing", sdQinghe, "安宁里社区18号楼", "北京市海淀区清河街道安宁里社区18号楼", "清河-安宁里网格", 40.0318, 116.3342, false},
	{pSnackShop, "venue", "small_venue", sdZhongguancun, "知春里川味小吃店", "北京市海淀区中关村街道知春里28号楼底商", "中关村-知春里网格", 39.9788, 116.3260, false},
	{pCentreBoya, "tutoring_centre", "", sdWanshoulu, "启智博雅教育万寿路校区", "北京市海淀区万寿路街道复兴路甲36号院商业楼3层", "万寿路-复兴路网格", 39.9069, 116.2970, false},
	{pCentreXbs, "tutoring_centre", "", sdWanshoulu, "小博士英语培训中心", "北京市海淀区万寿路街道翠微路甲3号2层", "万寿路-翠微中里网格", 39.9120, 116.3010, false},
	{pCentreSiyuan, "tutoring_centre", "", sdZhongguancun, "思远未来教育中关村教学点", "北京市海淀区中关村街道科学院南路2号院B座4层", "中关村-科学院南路网格", 39.9814, 116.3222, false},
	{pCentreQy, "tutoring_centre", "", sdXueyuanlu, "清源书法艺术工作室", "北京市海淀区学院路街道志新路38号院底商", "学院路-志新网格", 39.9925, 116.3590, false},
	{pCentreZhihui, "tutoring_centre", "", sdShangdi, "智慧树科技培训学校", "北京市海淀区上地街道上地信息路12号B座2层", "上地-信息路网格", 40.0412, 116.3075, false},
	{pSiteYongding, "construction_site", "", sdYongdinglu, "永定路西侧棚户区改造安置房项目", "北京市海淀区永定路街道永定路西侧、玉泉路东侧", "永定路-西侧网格", 39.9060, 116.2560, false},
	{pSiteQinghe, "construction_site", "", sdQinghe, "安宁庄东路保障性住房项目", "北京市海淀区清河街道安宁庄东路南侧", "清河-安宁庄网格", 40.0370, 116.3300, false},
	{pSiteYongfeng, "construction_site", "", sdXibeiwang, "永丰产业基地B3地块研发楼项目", "北京市海淀区西北旺镇永丰产业基地B3地块", "西北旺-永丰网格", 40.0690, 116.2350, false},
	{pLandMinzhuang, "bare_land", "", sdSijiqing, "闵庄路南侧腾退地块", "北京市海淀区四季青镇闵庄路南侧", "四季青-闵庄网格", 39.9560, 116.2480, false},
	{pLandTundian, "bare_land", "", sdXibeiwang, "屯佃村拆迁腾退地块", "北京市海淀区西北旺镇屯佃村东侧", "西北旺-屯佃网格", 40.0560, 116.2140, false},
	{pLandBjt, "bare_land", "", sdWenquan, "白家疃村西侧闲置地块", "北京市海淀区温泉镇白家疃村西侧", "温泉-白家疃网格", 40.0450, 116.1890, false},
	{pLandWanshou, "bare_land", "", sdWanshoulu, "万寿路西街拆违腾退空地", "北京市海淀区万寿路街道万寿路西街甲8号北侧", "万寿路-西街网格", 39.9100, 116.2900, false},
	{pSchoolCuiwei, "school", "", sdWanshoulu, "翠微路小学（示例）", "北京市海淀区万寿路街道翠微路15号", "万寿路-翠微中里网格", 39.9140, 116.3000, false},
}

// placeIndex finds a demo place by id, so the records about a place always carry the place's
// subdistrict (the access policies refuse any other) and location.
var placeIndex = func() map[string]placeRow {
	m := make(map[string]placeRow, len(placeRows))
	for _, p := range placeRows {
		m[p.id] = p
	}
	return m
}()

// sdOf returns the subdistrict of a demo place.
func sdOf(place string) string { return placeIndex[place].sd }

func places() []item {
	out := make([]item, len(placeRows))
	for i, p := range placeRows {
		out[i] = item{coll: schema.Places, id: p.id, data: map[string]any{
			"kind": p.kind, "venue_type": p.venue, "name": p.name, "subdistrict": p.sd,
			"address": p.addr, "grid": p.grid, "location": geo(p.lat, p.lon), "key_unit": p.keyUnit,
		}}
	}
	return out
}

type householdRow struct {
	place, head, phone     string
	members, members60     int
	elderlyAlone, disabled bool
	notes                  string
	// residentBornOn is the birth date of a resident living alone: a networked unit needs it.
	residentBornOn string
}

var householdRows = []householdRow{
	{pHomeCuiwei, "刘桂英", "13800000101", 1, 1, true, false, "81岁，独居，子女在外地；使用燃气灶，已入户宣传", "1937-03-12"},
	{pHomeFuxing, "陈振华", "13800000102", 3, 2, false, false, "老两口与外孙同住", ""},
	{pHomeWanshou, "周玉珍", "13800000103", 1, 1, true, true, "76岁，独居，腿脚不便（肢体残疾三级）", "1942-09-30"},
	{pHomeYongding, "马德明", "13800000104", 2, 1, false, true, "户主视力残疾，与老伴同住", ""},
	{pHomeYongding4, "吴秀梅", "13800000105", 1, 1, true, false, "84岁，独居，社区网格员每周探访", "1934-01-08"},
	{pHomeYangfang, "郭永福", "13800000106", 2, 2, false, false, "两位老人均年满65岁", ""},
}

func households() []item {
	out := make([]item, len(householdRows))
	for i, h := range householdRows {
		out[i] = item{coll: schema.Households, id: ID("hh", i+1), data: map[string]any{
			"place": h.place, "subdistrict": sdOf(h.place), "head_name": h.head,
			"phone": h.phone, "members": h.members, "members_60plus": h.members60,
			"elderly_alone": h.elderlyAlone, "disabled": h.disabled, "notes": h.notes,
		}}
		if h.residentBornOn != "" {
			out[i].data["resident_born_on"] = h.residentBornOn + " 00:00:00.000Z"
		}
	}
	return out
}

type siteRow struct {
	place, permit, developer, contractor, stage string
	area                                        float64
	starts, ends                                string
}

var siteRows = []siteRow{
	{pSiteYongding, "[2017]施[海]建字0086号", "北京永定安居置业有限公司", "北京西山建设工程有限公司", "foundation", 46800, "2017-11-20", "2020-06-30"},
	{pSiteQinghe, "[2018]施[海]建字0012号", "北京清河保障房建设管理有限公司", "北京京北建工集团有限公司", "earthwork", 32500, "2018-03-15", "2020-12-31"},
	{pSiteYongfeng, "[2017]施[海]建字0143号", "北京永丰科创园开发有限公司", "北京中科建设工程有限公司", "structure", 58200, "2017-06-01", "2019-10-31"},
}

func sites() []item {
	out := make([]item, len(siteRows))
	for i, s := range siteRows {
		out[i] = item{coll: schema.Sites, id: ID("cs", i+1), data: map[string]any{
			"place": s.place, "subdistrict": sdOf(s.place), "permit_no": s.permit,
			"developer": s.developer, "contractor": s.contractor, "stage": s.stage, "area_m2": s.area,
			"starts_on": day(s.starts), "ends_on": day(s.ends),
		}}
	}
	return out
}
