package benchdata

import (
	"fmt"
	"strings"
	"time"

	"github.com/haidian/fieldsync/internal/refdata"
)

// Invented but plausible words, so records carry text of the lengths inspectors type.
var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
		"徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}
	givenNames = []string{"建国", "淑芬", "海涛", "志强", "丽娟", "秀英", "玉珍", "德明", "秀梅",
		"永福", "桂英", "振华", "文斌", "雅琴", "明远", "晓燕", "立新", "卫东", "慧敏", "春生",
		"国庆", "红梅", "建军", "金凤", "宝山", "玉兰", "志刚", "美华", "长青", "静怡"}
	streets = []string{"复兴路", "翠微路", "万寿路", "永定路", "羊坊店路", "西三环北路", "阜成路",
		"紫竹院路", "学院路", "中关村大街", "知春路", "清河中街", "花园路", "上地信息路", "西北旺路",
		"温泉路", "北清路", "安宁庄路", "田村路", "四季青路"}
	communities = []string{"翠微中里", "永定路东里", "羊坊店西里", "甘家口小区", "八里庄北里",
		"紫竹院南里", "北下关社区", "学院路北区", "知春里", "安宁里", "西三旗东里", "田村北里"}
)

var subdistrictNames = func() []string {
	out := []string{}
	for _, s := range refdata.Subdistricts() {
		out = append(out, s.NameZH)
	}
	return out
}()

func personName(n int) string {
	return surnames[n%len(surnames)] + givenNames[(n/len(surnames)+n)%len(givenNames)]
}

func phone(n int) string { return fmt.Sprintf("138%08d", n%100000000) }

// address returns a street address in subdistrict sd.
func address(sd, n int) string {
	return fmt.Sprintf("北京市海淀区%s%s%d号院%d号楼%d单元%d", subdistrictNames[sd-1],
		streets[n%len(streets)], n%200+1, n%30+1, n%6+1, 100*(n%18+1)+n%4+1)
}

func community(n int) string { return communities[n%len(communities)] }

func grid(sd, n int) string {
	return fmt.Sprintf("%s-%s网格", strings.TrimSuffix(strings.TrimSuffix(subdistrictNames[sd-1], "街道"), "镇"),
		community(n/7))
}

// location returns a point inside subdistrict sd's rough area.
func location(sd, n int) map[string]any {
	lat := 39.88 + float64((sd-1)%6)*0.035 + float64(n%97)/10000
	lon := 116.20 + float64((sd-1)/6)*0.04 + float64(n%89)/10000
	return map[string]any{"lat": lat, "lon": lon}
}

// sentence joins a few phrases chosen by n, like the notes inspectors write.
func sentence(phrases []string, n, count int) string {
	parts := make([]string, count)
	for i := range parts {
		parts[i] = phrases[(n+i*7)%len(phrases)]
	}
	return strings.Join(parts, "；")
}

var (
	fireNotes = []string{"疏散通道堆放杂物", "应急照明损坏", "灭火器过期未更换", "室内私拉电线为电动自行车充电",
		"楼道内停放电动自行车", "使用大功率电暖器", "安全出口上锁", "燃气软管老化", "现场已责令整改",
		"已向住户宣传用火用电安全", "隔断已拆除，恢复原结构", "消防设施完好"}
	alarmNotes = []string{"卧室和厨房各安装一台", "绑定老人及子女手机号码", "测试报警短信送达",
		"向户主讲解使用方法", "独居老人，社区网格员每周探访", "安装位置距灯具大于0.5米"}
	tutoringNotes = []string{"办学许可证、营业执照齐全", "仅有营业执照，经营范围不含教育培训", "课程表已备案",
		"五年级数学班讲授初中内容", "聘用在职公办教师任课", "仅一个安全出口", "预收费超过三个月",
		"宣传材料与小升初挂钩", "消防验收合格"}
	dustNotes = []string{"东侧土方未苫盖", "出口冲洗设备故障，车辆带泥上路", "场区便道未硬化", "渣土车未密闭",
		"六个百分之百全部落实", "雾炮正常运行", "裸露地块已用防尘网苫盖", "拆除作业未湿法施工"}
	programmeNotes = [][]string{fireNotes, alarmNotes, tutoringNotes, dustNotes}
)

// day returns a date in 2018 as PocketBase stores dates: "2018-05-02 00:00:00.000Z".
func day(n int) string {
	return time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n%330).Format("2006-01-02") +
		" 00:00:00.000Z"
}

// moment returns a working-hours time in the spring and summer of 2018.
func moment(n int) string {
	t := time.Date(2018, 4, 1, 1, 0, 0, 0, time.UTC).AddDate(0, 0, n%200).Add(time.Duration(n%9) * time.Hour).
		Add(time.Duration(n%60) * time.Minute)
	return t.Format("2006-01-02 15:04:05.000Z")
}
