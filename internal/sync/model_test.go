package sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	gosync "sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/mobile-api/client"
)

// The model-based randomized test: ten phones of six users work offline through random
// creates, patches, voids and commands, sync through a network that drops, duplicates and
// loses answers, restart, lose and regain access, and run on clocks days off, while the server
// restarts and compacts its change log past their cursors (reset). After the network heals, every phone must agree with the server and every
// mutation must have exactly one stored outcome, with nothing lost and nothing applied twice.
//
// CI runs 200 seeds, two at a time; FIELDSYNC_LONG=1 (make test-long) or -sync.seeds=N runs
// more, -sync.seed-from=F starts the seeds at F (so a long run covers seeds CI never runs),
// and -sync.seed=S replays one. A failure prints its seed.
var (
	modelSeedCount = flag.Int("sync.seeds", 0, "seeds of the model test (0: 200, or 3000 with FIELDSYNC_LONG=1)")
	modelSeedFrom  = flag.Int64("sync.seed-from", 0, "the first seed of the model test")
	modelSeed      = flag.Int64("sync.seed", -1, "run the model test for this seed only")
	modelSteps     = flag.Int("sync.steps", 60, "random steps per seed")
)

func TestModel_RandomSeeds(t *testing.T) {
	count := *modelSeedCount
	if count <= 0 {
		count = 200
		if os.Getenv("FIELDSYNC_LONG") != "" {
			count = 3000
		}
	}
	seeds := []int64{}
	if *modelSeed >= 0 {
		seeds = append(seeds, *modelSeed)
	} else {
		for i := range int64(count) {
			seeds = append(seeds, *modelSeedFrom+i)
		}
	}
	// Every page of two records or more is read with a helper connection racing its own for
	// the chunks, as a download's page is: the phones must converge all the same.
	defer sync.ReadPagesWithHelper(2, 2, false, nil)()
	used0, moved0, off0 := sync.HelperCounts()
	var mu gosync.Mutex
	total := exercise{outcomes: map[string]int{}, statuses: map[string]int{}}
	t.Run("seeds", func(t *testing.T) {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				t.Parallel() // each seed has its own server, data dir and phones
				t.Cleanup(func() {
					if t.Failed() {
						t.Logf("replay with: go test ./internal/sync/ -run TestModel_RandomSeeds -sync.seed=%d -v", seed)
					}
				})
				// The seed's server, phones and oracle hang off the cleanups of the test that
				// made them. A parallel subtest stays referenced by its parent until every seed
				// has run (and its spent cleanups with it), so a run of thousands of seeds would
				// keep every seed's memory (about 4 MB each); a nested subtest that is not
				// parallel is let go when it ends.
				var st exercise
				t.Run("run", func(t *testing.T) { st = runModel(t, seed, *modelSteps) })
				mu.Lock()
				defer mu.Unlock()
				total.add(st)
			})
		}
	})
	if t.Failed() || len(seeds) < minSeedsForCoverage {
		return
	}
	// Over the CI seeds, every outcome kind and every disturbance occurs: a change that made
	// one of them impossible (say, no conflict is ever reported) fails here.
	for _, kind := range []string{"applied", "merged", "conflict", "rejected", "quarantined"} {
		if total.outcomes[kind] == 0 {
			t.Errorf("no seed of %d produced a %s outcome", len(seeds), kind)
		}
	}
	for _, status := range []string{"ok", "added", "removed", "reset"} {
		if total.statuses[status] == 0 {
			t.Errorf("no seed of %d had a pull answer a scope %s", len(seeds), status)
		}
	}
	for name, n := range map[string]int{"server restart": total.restarts, "move": total.moves, "phone restart": total.reopens,
		"paged pull": total.pagedPulls, "scope change": total.scopeChanges, "reset": total.resets} {
		if n == 0 {
			t.Errorf("no seed of %d exercised a %s", len(seeds), name)
		}
	}
	used, moved, off := sync.HelperCounts()
	if used == used0 {
		t.Errorf("no page of %d seeds was read with a helper", len(seeds))
	}
	t.Logf("over %d seeds: %+v; page helpers used %d, found the head moved %d, called off %d",
		len(seeds), total, used-used0, moved-moved0, off-off0)
}

// minSeedsForCoverage is the fewest seeds over which every outcome kind and disturbance must
// occur; a replay of a few seeds need not show them all.
const minSeedsForCoverage = 50

func (e *exercise) add(o exercise) {
	e.restarts += o.restarts
	e.moves += o.moves
	e.reopens += o.reopens
	e.resets += o.resets
	e.pagedPulls += o.pagedPulls
	e.scopeChanges += o.scopeChanges
	e.resetSteps += o.resetSteps
	for k, n := range o.outcomes {
		e.outcomes[k] += n
	}
	for k, n := range o.statuses {
		e.statuses[k] += n
	}
}

