package sync_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// A push group writes its change rows, bookkeeping rows, checksums and audit rows once, at
// its end. What it leaves must be what the same mutations leave pushed one at a time, each
// in a transaction of its own: a record created, patched twice and voided within one group
// (so later writes must see the earlier ones of the group that are not yet in the tables),
// and a finding at a place created in the same group.
func TestPush_GroupLeavesTheRowsOfOneAtATime(t *testing.T) {
	ms := func() []sync.Mutation {
		place, finding := "groupplace00001", "groupfinding001"
		ms := []sync.Mutation{
			{Op: sync.OpCreate, Coll: "places", ID: place, Data: map[string]any{
				"kind": "venue", "name": "成组小店", "subdistrict": testkit.SubdistrictA, "address": "成组路 1 号"}},
			{Op: sync.OpCreate, Coll: "findings", ID: finding, Data: map[string]any{
				"programme": "fire", "place": place, "subdistrict": testkit.SubdistrictA,
				"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线"}},
			{Op: sync.OpPatch, Coll: "places", ID: place, BaseV: 1, Set: map[string]any{"address": "成组路 2 号"}},
			{Op: sync.OpPatch, Coll: "findings", ID: finding, BaseV: 1, Set: map[string]any{"description": "楼道私拉电线，已拍照"}},
			{Op: sync.OpPatch, Coll: "findings", ID: finding, BaseV: 2, Set: map[string]any{"severity": "major"}},
			{Op: sync.OpVoid, Coll: "findings", ID: finding, BaseV: 3},
			{Op: sync.OpPatch, Coll: "places", ID: testkit.Side("venue", "a"), BaseV: 1, Set: map[string]any{"address": "已有路 9 号"}},
		}
		for i := range ms {
			ms[i].MID = int64(i + 1)
		}
		return ms
	}
	// One group, however loaded the machine: a group otherwise commits after 100 ms.
	defer sync.HoldGroupsFor(time.Minute)()
	grouped := testkit.Serve(t, testkit.NewApp(t))
	g := testkit.NewSync(t, grouped, testkit.InspectorA, "group-all")
	for i, o := range g.Push(ms()...) {
		if !o.OK {
			t.Fatalf("grouped mid %d: %s", i+1, o.Raw)
		}
	}
	single := testkit.Serve(t, testkit.NewApp(t))
	s := testkit.NewSync(t, single, testkit.InspectorA, "group-all")
	for _, m := range ms() {
		if o := s.Push(m)[0]; !o.OK {
			t.Fatalf("single mid %d: %s", m.MID, o.Raw)
		}
	}
	if txs := pushTransactions(grouped.App); txs != 1 {
		t.Fatalf("the grouped push took %d transactions, want 1: the test needs one group", txs)
	}
	for _, q := range []string{
		"SELECT scope, coll, rid, op, v, h FROM fs_sync_changes ORDER BY scope, coll, rid",
		"SELECT coll, rid, v, fv, scopes, born FROM fs_sync_records ORDER BY coll, rid",
		"SELECT scope, checksum, n FROM fs_sync_scopes ORDER BY scope",
		"SELECT coll, record_id, action, actor_id, actor_kind, door, changes FROM audit_log " +
			"WHERE door = 'sync' AND coll != 'sync_clients' ORDER BY rowid",
	} {
		got, want := tableRows(t, grouped.App, q), tableRows(t, single.App, q)
		if len(got) == 0 {
			t.Fatalf("%s: no rows", q)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d rows grouped, %d one by one", q, len(got), len(want))
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s, row %d\ngrouped:    %s\none by one: %s", q, i, got[i], want[i])
			}
		}
	}
}

// pushTransactions counts the transactions pushes committed, by their stored outcome groups.
func pushTransactions(app core.App) int {
	var n int
	app.DB().NewQuery("SELECT COUNT(DISTINCT seq) FROM fs_sync_changes WHERE rid LIKE 'group%'").Row(&n)
	return n
}

// tableRows reads q's rows as strings; in audit rows' changes, the record's own timestamps,
// which differ between two servers, are left out.
func tableRows(t *testing.T, app core.App, q string) []string {
	t.Helper()
	rows, err := app.DB().NewQuery(q).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		line := ""
		for i, c := range cols {
			v := fmt.Sprintf("%s", vals[i])
			if _, isInt := vals[i].(int64); isInt {
				v = fmt.Sprint(vals[i])
			}
			if c == "changes" {
				var m map[string]any
				if err := json.Unmarshal([]byte(v), &m); err == nil {
					delete(m, "created")
					delete(m, "updated")
					raw, _ := json.Marshal(m)
					v = string(raw)
				}
			}
			line += c + "=" + v + " "
		}
		out = append(out, line)
	}
	return out
}

// A create's bookkeeping row holds one field version for all its fields, and every field
// reads it until changed: a patch of a field unchanged since the create by a phone that never
// saw the record is a conflict, a stale patch of a field another phone changed since is a
// conflict, of a field nobody changed since the create is merged, and a patch based on the
// latest version is applied.
func TestChangeLog_CreateHoldsOneVersionForAllFields(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	x := testkit.NewSync(t, srv, testkit.InspectorA, "fv-phone-x")
	y := testkit.NewSync(t, srv, testkit.InspectorA, "fv-phone-y")
	const id = "fvfinding000001"
	if o := x.Create("findings", id, map[string]any{"programme": "fire", "place": testkit.Side("venue", "a"),
		"subdistrict": testkit.SubdistrictA, "category": "fire.wiring", "severity": "general", "description": "楼道私拉电线"}); !o.OK {
		t.Fatalf("create: %s", o.Raw)
	}
	var fv string
	if err := srv.App.DB().NewQuery("SELECT fv FROM fs_sync_records WHERE coll = 'findings' AND rid = {:id}").
		Bind(map[string]any{"id": id}).Row(&fv); err != nil {
		t.Fatal(err)
	}
	if fv != `{"*":{"v":1,"by":"fv-phone-x"}}` {
		t.Errorf("a create's field versions stored as %s", fv)
	}
	outcome := func(d *testkit.SyncDoor, base int64, set map[string]any) string {
		t.Helper()
		o := d.Send(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: id, BaseV: base, Set: set})
		var r sync.Result
		if err := json.Unmarshal([]byte(o.Raw), &r); err != nil {
			t.Fatal(err)
		}
		return r.Outcome
	}
	if got := outcome(y, 0, map[string]any{"description": "楼道私拉电线，未整改"}); got != sync.Conflicted {
		t.Errorf("phone y's patch of a field x created, on no version: %s, want conflict", got)
	}
	if got := outcome(y, 2, map[string]any{"severity": "major"}); got != sync.Applied {
		t.Errorf("phone y's patch on the latest version: %s, want applied", got)
	}
	if got := outcome(x, 1, map[string]any{"severity": "general"}); got != sync.Conflicted {
		t.Errorf("phone x's stale patch of the field y changed: %s, want conflict", got)
	}
	if got := outcome(x, 1, map[string]any{"responsible_party": "物业"}); got != sync.Merged {
		t.Errorf("phone x's stale patch of a field unchanged since the create: %s, want merged", got)
	}
	if got := outcome(y, x.Version("findings", id), map[string]any{"description": "楼道私拉电线，已整改"}); got != sync.Applied {
		t.Errorf("phone y's patch on the latest version: %s, want applied", got)
	}
}
