package client_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/mobile-api/client"
)

const pushPath = "/api/sync/v1/push"

func newFinding(description string) map[string]any {
	return map[string]any{"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
		"category": "fire.wiring", "severity": "general", "description": description}
}

// A push whose answer is lost on the way back leaves the mutations queued. Sending them again,
// or learning from a registration that the server has them, applies each exactly once.
func TestPush_LostAnswerAppliesOnce(t *testing.T) {
	for _, recovery := range []string{"push again", "register"} {
		t.Run(recovery, func(t *testing.T) {
			e := newEnv(t)
			net := newLossy()
			p := e.open(testkit.InspectorA, "lossy", net.config)
			sync(t, p)
			ctx := t.Context()
			id := must[string](t)(p.Create(ctx, "findings", newFinding("楼道堆物")))
			if err := p.Patch(ctx, "findings", id, map[string]any{"description": "楼道堆物，已清理"}); err != nil {
				t.Fatal(err)
			}
			net.loseAnswers(pushPath, 1)
			if _, err := p.Push(ctx); err == nil {
				t.Fatal("push with a lost answer succeeded")
			}
			if r := must[client.Record](t)(p.Get(ctx, "findings", id)); !r.Dirty {
				t.Fatalf("the outbox forgot the lost push: %+v", r)
			}
			if recovery == "register" {
				if err := p.Register(ctx); err != nil {
					t.Fatal(err)
				}
			}
			push, _ := sync(t, p)
			switch {
			case recovery == "register" && len(push.Results) != 0:
				t.Errorf("registration left acknowledged mids queued: %+v", push.Results)
			case recovery == "push again" && (len(push.Results) != 2 || push.Results[0].Outcome != client.Applied ||
				push.Results[1].Outcome != client.Applied):
				t.Errorf("resent results = %+v", push.Results)
			}
			if n := e.count("SELECT COUNT(*) FROM fs_sync_outcomes WHERE client = {:p0}", p.ID()); n != 2 {
				t.Errorf("the server stored %d outcomes, want 2", n)
			}
			if n := e.count("SELECT COUNT(*) FROM findings WHERE id = {:p0}", id); n != 1 {
				t.Errorf("%d findings %s", n, id)
			}
			if r := must[client.Record](t)(p.Get(ctx, "findings", id)); r.V != 2 || r.Dirty {
				t.Errorf("after sync: %+v", r)
			}
			e.assertConverged(p, testkit.InspectorA)
		})
	}
}

// A pull between a lost answer and the push that resends the mutation shows the pending edit
// on the server's new version; the resent push's stored outcome, a conflict, then settles the
// local copy on the server's resolution without another pull.
func TestPush_LostAnswerThenPull(t *testing.T) {
	e := newEnv(t)
	net := newLossy()
	ins, sup := e.open(testkit.InspectorA, "inspector", net.config), e.open(testkit.SupervisorA, "supervisor")
	sync(t, ins)
	sync(t, sup)
	ctx := t.Context()
	f := testkit.Side("finding", "a")
	if err := sup.Patch(ctx, "findings", f, map[string]any{"description": "主管：三楼"}); err != nil {
		t.Fatal(err)
	}
	sync(t, sup)
	if err := ins.Patch(ctx, "findings", f, map[string]any{"description": "巡查员：二楼"}); err != nil {
		t.Fatal(err)
	}
	net.loseAnswers(pushPath, 1)
	if _, err := ins.Push(ctx); err == nil {
		t.Fatal("push with a lost answer succeeded")
	}
	pull(t, ins)
	if r := must[client.Record](t)(ins.Get(ctx, "findings", f)); !r.Dirty || r.Data["description"] != "巡查员：二楼" {
		t.Fatalf("after the pull: %+v", r)
	}
	push := must[client.PushReport](t)(ins.Push(ctx))
	if len(push.Results) != 1 || push.Results[0].Outcome != client.Conflicted {
		t.Fatalf("results = %+v", push.Results)
	}
	if r := must[client.Record](t)(ins.Get(ctx, "findings", f)); r.Dirty || r.Data["description"] != "主管：三楼\n\n巡查员：二楼" {
		t.Errorf("after the resent push: %+v", r)
	}
	e.assertConverged(ins, testkit.InspectorA)
}