// phone is one simulated device.
type phone struct {
	name, user string
	path       string
	net        *testkit.FlakyNet
	skew       time.Duration
	pullRows   int
	downloaded bool // whether a pull has started the phone's scopes
	c          *client.Client
	issued     int64                   // local edits made: the mids the server must answer
	outcomes   map[int64]client.Result // every outcome the phone received, by mid
}

type model struct {
	t      *testing.T
	rng    *rand.Rand
	srv    *testkit.Server
	phones []*phone
	moverA bool // whether the mover is in subdistrict A (else B)
	mover  string
	ctx    context.Context
	stats  exercise
	oracle *oracle
	stepNo int
	// moves is the mover's subdistrict from each step on, starting in A before step 0.
	moves []moveMark
}

// exercise counts what a seed exercised; summarize checks it against the server.
type exercise struct {
	restarts, moves, reopens int
	resets, pagedPulls       int // pulls that restarted a scope; pulls of more rows than a page
	scopeChanges             int // pulls that started or ended a scope
	resetSteps               int // reset steps taken (each asserts the resets it caused)
	outcomes                 map[string]int
	// statuses counts the scope statuses of completed pulls: added, removed and reset as the
	// pulls reported them, ok for every other scope the phone held after the pull.
	statuses map[string]int
}

type moveMark struct {
	step int
	sd   string
}

func (m *model) moverSD() string { return m.moves[len(m.moves)-1].sd }

// moverHeldSince reports whether the mover held sd at step, or at any step since.
func (m *model) moverHeldSince(step int, sd string) bool {
	for i, mk := range m.moves {
		next := len(m.moves)
		if i+1 < len(m.moves) {
			next = m.moves[i+1].step
		}
		if mk.sd == sd && (i+1 == len(m.moves) || next > step) {
			return true
		}
	}
	return false
}

func runModel(t *testing.T, seed int64, steps int) exercise {
	m := &model{t: t, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed)), ctx: t.Context(), moverA: true,
		moves: []moveMark{{step: -1, sd: testkit.SubdistrictA}}, stats: exercise{statuses: map[string]int{}}}
	m.srv = testkit.Serve(t, testkit.NewApp(t))
	m.mover = m.addMover()
	m.oracle = newOracle(m)
	users := []struct{ name, id string }{
		{"inspA1", testkit.InspectorA}, {"inspA2", testkit.InspectorA}, {"inspB1", testkit.InspectorB},
		{"inspB2", testkit.InspectorB}, {"supA1", testkit.SupervisorA}, {"supA2", testkit.SupervisorA},
		{"supB1", testkit.SupervisorB}, {"fire1", testkit.FireStaff}, {"mover1", m.mover}, {"mover2", m.mover},
	}
	dir := t.TempDir()
	// Each phone's store holds three files open; a long run of thousands of seeds runs out of
	// descriptors unless the stores of a finished seed are closed.
	t.Cleanup(func() {
		for _, p := range m.phones {
			p.c.Close()
		}
	})
	for _, u := range users {
		p := &phone{name: u.name, user: u.id, path: filepath.Join(dir, u.name+".db"), net: &testkit.FlakyNet{},
			skew:     time.Duration(m.rng.IntN(7*24)-3*24) * time.Hour,
			outcomes: map[int64]client.Result{}}
		m.open(p)
		m.phones = append(m.phones, p)
	}
	for i := range steps {
		m.stepNo = i
		m.step(i)
	}
	m.stepNo = steps
	m.heal()
	m.check()
	m.oracle.checkRecords()
	m.summarize()
	return m.stats
}

// summarize logs what the seed exercised and asserts that it did: every mutation the phones
// made was judged by the oracle, with the outcomes the server stored, and every move the
// test made is in the mover's membership history.
func (m *model) summarize() {
	var counts []struct {
		Outcome string `db:"outcome"`
		N       int    `db:"n"`
	}
	err := m.srv.App.DB().NewQuery(`SELECT json_extract(result, '$.outcome') AS outcome, COUNT(*) AS n
		FROM fs_sync_outcomes GROUP BY 1 ORDER BY 1`).All(&counts)
	if err != nil {
		m.t.Fatal(err)
	}
	stored := map[string]int{}
	for _, c := range counts {
		stored[c.Outcome] = c.N
	}
	if !maps.Equal(stored, m.oracle.kinds) {
		m.t.Fatalf("the server stored outcomes %v, the oracle judged %v", stored, m.oracle.kinds)
	}
	var issued int64
	for _, p := range m.phones {
		issued += p.issued
		if m.oracle.seen[p.name] != p.issued {
			m.t.Fatalf("%s made %d mutations, the oracle judged %d", p.name, p.issued, m.oracle.seen[p.name])
		}
	}
	var holdings int
	err = m.srv.App.DB().Select("COUNT(*)").From("fs_sync_memberships").Where(dbx.HashExp{"user": m.mover}).Row(&holdings)
	if err != nil {
		m.t.Fatal(err)
	}
	if holdings != 1+m.stats.moves {
		m.t.Fatalf("the mover moved %d times, the server holds %d memberships", m.stats.moves, holdings)
	}
	m.stats.outcomes = stored
	m.t.Logf("%d mutations judged: outcomes %v; scope statuses %v; server restarts %d, moves %d, phone restarts %d, reset steps %d, pulls with a reset %d, paged pulls %d, scope changes %d",
		issued, stored, m.stats.statuses, m.stats.restarts, m.stats.moves, m.stats.reopens, m.stats.resetSteps, m.stats.resets, m.stats.pagedPulls, m.stats.scopeChanges)
}

