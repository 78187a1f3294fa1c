// Package beijing is the district's clock: the server stores UTC, and every day, month and
// year the programmes count by is Beijing's (UTC+8, no daylight saving).
package beijing

import (
	"time"

	"github.com/pocketbase/pocketbase/tools/types"
)

// Zone is Beijing time. A fixed zone rather than time.LoadLocation("Asia/Shanghai"): the same
// offsets for every date fieldsync deals with, and no dependence on the machine's tz database.
var Zone = time.FixedZone("CST", 8*60*60)

// YearRange is the first instant of year in Beijing and of the year after, in the layout
// PocketBase stores dates in, for `field >= from AND field < to` over a stored UTC date.
func YearRange(year int) (from, to string) {
	return stored(time.Date(year, 1, 1, 0, 0, 0, 0, Zone)), stored(time.Date(year+1, 1, 1, 0, 0, 0, 0, Zone))
}

func stored(t time.Time) string { return t.UTC().Format(types.DefaultDateLayout) }