// A store closed between two batches of a push reopens with the rest of its outbox. The next
// sync registers first, learns that the server applied the batch whose answer was lost, and
// sends only the batch never sent.
func TestClient_ReopenKeepsOutbox(t *testing.T) {
	e := newEnv(t)
	net := newLossy()
	onePerPush := func(cfg *client.Config) { cfg.MaxPush = 1 }
	p := e.open(testkit.InspectorA, "phone", net.config, onePerPush)
	sync(t, p)
	ctx := t.Context()
	id := must[string](t)(p.Create(ctx, "findings", newFinding("消防通道堵塞")))
	if err := p.Patch(ctx, "findings", id, map[string]any{"severity": "major"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Patch(ctx, "findings", testkit.Side("finding", "a"), map[string]any{"responsible_party": "物业"}); err != nil {
		t.Fatal(err)
	}
	net.loseAnswers(pushPath, 2)
	if _, err := p.Push(ctx); err == nil {
		t.Fatal("push with a lost answer succeeded")
	}
	p.Close()

	p = e.open(testkit.InspectorA, "phone", onePerPush)
	for _, key := range [][2]string{{"findings", id}, {"findings", testkit.Side("finding", "a")}} {
		if r := must[client.Record](t)(p.Get(ctx, key[0], key[1])); !r.Dirty {
			t.Errorf("reopened store lost the edit of %s: %+v", key, r)
		}
	}
	push, _ := sync(t, p)
	if len(push.Results) != 1 || push.Results[0].MID != 3 {
		t.Errorf("resent results = %+v", push.Results)
	}
	if n := e.count("SELECT COUNT(*) FROM fs_sync_outcomes WHERE client = {:p0}", p.ID()); n != 3 {
		t.Errorf("the server stored %d outcomes, want 3", n)
	}
	e.assertConverged(p, testkit.InspectorA)
}

// A server restored from a backup has forgotten mids the phone saw acknowledged: it answers a
// mid gap, and the phone renumbers its queue to follow the server's last mid.
func TestPush_MidGapAfterServerRestore(t *testing.T) {
	e := newEnv(t)
	p := e.open(testkit.InspectorA, "phone")
	sync(t, p)
	ctx := t.Context()
	id := must[string](t)(p.Create(ctx, "findings", newFinding("灭火器过期")))
	if err := p.Patch(ctx, "findings", id, map[string]any{"responsible_party": "店主"}); err != nil {
		t.Fatal(err)
	}
	sync(t, p)
	// The restore: the server forgets mid 2.
	if _, err := e.srv.App.DB().NewQuery("UPDATE sync_clients SET last_mid = 1 WHERE client_id = {:c}; DELETE FROM fs_sync_outcomes WHERE client = {:c} AND mid > 1").
		Bind(map[string]any{"c": p.ID()}).Execute(); err != nil {
		t.Fatal(err)
	}
	if err := p.Patch(ctx, "findings", id, map[string]any{"responsible_party": "店主王某"}); err != nil {
		t.Fatal(err)
	}
	push, _ := sync(t, p)
	if len(push.Results) != 1 || push.Results[0].MID != 2 || push.Results[0].Outcome != client.Applied {
		t.Fatalf("results after the gap = %+v", push.Results)
	}
	if _, err := p.Create(ctx, "findings", newFinding("安全出口锁闭")); err != nil {
		t.Fatal(err)
	}
	if push, _ = sync(t, p); len(push.Results) != 1 || push.Results[0].MID != 3 {
		t.Fatalf("the next mid does not follow: %+v", push.Results)
	}
	e.assertConverged(p, testkit.InspectorA)
}

// A rule's refusal comes back as a rejected outcome: the local copy shows the server's data
// again, and the issue keeps what the inspector sent.
func TestPush_RejectedEditIsKeptAsIssue(t *testing.T) {
	e := newEnv(t)
	p := e.open(testkit.InspectorA, "phone")
	sync(t, p)
	ctx := t.Context()
	f := testkit.Side("finding", "a")
	if err := p.Patch(ctx, "findings", f, map[string]any{"status": "closed"}); err != nil {
		t.Fatal(err)
	}
	insp := testkit.Side("inspection", "a")
	if err := p.Command(ctx, "inspection.approve@9", "inspections", insp, map[string]any{"note": "同意"}); err != nil {
		t.Fatal(err)
	}
	push, _ := sync(t, p)
	if len(push.Results) != 2 || push.Results[0].Outcome != client.Rejected || push.Results[1].Outcome != client.Rejected {
		t.Fatalf("results = %+v", push.Results)
	}
	issues := must[[]client.Issue](t)(p.Issues(ctx))
	if len(issues) != 2 || issues[0].ID != f || issues[0].Data["status"] != "closed" || issues[0].Result.Code == "" ||
		issues[1].Name != "inspection.approve@9" || issues[1].Result.Code != "unknown_command" {
		t.Fatalf("issues = %+v", issues)
	}
	if r := must[client.Record](t)(p.Get(ctx, "findings", f)); r.Data["status"] != "open" || r.Dirty {
		t.Errorf("local copy keeps the rejected edit: %+v", r)
	}
	e.assertConverged(p, testkit.InspectorA)
	if err := p.DismissIssue(ctx, issues[0].MID); err != nil || len(must[[]client.Issue](t)(p.Issues(ctx))) != 1 {
		t.Errorf("dismiss: %v", err)
	}
	// The author acknowledges the other on the server; the pull brings the closed issue.
	if err := p.ResolveIssue(ctx, issues[1].Result.Issue, client.Acknowledge); err != nil {
		t.Fatal(err)
	}
	if left := must[[]client.Issue](t)(p.Issues(ctx)); len(left) != 0 {
		t.Errorf("issues left = %+v", left)
	}
	pull(t, p)
	if r := must[client.Record](t)(p.Get(ctx, "sync_issues", issues[1].Result.Issue)); r.Data["status"] != "acknowledged" {
		t.Errorf("server issue after acknowledging: %+v", r)
	}
}

// A voided record shows voided at once, and is final: a later edit comes back rejected.
func TestPush_VoidIsFinal(t *testing.T) {
	e := newEnv(t)
	p := e.open(testkit.InspectorA, "phone")
	sync(t, p)
	ctx := t.Context()
	if err := p.Patch(ctx, "findings", "nosuchfinding00", map[string]any{"severity": "major"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("patch of an unknown record: %v", err)
	}
	id := must[string](t)(p.Create(ctx, "findings", newFinding("误报")))
	if err := p.Void(ctx, "findings", id); err != nil {
		t.Fatal(err)
	}
	if r := must[client.Record](t)(p.Get(ctx, "findings", id)); r.Data["voided"] != true {
		t.Fatalf("local copy not voided: %+v", r)
	}
	sync(t, p)
	if err := p.Patch(ctx, "findings", id, map[string]any{"description": "改口"}); err != nil {
		t.Fatal(err)
	}
	push, _ := sync(t, p)
	if len(push.Results) != 1 || push.Results[0].Outcome != client.Rejected || push.Results[0].Fields["voided"] != "record_voided" {
		t.Fatalf("results = %+v", push.Results)
	}
	if r := must[client.Record](t)(p.Get(ctx, "findings", id)); r.Data["description"] != "误报" || r.V != 2 {
		t.Errorf("after the rejection: %+v", r)
	}
	e.assertConverged(p, testkit.InspectorA)
}

func TestPush_RevokedClient(t *testing.T) {
	e := newEnv(t)
	p := e.open(testkit.InspectorA, "phone")
	sync(t, p)
	rec, err := e.srv.App.FindFirstRecordByData("sync_clients", "client_id", p.ID())
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("revoked", true)
	access.AsSystem(rec)
	if err := e.srv.App.Save(rec); err != nil {
		t.Fatal(err)
	}
	id := must[string](t)(p.Create(t.Context(), "findings", newFinding("配电箱无盖")))
	if _, err := p.Push(t.Context()); !errors.Is(err, client.ErrRevoked) {
		t.Fatalf("push of a revoked client: %v", err)
	}
	if r := must[client.Record](t)(p.Get(t.Context(), "findings", id)); !r.Dirty {
		t.Errorf("the revoked client lost its edit: %+v", r)
	}
}

func TestClient_SchemaMismatch(t *testing.T) {
	e := newEnv(t)
	p := e.open(testkit.InspectorA, "phone", func(cfg *client.Config) { cfg.SchemaVersion = client.SchemaVersion + 1 })
	var se *client.SchemaError
	if err := p.Register(t.Context()); !errors.Is(err, client.ErrSchemaMismatch) || !errors.As(err, &se) ||
		se.Server != client.SchemaVersion {
		t.Fatalf("register: %v", err)
	}
	if _, _, err := p.Sync(t.Context()); !errors.Is(err, client.ErrSchemaMismatch) {
		t.Fatalf("sync: %v", err)
	}
}

// Local edits made while a sync runs are neither lost nor sent twice.
func TestClient_EditsDuringSync(t *testing.T) {
	e := newEnv(t)
	p := e.open(testkit.InspectorA, "busy", func(cfg *client.Config) { cfg.MaxPush, cfg.PullRows = 2, 10 })
	sync(t, p)
	ctx := t.Context()
	done := make(chan error)
	go func() {
		defer close(done)
		for i := range 20 {
			id, err := p.Create(ctx, "findings", newFinding(fmt.Sprintf("隐患 %d", i)))
			if err == nil {
				err = p.Patch(ctx, "findings", id, map[string]any{"responsible_party": fmt.Sprintf("责任人 %d", i)})
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()
	for range 3 {
		sync(t, p)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sync(t, p)
	if n := e.count("SELECT COUNT(*) FROM fs_sync_outcomes WHERE client = {:p0}", p.ID()); n != 40 {
		t.Errorf("the server stored %d outcomes, want 40", n)
	}
	e.assertConverged(p, testkit.InspectorA)
}