// addMover creates an inspector of A whom the district will move between A and B.
func (m *model) addMover() string {
	users, err := m.srv.App.FindCollectionByNameOrId("users")
	if err != nil {
		m.t.Fatal(err)
	}
	u := newRecord(users, map[string]any{"role": "inspector", "subdistricts": []string{testkit.SubdistrictA},
		"email": "mover@fieldsync.test", "verified": true})
	u.Id = testkit.ID("mover")
	u.SetPassword(testkit.Password)
	access.AsSystem(u)
	if err := m.srv.App.Save(u); err != nil {
		m.t.Fatal(err)
	}
	return u.Id
}

func (m *model) open(p *phone) {
	maxPush := 1 + m.rng.IntN(5)
	p.pullRows = 3 + m.rng.IntN(40)
	c, err := client.Open(m.ctx, p.path, client.Config{
		BaseURL: m.srv.URL, ClientID: "model-" + p.name, AppVersion: "model",
		TokenFunc: func(context.Context) (string, error) {
			return m.srv.Token("users", p.user), nil
		},
		HTTPClient: &http.Client{Transport: p.net},
		// The phone's clock runs with the server's injected one, off by its skew, so that the
		// times its edits claim (which decide quarantines) mean what they would in the field.
		Now:      func() time.Time { return now().Add(p.skew) },
		MaxPush:  maxPush,
		PullRows: p.pullRows,
	})
	if err != nil {
		m.t.Fatalf("open %s: %v", p.name, err)
	}
	p.c = c
}

// step takes one random action, a minute after the last one: an edit and a move of
// different steps never share a moment.
func (m *model) step(i int) {
	advance(time.Minute)
	p := m.phones[m.rng.IntN(len(m.phones))]
	switch r := m.rng.IntN(100); {
	case r < 22:
		m.create(p)
	case r < 45:
		m.patch(p)
	case r < 47:
		m.void(p)
	case r < 49:
		m.order(p)
	case r < 51:
		m.review(p)
	case r < 53:
		// Referrals need the right phones: a supervisor's refers, the brigade's declines (a
		// decline moves the finding and its place out of the brigade's scope, which a later
		// compaction turns into a reset).
		m.refer(m.phoneOf(map[bool]string{true: testkit.FireStaff, false: testkit.SupervisorA}[m.rng.IntN(2) == 0]))
	case r < 56:
		m.forbiddenPatch(p)
	case r < 84:
		m.sync(p)
	case r < 90:
		p.c.Close()
		m.open(p)
		m.stats.reopens++
	case r < 93:
		m.srv.Restart()
		m.stats.restarts++
	case r < 97:
		m.move()
		m.stats.moves++
	case r < 98:
		p.net.SetMode(testkit.NetMode(m.rng.IntN(testkit.NetModes)))
	case r < 99:
		m.reset(p)
	default:
		// The daily compaction, early: phones whose cursor lies below the removals it drops
		// must download those scopes again (a reset).
		if _, err := sync.Compact(m.srv.App, now()); err != nil {
			m.t.Fatal(err)
		}
	}
}

// local returns the phone's local records of coll in subdistrict sd ("" for any).
func (m *model) local(p *phone, coll, sd string) []client.Record {
	recs, err := p.c.List(m.ctx, coll)
	if err != nil {
		m.t.Fatal(err)
	}
	return slices.DeleteFunc(recs, func(r client.Record) bool {
		return (sd != "" && r.Data["subdistrict"] != sd) || r.Data["voided"] == true
	})
}

func (m *model) pick(recs []client.Record) (client.Record, bool) {
	if len(recs) == 0 {
		return client.Record{}, false
	}
	return recs[m.rng.IntN(len(recs))], true
}

