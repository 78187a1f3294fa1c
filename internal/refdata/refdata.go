// Package refdata lists the district's organisation: the 29 subdistricts and towns of Haidian
// and the agencies that inspect or enforce (shared/domain.md, "Organisation"). A migration
// loads them; their ids are fixed so demo data, tests and phones can name them.
package refdata

import "fmt"

// Subdistrict is one of Haidian's 街道 or 镇.
type Subdistrict struct {
	ID, Code, NameZH, NameEN, Kind string
}

// Agency is a district agency that inspects or enforces.
type Agency struct {
	ID, Code, NameZH, NameEN string
}

type sd struct{ code, zh, en string }

var jiedao = []sd{
	{"wanshoulu", "万寿路街道", "Wanshoulu Subdistrict"},
	{"yongdinglu", "永定路街道", "Yongdinglu Subdistrict"},
	{"yangfangdian", "羊坊店街道", "Yangfangdian Subdistrict"},
	{"ganjiakou", "甘家口街道", "Ganjiakou Subdistrict"},
	{"balizhuang", "八里庄街道", "Balizhuang Subdistrict"},
	{"zizhuyuan", "紫竹院街道", "Zizhuyuan Subdistrict"},
	{"beixiaguan", "北下关街道", "Beixiaguan Subdistrict"},
	{"beitaipingzhuang", "北太平庄街道", "Beitaipingzhuang Subdistrict"},
	{"xueyuanlu", "学院路街道", "Xueyuanlu Subdistrict"},
	{"zhongguancun", "中关村街道", "Zhongguancun Subdistrict"},
	{"haidian", "海淀街道", "Haidian Subdistrict"},
	{"qinglongqiao", "青龙桥街道", "Qinglongqiao Subdistrict"},
	{"qinghuayuan", "清华园街道", "Qinghuayuan Subdistrict"},
	{"yanyuan", "燕园街道", "Yanyuan Subdistrict"},
	{"xiangshan", "香山街道", "Xiangshan Subdistrict"},
	{"qinghe", "清河街道", "Qinghe Subdistrict"},
	{"huayuanlu", "花园路街道", "Huayuanlu Subdistrict"},
	{"xisanqi", "西三旗街道", "Xisanqi Subdistrict"},
	{"malianwa", "马连洼街道", "Malianwa Subdistrict"},
	{"tiancunlu", "田村路街道", "Tiancunlu Subdistrict"},
	{"shangdi", "上地街道", "Shangdi Subdistrict"},
	{"shuguang", "曙光街道", "Shuguang Subdistrict"},
}

var zhen = []sd{
	{"sijiqing", "四季青镇", "Sijiqing Town"},
	{"haidian_town", "海淀镇", "Haidian Town"},
	{"dongsheng", "东升镇", "Dongsheng Town"},
	{"xibeiwang", "西北旺镇", "Xibeiwang Town"},
	{"wenquan", "温泉镇", "Wenquan Town"},
	{"sujiatuo", "苏家坨镇", "Sujiatuo Town"},
	{"shangzhuang", "上庄镇", "Shangzhuang Town"},
}

// Subdistricts returns the 29 subdistricts and towns in the gazette's order.
func Subdistricts() []Subdistrict {
	out := make([]Subdistrict, 0, len(jiedao)+len(zhen))
	for i, s := range append(append([]sd{}, jiedao...), zhen...) {
		kind := "jiedao"
		if i >= len(jiedao) {
			kind = "zhen"
		}
		out = append(out, Subdistrict{ID: SubdistrictID(i + 1), Code: s.code, NameZH: s.zh, NameEN: s.en, Kind: kind})
	}
	return out
}

// SubdistrictID returns the fixed record id of the n-th subdistrict (1-based).
func SubdistrictID(n int) string { return fmt.Sprintf("sd%013d", n) }

// Agencies returns the agencies, fire brigade first.
func Agencies() []Agency {
	list := []struct{ code, zh, en string }{
		{"fire", "海淀消防支队", "Haidian Fire Brigade"},
		{"edu", "区教委", "District Education Commission"},
		{"env", "区环保局", "District Environmental Protection Bureau"},
		{"urban", "区城管执法监察局", "District Urban Management Enforcement Bureau"},
		{"housing", "区住房城乡建设委", "District Housing and Construction Commission"},
		{"market", "工商海淀分局", "Haidian Market Regulation Branch"},
		{"civil", "区民政局", "District Civil Affairs Bureau"},
		{"hr", "区人力社保局", "District Human Resources and Social Security Bureau"},
		{"police", "公安海淀分局", "Haidian Public Security Branch"},
		// The dust plan's departments that send their own quarterly site lists (gazette line
		// 3739), added by migration 1764406020.
		{"city", "区城管委（交通委）", "District City Management Commission (Transport Commission)"},
		{"water", "区水务局", "District Water Authority"},
		{"landscape", "区园林绿化局", "District Landscaping and Greening Bureau"},
	}
	out := make([]Agency, len(list))
	for i, a := range list {
		out[i] = Agency{ID: AgencyID(i + 1), Code: a.code, NameZH: a.zh, NameEN: a.en}
	}
	return out
}

// AgencyID returns the fixed record id of the n-th agency (1-based).
func AgencyID(n int) string { return fmt.Sprintf("ag%013d", n) }
