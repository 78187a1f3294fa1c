package tutoring_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// Table (一)'s columns are the gazette's, in its order and words (附件3, lines 4884-4890):
//
//	有办学许可证 / 有照无证: 有教育行政部门颁发的办学许可证 | 有工商营业执照，经营范围无培训内容 | 有工商营业执照，经营范围有培训内容
//	存在虚假宣传、违规招生、收费非法集资问题的 | 开展学科类培训 | 存在超目标教学、提前教学、强化应试问题的 | 组织等级考试或竞赛，培训结果与中小学校招生入学的挂钩的
//	本日是(否)发生培训机构、家长群、重大舆情等情况 | 存在重大安全隐患的
//
// and whatever the district adds comes after them, marked as its own.
func TestDaily_CentreColumnsAreTheGazettes(t *testing.T) {
	gazette := []string{"有培训机构数量合计", "有教育行政部门颁发的办学许可证",
		"有照无证：有工商营业执照，经营范围无培训内容", "有照无证：有工商营业执照，经营范围有培训内容",
		"存在虚假宣传、违规招生、收费非法集资问题的", "开展学科类培训", "存在超目标教学、提前教学、强化应试问题的",
		"组织等级考试或竞赛，培训结果与中小学校招生入学的挂钩的", "本日是否发生培训机构、家长群、重大舆情等情况", "存在重大安全隐患的"}
	var got []string
	for i, c := range tutoring.CentreColumns {
		if i < len(gazette) {
			got = append(got, c.ZH)
			if c.Local {
				t.Errorf("the gazette's column %s is marked local", c.Key)
			}
		} else if !c.Local || !strings.HasSuffix(c.ZH, "（本区增列）") {
			t.Errorf("column %d (%s %q) after the gazette's is not marked as the district's", i, c.Key, c.ZH)
		}
	}
	if !slices.Equal(got, gazette) {
		t.Errorf("the gazette's columns:\n got %q\nwant %q", got, gazette)
	}
}

// Only a licence issued by an education authority counts in 有教育行政部门颁发的办学许可证; one
// from human resources counts in the district's own column, whichever door recorded the survey.
func TestDaily_LicenceColumnCountsEducationLicencesOnly(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	sdA := testkit.SubdistrictA
	for i, d := range doors(t, srv, testkit.InspectorA) {
		place, centre, insp := rid(fmt.Sprintf("hrp%d", i), 1), rid(fmt.Sprintf("hrc%d", i), 1), rid(fmt.Sprintf("hri%d", i), 1)
		save(t, app, schema.Places, place, map[string]any{"kind": "tutoring_centre", "name": "职业培训 " + d.Name(),
			"subdistrict": sdA, "address": "学院路 9 号"})
		if o := d.Create(schema.Centres, centre, map[string]any{"place": place, "subdistrict": sdA,
			"school_licence": true, "licence_issuer": "human_resources", "licence_no": "人社民1101080"}); !o.OK {
			t.Fatalf("%s: centre: %s", d.Name(), o)
		}
		if o := d.Create(schema.Inspections, insp, map[string]any{"programme": "tutoring", "kind": "survey", "place": place,
			"subdistrict": sdA, "inspected_at": fmt.Sprintf("2018-07-0%d 02:00:00.000Z", i+2), "result": "pass"}); !o.OK {
			t.Fatalf("%s: survey: %s", d.Name(), o)
		}
		day := getDaily(t, srv, srv.Token("_superusers", testkit.Superuser),
			fmt.Sprintf("day=2018-07-0%d&subdistrict=%s", i+2, sdA)).Subdistricts[0]
		expect(t, d.Name()+" today", day.Centres.Today, map[string]int{"total": 1, "licensed_hr": 1})
	}
}
