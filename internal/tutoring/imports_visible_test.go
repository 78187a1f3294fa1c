package tutoring_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestImportJob_ShowsOnlyViewableCentres: a supervisor imports a district-wide registry, and
// a line matches a centre of another subdistrict. The job's discrepancy about it would tell
// the supervisor what that centre's ledger records (here: its business licence's scope), a
// record REST does not show them; so the supervisor's job leaves it out, while a district
// administrator reading the same job sees it.
func TestImportJob_ShowsOnlyViewableCentres(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	place := testkit.Save(t, srv.App, schema.Places, testkit.ID("bcentreplace"), map[string]any{
		"kind": "tutoring_centre", "name": "永定路某培训学校", "subdistrict": testkit.SubdistrictB, "address": "永定路 9 号"})
	foreign := testkit.Save(t, srv.App, schema.Centres, testkit.ID("bcentre"), map[string]any{
		"place": place.Id, "subdistrict": testkit.SubdistrictB, "credit_code": code(42),
		"business_licence": "with_education", "status": "operating"})
	supA := srv.Token(schema.Users, testkit.SupervisorA)
	if res := srv.Do(http.MethodGet, "/api/collections/tutoring_centres/records/"+foreign.Id, supA, nil); res.Status != http.StatusNotFound {
		t.Fatalf("REST shows supervisor A the centre of subdistrict B: %d %s", res.Status, res.Body)
	}

	csv := fmt.Sprintf("统一社会信用代码,企业名称,住所,经营范围\n%s,北京永定某科技有限公司,永定路 9 号,软件开发\n", code(42))
	job := runImport(t, srv, supA, "market", "market.csv", []byte(csv))
	if job.Status != "done" || job.Imported != 1 {
		t.Fatalf("job %s: %d imported, errors %v", job.Status, job.Imported, job.Errors)
	}
	admin := srv.Token(core.CollectionNameSuperusers, testkit.Superuser)
	aboutForeign := func(token string) []string {
		res := srv.Do(http.MethodGet, "/api/fs/tutoring/imports/"+job.ID, token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("job: %d %s", res.Status, res.Body)
		}
		var got struct {
			Discrepancies []struct {
				Line         int
				Kind, Centre string
			}
		}
		if err := json.Unmarshal(res.Body, &got); err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, d := range got.Discrepancies {
			if d.Centre == foreign.Id || d.Line == 2 {
				kinds = append(kinds, d.Kind)
			}
		}
		return kinds
	}
	if kinds := aboutForeign(admin); len(kinds) == 0 {
		t.Fatal("the administrator's job lists no discrepancy about the centre of subdistrict B: the test compares nothing")
	}
	if kinds := aboutForeign(supA); len(kinds) > 0 {
		t.Errorf("supervisor A's job tells what the ledger of a centre of subdistrict B records: %v", kinds)
	}
}
