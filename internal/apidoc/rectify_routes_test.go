package apidoc_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// rectifyScenario: commands, a finding's timeline and papers, the figures and milestones.
func rectifyScenario(t *testing.T, k *contract) {
	r := newRoutes(t, k, testkit.Serve(t, testkit.NewApp(t)))
	f := testkit.Side("finding", "a")

	const cmd = "/api/fs/commands"
	order := map[string]any{"name": "finding.order@1", "coll": "findings", "id": f,
		"args": map[string]any{"deadline": "2018-06-15 00:00:00.000Z", "responsible_party": "物业公司"}}
	const notice = "/api/fs/findings/{id}/notice.pdf"
	r.want("notice before the order", r.get(r.inspA, notice, "/api/fs/findings/"+f+"/notice.pdf"), http.StatusConflict, "notice_needs_order")
	r.wantRecord("order", "findings", r.post(r.inspA, cmd, cmd, order))
	r.want("order, another subdistrict's inspector", r.post(r.inspB, cmd, cmd, order), http.StatusNotFound, "not_found")
	r.want("order, no token", r.post("", cmd, cmd, order), http.StatusUnauthorized, "")
	r.want("order, a superuser", r.post(r.admin, cmd, cmd, order), http.StatusForbidden, "")
	unknown := map[string]any{"name": "finding.teleport@9", "coll": "findings", "id": f, "args": map[string]any{}}
	r.want("an unknown command", r.post(r.supA, cmd, cmd, unknown), http.StatusBadRequest, "unknown_command")
	review := map[string]any{"name": "inspection.review@1", "coll": "inspections", "id": testkit.Side("inspection", "a"),
		"args": map[string]any{"decision": "approve"}}
	r.want("a review by an inspector", r.post(r.inspA, cmd, cmd, review), http.StatusForbidden, "review_needs_supervisor")
	review["args"] = map[string]any{"decision": "return"}
	r.wantRecord("a review", "inspections", r.post(r.supA, cmd, cmd, review))
	r.want("a review of a returned inspection", r.post(r.supA, cmd, cmd, review), http.StatusConflict, "review_not_submitted")

	r.want("notice", r.get(r.inspA, notice, "/api/fs/findings/"+f+"/notice.pdf"), http.StatusOK, "")
	r.want("notice, another subdistrict", r.get(r.inspB, notice, "/api/fs/findings/"+f+"/notice.pdf"), http.StatusNotFound, "not_found")
	const record = "/api/fs/inspections/{id}/record.pdf"
	in := "/api/fs/inspections/" + testkit.Side("inspection", "a") + "/record.pdf"
	r.want("inspection record", r.get(r.inspA, record, in), http.StatusOK, "")
	r.want("inspection record, an administrator", r.get(r.admin, record, in), http.StatusOK, "")
	r.want("inspection record, anonymous", r.get("", record, in), http.StatusNotFound, "not_found")

	const timeline = "/api/fs/findings/{id}/timeline"
	tl := "/api/fs/findings/" + f + "/timeline"
	r.want("timeline", r.get(r.inspA, timeline, tl), http.StatusOK, "")
	r.want("timeline, an administrator", r.get(r.admin, timeline, tl), http.StatusOK, "")
	r.want("timeline, another subdistrict", r.get(r.inspB, timeline, tl), http.StatusNotFound, "not_found")
	r.want("timeline, anonymous", r.get("", timeline, tl), http.StatusNotFound, "not_found")
	r.want("timeline, no such finding", r.get(r.inspA, timeline, "/api/fs/findings/nosuchfinding00/timeline"), http.StatusNotFound, "not_found")

	for _, path := range []string{"/api/fs/rectify/figures", "/api/fs/milestones"} {
		for _, ext := range []string{"", ".csv", ".xlsx"} {
			p := path + ext
			r.want(p, r.get(r.inspA, p, p+"?programme=fire"), http.StatusOK, "")
			r.want(p+", the fire brigade", r.get(r.fire, p, p), http.StatusOK, "")
			r.want(p+", an administrator", r.get(r.admin, p, p), http.StatusOK, "")
			r.want(p+", anonymous", r.get("", p, p), http.StatusUnauthorized, "")
		}
	}
}