// mySubdistrict is a subdistrict the phone's user works in, as the phone believes.
func (m *model) mySubdistrict(p *phone) string {
	switch p.user {
	case testkit.InspectorA, testkit.SupervisorA:
		return testkit.SubdistrictA
	case testkit.InspectorB, testkit.SupervisorB:
		return testkit.SubdistrictB
	case m.mover:
		if m.rng.IntN(2) == 0 {
			return testkit.SubdistrictA
		}
		return testkit.SubdistrictB
	}
	return "" // agency staff record nothing in subdistricts
}

// edit counts a local edit the phone made and gives the oracle the mutation it queued.
func (m *model) edit(p *phone, err error, it *intent) {
	if err != nil {
		m.t.Fatalf("%s: local edit: %v", p.name, err)
	}
	p.issued++
	it.mid, it.step = p.issued, m.stepNo
	m.oracle.note(p, it)
}

var words = []string{"楼道", "私拉电线", "电动车", "灭火器", "过期", "堵塞", "整改", "复查", "群租", "地下室"}

func (m *model) text() string {
	n := 1 + m.rng.IntN(3)
	out := ""
	for range n {
		out += words[m.rng.IntN(len(words))]
	}
	return out + strconv.Itoa(m.rng.IntN(1000))
}

func (m *model) create(p *phone) {
	sd := m.mySubdistrict(p)
	if sd == "" {
		return
	}
	place, ok := m.pick(m.local(p, "places", sd))
	coll, data := "findings", map[string]any{"programme": "fire", "place": place.ID,
		"subdistrict": sd, "category": "fire.wiring", "severity": "general", "description": m.text()}
	if !ok || m.rng.IntN(3) == 0 {
		coll, data = "places", map[string]any{"kind": "venue", "name": m.text(), "subdistrict": sd, "address": m.text()}
	}
	id, err := p.c.Create(m.ctx, coll, data)
	m.edit(p, err, &intent{op: "create", coll: coll, id: id, data: data})
}

// patchable lists fields staff may change, per collection.
var patchable = map[string][]string{
	"places":   {"name", "address", "grid"},
	"findings": {"description", "responsible_party", "severity", "deadline"},
}

func (m *model) value(field string) any {
	switch field {
	case "severity":
		return []string{"general", "major"}[m.rng.IntN(2)]
	case "deadline":
		return fmt.Sprintf("2018-%02d-%02d 00:00:00.000Z", 6+m.rng.IntN(6), 1+m.rng.IntN(28))
	}
	return m.text()
}

func (m *model) patch(p *phone) {
	coll := []string{"places", "findings"}[m.rng.IntN(2)]
	rec, ok := m.pick(m.local(p, coll, ""))
	if !ok {
		return
	}
	set := map[string]any{}
	for range 1 + m.rng.IntN(2) {
		f := patchable[coll][m.rng.IntN(len(patchable[coll]))]
		set[f] = m.value(f)
	}
	m.edit(p, p.c.Patch(m.ctx, coll, rec.ID, set), &intent{op: "patch", coll: coll, id: rec.ID, data: set, base: rec.V})
}

// forbiddenPatch tries what the rules refuse: an inspector closing a finding. The oracle
// asserts, when the outcome arrives, that the write was refused: rejected with a code, or a
// conflict that kept the server's status; in no case is the finding closed.
func (m *model) forbiddenPatch(p *phone) {
	rec, ok := m.pick(m.local(p, "findings", ""))
	if !ok {
		return
	}
	set := map[string]any{"status": "closed"}
	m.edit(p, p.c.Patch(m.ctx, "findings", rec.ID, set),
		&intent{op: "patch", coll: "findings", id: rec.ID, data: set, base: rec.V, forbid: true})
}

// order orders a finding's rectification by a deadline around the figures' reference day.
func (m *model) order(p *phone) {
	rec, ok := m.pick(m.local(p, "findings", ""))
	if !ok {
		return
	}
	m.command(p, "finding.order@1", rec, map[string]any{
		"deadline": fmt.Sprintf("2018-06-%02d 00:00:00.000Z", 1+m.rng.IntN(28)), "responsible_party": m.text()})
}

func (m *model) void(p *phone) {
	rec, ok := m.pick(m.local(p, "places", ""))
	if !ok {
		return
	}
	m.edit(p, p.c.Void(m.ctx, "places", rec.ID), &intent{op: "void", coll: "places", id: rec.ID, base: rec.V})
}

func (m *model) review(p *phone) {
	rec, ok := m.pick(m.local(p, "inspections", ""))
	if !ok {
		return
	}
	decision := []string{"approve", "return"}[m.rng.IntN(2)]
	m.command(p, "inspection.review@1", rec, map[string]any{"decision": decision})
}

// refer has a supervisor refer a finding to the fire brigade ("街镇吹哨"), or the brigade
// decline a referral it holds ("not ours"): the finding, its place, inspection and photos
// enter or leave the brigade's scope.
// phoneOf is the first phone of user.
func (m *model) phoneOf(user string) *phone {
	for _, p := range m.phones {
		if p.user == user {
			return p
		}
	}
	m.t.Fatalf("no phone of %s", user)
	return nil
}

