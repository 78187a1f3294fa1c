package beijing

import "testing"

// TestYearRange: New Year's night in Beijing is still the 31st in UTC; an install at 01:00 on
// 1 January Beijing time (17:00 UTC on 31 December) belongs to the new year.
func TestYearRange(t *testing.T) {
	from, to := YearRange(2019)
	if from != "2018-12-31 16:00:00.000Z" || to != "2019-12-31 16:00:00.000Z" {
		t.Fatalf("2019 is [%s, %s)", from, to)
	}
	if install := "2018-12-31 17:00:00.000Z"; !(install >= from && install < to) {
		t.Errorf("%s is not counted in 2019", install)
	}
}
