package migrations_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// The admin UI names subdistricts, agencies, places and staff by their names wherever a
// record points to them, because those fields are the collections' presentable ones; nothing
// else is (the UI would show it too).
func TestPresentableNames(t *testing.T) {
	a := testkit.NewApp(t)
	want := map[string]string{"subdistricts": "name_zh", "agencies": "name_zh", "places": "name", "users": "name"}
	for coll, field := range want {
		c, err := a.FindCollectionByNameOrId(coll)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range c.Fields {
			tf, ok := f.(*core.TextField)
			if presentable := ok && tf.Presentable; presentable != (f.GetName() == field) {
				t.Errorf("%s.%s presentable = %v", coll, f.GetName(), presentable)
			}
		}
	}
}