func (m *model) refer(p *phone) {
	switch p.user {
	case testkit.SupervisorA, testkit.SupervisorB:
		rec, ok := m.pick(m.local(p, "findings", ""))
		if !ok {
			return
		}
		m.command(p, "finding.refer@1", rec, map[string]any{
			"agency": testkit.AgencyFire, "deadline": "2018-06-01 00:00:00.000Z", "reason": m.text()})
	case testkit.FireStaff:
		rec, ok := m.pick(m.local(p, "referrals", ""))
		if !ok {
			return
		}
		m.command(p, "referral.decline@1", rec, map[string]any{"response": m.text()})
	}
}

func (m *model) command(p *phone, name string, rec client.Record, args map[string]any) {
	m.edit(p, p.c.Command(m.ctx, name, rec.Coll, rec.ID, args),
		&intent{op: "cmd", coll: rec.Coll, id: rec.ID, cmd: name, args: args, base: rec.V})
}

// sync runs a push, a pull or both over the phone's current network. Network errors are
// expected; any other error is a bug.
func (m *model) sync(p *phone) {
	var err error
	switch m.rng.IntN(3) {
	case 0:
		var rep client.PushReport
		rep, err = p.c.Push(m.ctx)
		m.record(p, rep.Results)
	case 1:
		var rep client.PullReport
		rep, err = p.c.Pull(m.ctx)
		m.pulled(p, rep, err == nil)
	default:
		var push client.PushReport
		var pull client.PullReport
		push, pull, err = p.c.Sync(m.ctx)
		m.record(p, push.Results)
		m.pulled(p, pull, err == nil)
	}
	m.oracle.observe(p)
	if err != nil && !errors.Is(err, testkit.ErrNoSignal) {
		m.t.Fatalf("%s: sync over %v: %v", p.name, p.net.Mode(), err)
	}
	if m.rng.IntN(3) == 0 {
		p.net.SetMode(testkit.NetMode(m.rng.IntN(testkit.NetModes)))
	}
}

// record keeps every outcome a phone received: one mid must always get the same outcome.
func (m *model) record(p *phone, results []client.Result) {
	for _, r := range results {
		if prev, ok := p.outcomes[r.MID]; ok && !reflect.DeepEqual(prev, r) {
			m.t.Fatalf("%s: mid %d answered twice differently:\n%+v\n%+v", p.name, r.MID, prev, r)
		}
		p.outcomes[r.MID] = r
	}
}

// pulled counts what a pull exercised; complete says it ended without error. Drift between a
// phone and the server is a bug, never a normal event.
func (m *model) pulled(p *phone, rep client.PullReport, complete bool) {
	if len(rep.Healed) > 0 {
		m.t.Fatalf("%s: checksums disagreed, healed %v", p.name, rep.Healed)
	}
	if len(rep.Reset) > 0 {
		m.stats.resets++
	}
	if rep.Changes > p.pullRows {
		m.stats.pagedPulls++
	}
	if len(rep.Added)+len(rep.Removed) > 0 && p.downloaded {
		m.stats.scopeChanges++
	}
	p.downloaded = p.downloaded || len(rep.Added) > 0
	m.stats.statuses["added"] += len(rep.Added)
	m.stats.statuses["removed"] += len(rep.Removed)
	m.stats.statuses["reset"] += len(rep.Reset)
	if complete {
		// Every scope the phone holds after a completed pull was answered: those neither
		// added nor reset were answered ok.
		held, err := p.c.Scopes(m.ctx)
		if err != nil {
			m.t.Fatal(err)
		}
		m.stats.statuses["ok"] += len(held) - len(rep.Added) - len(rep.Reset)
	}
}

