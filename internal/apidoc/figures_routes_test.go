package apidoc_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// dustAlarmMonthlyScenario: the dust ranking's files and the site lists, the smoke-alarm
// progress and export, and the monthly reports.
func dustAlarmMonthlyScenario(t *testing.T, k *contract) {
	r := newRoutes(t, k, testkit.Serve(t, testkit.NewApp(t)))
	for _, p := range []string{"/api/fs/dust/ranking.csv", "/api/fs/dust/ranking.xlsx"} {
		r.want(p, r.get(r.fire, p, p+"?month=2018-05"), http.StatusOK, "")
		r.want(p+", an administrator", r.get(r.admin, p, p+"?month=2018-05"), http.StatusOK, "")
		r.want(p+", bad month", r.get(r.fire, p, p+"?month=May"), http.StatusBadRequest, "bad_month")
		r.want(p+", anonymous", r.get("", p, p+"?month=2018-05"), http.StatusUnauthorized, "")
	}

	const lists = "/api/fs/dust/site-lists"
	r.want("site lists", r.get(r.inspA, lists, lists+"?quarter=2018-Q2"), http.StatusOK, "")
	r.want("site lists, an administrator", r.get(r.admin, lists, lists+"?quarter=2018-Q2"), http.StatusOK, "")
	r.want("site lists, bad quarter", r.get(r.inspA, lists, lists+"?quarter=2018-05"), http.StatusBadRequest, "bad_quarter")
	r.want("site lists, anonymous", r.get("", lists, lists+"?quarter=2018-Q2"), http.StatusUnauthorized, "")
	r.want("site lists, fire brigade", r.get(r.fire, lists, lists+"?quarter=2018-Q2"), http.StatusForbidden, "site_list_forbidden")
	listA := map[string]any{"quarter": "2018-Q2", "subdistrict": testkit.SubdistrictA}
	r.want("send a site list", r.post(r.supA, lists, lists, listA), http.StatusOK, "")
	r.want("send, bad quarter", r.post(r.supA, lists, lists, `{"quarter": "2018-Q5", "subdistrict": "`+testkit.SubdistrictA+`"}`),
		http.StatusBadRequest, "bad_quarter")
	r.want("send, anonymous", r.post("", lists, lists, listA), http.StatusUnauthorized, "")
	r.want("send, an inspector", r.post(r.inspA, lists, lists, listA), http.StatusForbidden, "site_list_forbidden")

	for _, p := range []string{"/api/fs/smokealarm/progress", "/api/fs/smokealarm/progress.csv",
		"/api/fs/smokealarm/progress.xlsx", "/api/fs/smokealarm/installs.csv"} {
		r.want(p, r.get(r.inspA, p, p+"?year=2018"), http.StatusOK, "")
		r.want(p+", fire brigade", r.get(r.fire, p, p), http.StatusOK, "")
		r.want(p+", an administrator", r.get(r.admin, p, p), http.StatusOK, "")
		r.want(p+", bad year", r.get(r.inspA, p, p+"?year=1900"), http.StatusBadRequest, "bad_year")
		r.want(p+", anonymous", r.get("", p, p), http.StatusUnauthorized, "")
		r.want(p+", environment bureau", r.get(r.env, p, p), http.StatusForbidden, "alarm_progress_forbidden")
	}

	const monthly = "/api/fs/monthly/{body}"
	for _, body := range []string{"fire_committee", "fire_committee.csv", "fire_committee.xlsx"} {
		r.want("monthly "+body, r.get(r.inspA, monthly, "/api/fs/monthly/"+body+"?from=2018-05&to=2018-06"), http.StatusOK, "")
	}
	r.want("monthly, an administrator", r.get(r.admin, monthly, "/api/fs/monthly/fire_committee?from=2018-05&to=2018-06"), http.StatusOK, "")
	r.want("monthly, bad period", r.get(r.inspA, monthly, "/api/fs/monthly/fire_committee?from=2018-06&to=2018-05"),
		http.StatusBadRequest, "bad_period")
	r.want("monthly, anonymous", r.get("", monthly, "/api/fs/monthly/fire_committee?from=2018-05&to=2018-06"), http.StatusUnauthorized, "")
	r.want("monthly, fire brigade", r.get(r.fire, monthly, "/api/fs/monthly/fire_committee?from=2018-05&to=2018-06"),
		http.StatusForbidden, "monthly_forbidden")
	r.want("monthly, unknown body", r.get(r.inspA, monthly, "/api/fs/monthly/no_such_body?from=2018-05&to=2018-06"),
		http.StatusNotFound, "monthly_body_unknown")
}
