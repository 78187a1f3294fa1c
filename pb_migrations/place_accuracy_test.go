package migrations_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// A place keeps the accuracy of its point; through either door a negative or absurd accuracy
// is refused with the field's code and nothing is stored, a plausible one is stored as sent.
func TestPlaceAccuracy_RefusedOutOfRangeAtEveryDoor(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	sup := srv.Token("users", testkit.SupervisorA)
	for i, door := range testkit.Doors(t, srv, testkit.InspectorA) {
		for j, tc := range []struct {
			accuracy float64
			code     string
		}{
			{-3, "validation_min_number_constraint"},
			{25_000, "validation_max_number_constraint"},
			{12.5, ""},
		} {
			id := fmt.Sprintf("accplace%d%d00000", i, j)[:15]
			out := door.Create("places", id, map[string]any{"kind": "household", "name": "住户 精度", "address": "万寿路 9 号",
				"subdistrict": testkit.SubdistrictA, "location": map[string]any{"lon": 116.28, "lat": 39.9}, "location_accuracy_m": tc.accuracy})
			stored := srv.Do(http.MethodGet, "/api/collections/places/records/"+id, sup, nil)
			if tc.code == "" {
				if !out.OK || stored.Status != http.StatusOK || stored.JSON(t)["location_accuracy_m"] != tc.accuracy {
					t.Errorf("%s: accuracy %v: %v, stored %d %s", door.Name(), tc.accuracy, out, stored.Status, stored.Body)
				}
				continue
			}
			if out.OK || out.Fields["location_accuracy_m"] != tc.code || stored.Status != http.StatusNotFound {
				t.Errorf("%s: accuracy %v: %v (want %s), stored %d", door.Name(), tc.accuracy, out, tc.code, stored.Status)
			}
		}
	}
}