// reset compacts the change log past p's cursors, with edits on p still to push: its next
// pull must answer reset for every scope it holds (the oracle's statement of the user's
// scopes), download them again, drop the record an administrator deleted meanwhile, and keep
// and replay the unsent edits.
func (m *model) reset(p *phone) {
	if !p.downloaded {
		return
	}
	mode := p.net.Mode()
	defer p.net.SetMode(mode)
	p.net.SetMode(testkit.Online)
	// A record p holds, which an administrator will delete: its removal marker is what the
	// compaction drops.
	note := testkit.RID("resetnote", m.stepNo)
	testkit.Save(m.t, m.srv.App, "notifications", note, map[string]any{"user": p.user, "kind": "major_found",
		"message": "model reset step " + strconv.Itoa(m.stepNo)})
	rep, err := p.c.Pull(m.ctx)
	m.pulled(p, rep, err == nil)
	if err != nil {
		m.t.Fatalf("%s: pull before the reset: %v", p.name, err)
	}
	if _, err := p.c.Get(m.ctx, "notifications", note); err != nil {
		m.t.Fatalf("%s: the notification to delete did not arrive: %v", p.name, err)
	}
	want := m.oracle.scopesOf(p.user)
	if held, err := p.c.Scopes(m.ctx); err != nil || !slices.Equal(held, want) {
		m.t.Fatalf("%s syncs scopes %v, the oracle says its user holds %v (%v)", p.name, held, want, err)
	}
	// Offline work the reset must not lose.
	for range 1 + m.rng.IntN(2) {
		if m.rng.IntN(2) == 0 {
			m.patch(p)
		} else {
			m.create(p)
		}
	}
	pending, err := p.c.Pending(m.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	before := m.view(p.c)
	delete(before, "notifications/"+note)

	admin := m.srv.Token("_superusers", testkit.Superuser)
	if res := m.srv.For(m.t).Do(http.MethodDelete, "/api/collections/notifications/records/"+note, admin, nil); res.Status != http.StatusNoContent {
		m.t.Fatalf("delete %s: %d %s", note, res.Status, res.Body)
	}
	advance(time.Second)
	if n, err := sync.Compact(m.srv.App, now()); err != nil || n == 0 {
		m.t.Fatalf("compaction dropped %d removals: %v", n, err)
	}

	rep, err = p.c.Pull(m.ctx)
	m.pulled(p, rep, err == nil)
	if err != nil {
		m.t.Fatalf("%s: pull after the compaction: %v", p.name, err)
	}
	if got := slices.Sorted(slices.Values(rep.Reset)); !slices.Equal(got, want) || len(rep.Added)+len(rep.Removed) > 0 {
		m.t.Fatalf("%s after the compaction: reset %v, added %v, removed %v; the oracle predicted reset %v only",
			p.name, got, rep.Added, rep.Removed, want)
	}
	if n, err := p.c.Pending(m.ctx); err != nil || n != pending {
		m.t.Fatalf("%s: %d edits pending before the reset, %d after (%v)", p.name, pending, n, err)
	}
	if after := m.view(p.c); !reflect.DeepEqual(after, before) {
		for key, b := range before {
			if a, ok := after[key]; !ok || !reflect.DeepEqual(a, b) {
				m.t.Fatalf("%s: %s before the reset %+v, after %+v", p.name, key, b, a)
			}
		}
		for key, a := range after {
			if _, ok := before[key]; !ok {
				m.t.Fatalf("%s: %s appeared in the reset: %+v", p.name, key, a)
			}
		}
	}
	// The kept edits go out now; the oracle judges them like any other.
	push, err := p.c.Push(m.ctx)
	m.record(p, push.Results)
	m.oracle.observe(p)
	if err != nil {
		m.t.Fatalf("%s: push after the reset: %v", p.name, err)
	}
	m.stats.resetSteps++
}

// move sends the mover to the other subdistrict.
func (m *model) move() {
	u, err := m.srv.App.FindRecordById("users", m.mover)
	if err != nil {
		m.t.Fatal(err)
	}
	m.moverA = !m.moverA
	sd := testkit.SubdistrictB
	if m.moverA {
		sd = testkit.SubdistrictA
	}
	m.moves = append(m.moves, moveMark{step: m.stepNo, sd: sd})
	u.Set("subdistricts", []string{sd})
	access.AsSystem(u)
	if err := m.srv.App.Save(u); err != nil {
		m.t.Fatal(err)
	}
}

// heal brings every phone online and syncs until nothing moves.
func (m *model) heal() {
	for _, p := range m.phones {
		p.net.SetMode(testkit.Online)
	}
	for round := range 20 {
		moved := false
		for _, p := range m.phones {
			push, pull, err := p.c.Sync(m.ctx)
			if err != nil {
				m.t.Fatalf("%s: healing sync: %v", p.name, err)
			}
			m.record(p, push.Results)
			m.pulled(p, pull, true)
			m.oracle.observe(p)
			moved = moved || len(push.Results) > 0 || pull.Changes > 0
		}
		if !moved && round > 0 {
			return
		}
	}
	m.t.Fatal("the phones never settled")
}

func (m *model) check() {
	app := m.srv.App
	for _, p := range m.phones {
		if n, err := p.c.Pending(m.ctx); err != nil || n != 0 {
			m.t.Fatalf("%s: %d edits still pending (%v)", p.name, n, err)
		}
		// Exactly one stored outcome per mutation the phone made: mids 1..issued, no gaps,
		// no extras.
		var mids []int64
		err := app.DB().Select("mid").From("fs_sync_outcomes").
			Where(dbx.HashExp{"client": "model-" + p.name}).OrderBy("mid").Column(&mids)
		if err != nil {
			m.t.Fatal(err)
		}
		if int64(len(mids)) != p.issued || (len(mids) > 0 && mids[len(mids)-1] != p.issued) {
			m.t.Fatalf("%s: made %d edits, server stored outcomes for mids %v", p.name, p.issued, mids)
		}
		// Outcomes the phone heard are the ones the server stored, byte for byte.
		for mid, heard := range p.outcomes {
			var raw []byte
			err := app.DB().Select("result").From("fs_sync_outcomes").
				Where(dbx.HashExp{"client": "model-" + p.name, "mid": mid}).Row(&raw)
			if err != nil {
				m.t.Fatalf("%s: stored outcome of mid %d: %v", p.name, mid, err)
			}
			var stored client.Result
			if err := json.Unmarshal(raw, &stored); err != nil || !reflect.DeepEqual(stored, heard) {
				m.t.Fatalf("%s: mid %d heard %+v, stored %s", p.name, mid, heard, raw)
			}
		}
	}
	m.checkCreates()
	m.checkConverged()
	m.checkMatchesREST()
	m.checkFigures()
}

// countSeverity counts f in the general/major split of w (gazette line 3450's two targets).
func countSeverity(w *rectify.Figures, f *core.Record, closed bool) {
	switch f.GetString("severity") {
	case "general":
		w.GeneralFound++
		if closed {
			w.GeneralClosed++
		}
	case "major":
		w.MajorFound++
		if closed {
			w.MajorClosed++
		}
		switch f.GetString("supervision_level") {
		case "district":
			w.MajorListed++
			w.MajorListedDistrict++
		case "subdistrict":
			w.MajorListed++
			w.MajorListedSubdistrict++
		}
	}
	if f.GetBool("regional") {
		w.Regional++
	}
	if !f.GetDateTime("listing_proposed_at").IsZero() {
		w.ListingProposed++
	}
}

func ratio(done, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(done) / float64(of)
	return &v
}

// checkFigures: the server's rectification figures, computed in SQL, equal a count of the
// stored findings made here, however many times their pushes were delivered.
func (m *model) checkFigures() {
	now := time.Date(2018, 6, 15, 0, 0, 0, 0, time.UTC)
	figs, err := rectify.ComputeFigures(m.srv.App, rectify.FiguresScope{}, now)
	if err != nil {
		m.t.Fatal(err)
	}
	want := map[string]rectify.Figures{}
	all, err := m.srv.App.FindAllRecords("findings", dbx.HashExp{"voided": false})
	if err != nil {
		m.t.Fatal(err)
	}
	for _, f := range all {
		sd := f.GetString("subdistrict")
		w := want[sd]
		w.Subdistrict = sd
		w.Found++
		open := f.GetString("status") != "closed"
		deadline := f.GetDateTime("deadline")
		if open {
			w.Open++
			if !deadline.IsZero() && deadline.Time().Before(now) {
				w.Overdue++
			}
			if f.GetBool("supervised") {
				w.SupervisedOpen++
			}
		} else {
			w.Closed++
		}
		countSeverity(&w, f, !open)
		want[sd] = w
	}
	for _, got := range figs {
		w := want[got.Subdistrict]
		w.ClosedOnTime, w.ClosedLate = got.ClosedOnTime, got.ClosedLate // closures are not exercised here
		w.GeneralRectifiedShare, w.MajorListedShare = ratio(w.GeneralClosed, w.GeneralFound), ratio(w.MajorListed, w.MajorFound)
		if !reflect.DeepEqual(got, w) {
			m.t.Fatalf("figures of %s: server %+v, counted %+v", got.Subdistrict, got, w)
		}
		delete(want, got.Subdistrict)
	}
	if len(want) != 0 {
		m.t.Fatalf("figures miss subdistricts %v", want)
	}
}

// restCompared are the collections whose sync scopes must equal their REST list rules.
var restCompared = []string{"places", "findings", "inspections", "households", "referrals", "notifications"}

// checkMatchesREST: what a user syncs is exactly what the collections' API rules let them
// list through REST, field for field. This oracle shares no code with the change log.
func (m *model) checkMatchesREST() {
	seen := map[string]bool{}
	for _, p := range m.phones {
		if seen[p.user] {
			continue
		}
		seen[p.user] = true
		synced := m.view(p.c)
		token := m.srv.Token("users", p.user)
		for _, coll := range restCompared {
			rest := m.restList(coll, token)
			for id, data := range rest {
				got, ok := synced[coll+"/"+id]
				if !ok {
					m.t.Fatalf("%s may list %s/%s through REST but does not sync it", p.user, coll, id)
				}
				if !reflect.DeepEqual(m.jsonRound(got.Data), data) {
					m.t.Fatalf("%s/%s for %s: synced %v, REST %v", coll, id, p.user, got.Data, data)
				}
			}
			for key := range synced {
				if coll, id, _ := cutKey(key); slices.Contains(restCompared, coll) {
					if _, ok := m.restList(coll, token)[id]; !ok {
						m.t.Fatalf("%s syncs %s, which REST does not let them list", p.user, key)
					}
				}
			}
		}
	}
}

func cutKey(key string) (string, string, bool) {
	for i := range key {
		if key[i] == '/' {
			return key[:i], key[i+1:], true
		}
	}
	return key, "", false
}

func (m *model) restList(coll, token string) map[string]any {
	out := map[string]any{}
	for page := 1; ; page++ {
		res := m.srv.For(m.t).Do(http.MethodGet, fmt.Sprintf("/api/collections/%s/records?perPage=500&page=%d", coll, page), token, nil)
		if res.Status != http.StatusOK {
			m.t.Fatalf("REST list %s: %d %s", coll, res.Status, res.Body)
		}
		var body struct {
			Items      []map[string]any `json:"items"`
			TotalPages int              `json:"totalPages"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil {
			m.t.Fatalf("REST list %s: %v in %s", coll, err, res.Body)
		}
		for _, it := range body.Items {
			delete(it, "collectionId")
			delete(it, "collectionName")
			out[it["id"].(string)] = m.jsonRound(it)
		}
		if page >= body.TotalPages {
			return out
		}
	}
}

func (m *model) jsonRound(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		m.t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		m.t.Fatal(err)
	}
	return out
}

// checkCreates: every create applied once and only once; none refused left a record behind.
func (m *model) checkCreates() {
	var rows []struct {
		Result string `db:"result"`
	}
	if err := m.srv.App.DB().Select("result").From("fs_sync_outcomes").All(&rows); err != nil {
		m.t.Fatal(err)
	}
	for _, row := range rows {
		var r client.Result
		if err := json.Unmarshal([]byte(row.Result), &r); err != nil {
			m.t.Fatalf("stored outcome %s: %v", row.Result, err)
		}
		if r.Coll == "" || r.ID == "" {
			continue
		}
		_, err := m.srv.App.FindRecordById(r.Coll, r.ID)
		switch r.Outcome {
		case "applied", "merged", "conflict":
			if err != nil {
				m.t.Fatalf("%s/%s was %s but is not on the server", r.Coll, r.ID, r.Outcome)
			}
		}
	}
	var dupes int
	err := m.srv.App.DB().NewQuery(`SELECT COUNT(*) FROM audit_log a WHERE action = 'create' AND EXISTS
		(SELECT 1 FROM audit_log b WHERE b.action = 'create' AND b.coll = a.coll AND b.record_id = a.record_id AND b.id != a.id)`).Row(&dupes)
	if err != nil {
		m.t.Fatal(err)
	}
	if dupes != 0 {
		m.t.Fatalf("%d records were created twice", dupes)
	}
}

// checkConverged: every phone holds exactly what a fresh phone of its user downloads now.
func (m *model) checkConverged() {
	fresh := map[string]map[string]client.Record{}
	for _, p := range m.phones {
		want, ok := fresh[p.user]
		if !ok {
			want = m.freshView(p.user)
			fresh[p.user] = want
		}
		got := m.view(p.c)
		for key, w := range want {
			g, ok := got[key]
			if !ok {
				m.t.Fatalf("%s lacks %s (v%d)", p.name, key, w.V)
			}
			if g.V != w.V || !reflect.DeepEqual(g.Data, w.Data) {
				m.t.Fatalf("%s holds %s v%d %v, the server v%d %v", p.name, key, g.V, g.Data, w.V, w.Data)
			}
		}
		for key := range got {
			if _, ok := want[key]; !ok {
				m.t.Fatalf("%s holds %s, which its user may no longer see", p.name, key)
			}
		}
	}
}

func (m *model) freshView(user string) map[string]client.Record {
	c, err := client.Open(m.ctx, filepath.Join(m.t.TempDir(), "fresh.db"), client.Config{
		BaseURL: m.srv.URL, Token: m.srv.Token("users", user), ClientID: "fresh-" + user, PullRows: 500})
	if err != nil {
		m.t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Pull(m.ctx); err != nil {
		m.t.Fatal(err)
	}
	return m.view(c)
}

// view lists a phone's local copies of the collections the test touches.
func (m *model) view(c *client.Client) map[string]client.Record {
	out := map[string]client.Record{}
	for _, coll := range []string{"places", "findings", "inspections", "households", "referrals", "notifications", "sync_issues", "users"} {
		recs, err := c.List(m.ctx, coll)
		if err != nil {
			m.t.Fatal(err)
		}
		for _, r := range recs {
			out[coll+"/"+r.ID] = r
		}
	}
	return out
}

func newRecord(c *core.Collection, data map[string]any) *core.Record {
	r := core.NewRecord(c)
	r.Load(data)
	return r
}
