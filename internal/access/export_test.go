package access

import "github.com/pocketbase/pocketbase/core"

// LinkOf exposes to the tests what the field policies read of a linked record.
func LinkOf(app core.App, coll, id string) (subdistrict, agency string, err error) {
	l, err := readLink(app, coll, id)
	return l.subdistrict, l.agency, err
}
