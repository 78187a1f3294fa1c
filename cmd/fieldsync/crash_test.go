package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/haidian/fieldsync/internal/demo"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/mobile-api/client"
)

// The crash test kills the real server with SIGKILL at random moments while phones push, then
// restarts it and lets the phones drain. What it shows: an acknowledged mutation survives a
// crash of the process; nothing is applied twice; no record exists without its change-log
// state or the reverse; SQLite's integrity check passes. (Power loss is covered by running
// the data database with synchronous=FULL, which a process kill cannot show; see README.)
var crashKills = flag.Int("crash.kills", 0, "SIGKILLs of the crash test per durability setting (0: 6, or 60 with FIELDSYNC_LONG=1)")

func TestCrash_KillDuringPushes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the fieldsync binary")
	}
	// Both durability settings survive a process crash; the README claims it of each.
	for _, mode := range []string{"FULL", "NORMAL"} {
		t.Run(mode, func(t *testing.T) {
			t.Setenv("FIELDSYNC_SYNCHRONOUS", mode) // the server inherits the environment
			killDuringPushes(t)
		})
	}
}

func killDuringPushes(t *testing.T) {
	kills := *crashKills
	if kills == 0 {
		kills = 6
		if os.Getenv("FIELDSYNC_LONG") != "" {
			kills = 60
		}
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d kills", seed, kills)
	rng := rand.New(rand.NewPCG(seed, 1))

	root := t.TempDir()
	bin := buildBinary(t)
	dataDir := filepath.Join(root, "pb_data")
	runDemo(t, bin, root, dataDir)
	addr := freeAddr(t)
	srv := startServerAt(t, bin, root, dataDir, addr)

	phones := openCrashPhones(t, srv.url, root)
	stop := startPushing(t, phones, seed)
	for k := range kills {
		time.Sleep(time.Duration(150+rng.IntN(500)) * time.Millisecond) // let the phones push
		if err := srv.cmd.Process.Kill(); err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		<-srv.exited
		srv.log.Close()
		srv = startServerAt(t, bin, root, dataDir, addr)
	}
	stop()
	for _, p := range phones {
		p.drain(t)
	}
	srv.stop(t)
	checkAfterCrashes(t, filepath.Join(dataDir, "data.db"), phones)
}

// startServerAt is startServer on a fixed address, so phones reach the restarted server.
func startServerAt(t *testing.T, bin, root, dataDir, addr string) *server {
	t.Helper()
	logf, err := os.CreateTemp(root, "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	s := launch(t, bin, root, dataDir, addr, logf)
	// A test that fails before it stops the server must not leave it running.
	t.Cleanup(func() {
		if s.cmd.Process.Kill() == nil {
			<-s.exited
		}
	})
	s.waitHealthy(t)
	return s
}

// startPushing sets every phone working (editing, pushing, sometimes pulling) and returns the
// function that stops them and reports what went wrong but the network.
func startPushing(t *testing.T, phones []*crashPhone, seed uint64) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	var wg stdsync.WaitGroup
	errs := make(chan error, len(phones))
	for i, p := range phones {
		wg.Go(func() {
			if err := p.work(ctx, rand.New(rand.NewPCG(seed, uint64(i+2)))); err != nil {
				errs <- fmt.Errorf("%s: %w", p.name, err)
			}
		})
	}
	return func() {
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

// crashPhone is a phone pushing through the crashes.
type crashPhone struct {
	name string
	c    *client.Client
	mu   stdsync.Mutex
	sd   string
	made int64                   // local edits made
	seen map[int64]client.Result // outcomes the phone received
	at   map[int64]time.Time     // when each outcome was first received
}

func openCrashPhones(t *testing.T, baseURL, root string) []*crashPhone {
	users := []struct{ name, email, sd string }{
		{"wanshoulu-1", demo.InspectorEmail, refdata.SubdistrictID(1)},
		{"wanshoulu-2", demo.InspectorEmail, refdata.SubdistrictID(1)},
		{"supervisor", demo.SupervisorEmail, refdata.SubdistrictID(1)},
		{"yongdinglu", demo.InspectorYongdingluEmail, refdata.SubdistrictID(2)},
	}
	var out []*crashPhone
	for _, u := range users {
		token := signIn(t, baseURL, u.email)
		c, err := client.Open(t.Context(), filepath.Join(root, u.name+".db"), client.Config{
			BaseURL: baseURL, Token: token, ClientID: "crash-" + u.name,
			HTTPClient: &http.Client{Timeout: 5 * time.Second}, MaxPush: 5})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		out = append(out, &crashPhone{name: u.name, c: c, sd: u.sd, seen: map[int64]client.Result{}, at: map[int64]time.Time{}})
	}
	return out
}

func signIn(t *testing.T, baseURL, email string) string {
	t.Helper()
	body := fmt.Sprintf(`{"identity":%q,"password":%q}`, email, demo.Password)
	res, err := http.Post(baseURL+"/api/collections/users/auth-with-password", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("sign in %s: %d %v", email, res.StatusCode, err)
	}
	return out.Token
}

// work makes edits and pushes until ctx ends. Network errors are the crashes; anything else is
// a bug.
func (p *crashPhone) work(ctx context.Context, rng *rand.Rand) error {
	for ctx.Err() == nil {
		for range 1 + rng.IntN(4) {
			if err := p.edit(ctx, rng); err != nil {
				if ctx.Err() != nil {
					return nil // the test is over
				}
				return err
			}
		}
		rep, err := p.c.Push(ctx)
		p.hear(rep.Results)
		if err != nil && !isNetworkError(err) && ctx.Err() == nil {
			return err
		}
		if rng.IntN(4) == 0 {
			if _, err := p.c.Pull(ctx); err != nil && !isNetworkError(err) && ctx.Err() == nil {
				return err
			}
		}
	}
	return nil
}

func (p *crashPhone) edit(ctx context.Context, rng *rand.Rand) error {
	places, err := p.c.List(ctx, "places")
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(places) > 0 && rng.IntN(2) == 0 {
		pl := places[rng.IntN(len(places))]
		if pl.Data["subdistrict"] == p.sd && pl.Data["voided"] != true {
			err = p.c.Patch(ctx, "places", pl.ID, map[string]any{"grid": fmt.Sprintf("G%03d", rng.IntN(1000))})
			if err == nil {
				p.made++
			}
			return err
		}
	}
	_, err = p.c.Create(ctx, "places", map[string]any{"kind": "venue", "name": fmt.Sprintf("小店 %d", rng.IntN(1e6)),
		"subdistrict": p.sd, "address": "崩溃测试路"})
	if err == nil {
		p.made++
	}
	return err
}

func (p *crashPhone) hear(results []client.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	for _, r := range results {
		p.seen[r.MID] = r
		if _, ok := p.at[r.MID]; !ok {
			p.at[r.MID] = now
		}
	}
}

// isNetworkError tells the crash's effects (refused connections, cut answers, timeouts) from
// the client's own errors.
func isNetworkError(err error) bool {
	var se *client.ServerError
	return err != nil && !errors.As(err, &se) && !errors.Is(err, client.ErrSchemaMismatch) && !errors.Is(err, client.ErrDrift)
}

// drain syncs until nothing is pending.
func (p *crashPhone) drain(t *testing.T) {
	for range 50 {
		push, _, err := p.c.Sync(t.Context())
		p.hear(push.Results)
		n, perr := p.c.Pending(t.Context())
		if err == nil && perr == nil && n == 0 {
			return
		}
	}
	t.Fatalf("%s never drained", p.name)
}

// checkAfterCrashes opens the server's database after a clean stop and checks it.
func checkAfterCrashes(t *testing.T, path string, phones []*crashPhone) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	total := 0
	for _, p := range phones {
		var n, maxMid int64
		db.QueryRow("SELECT COUNT(*), COALESCE(MAX(mid), 0) FROM fs_sync_outcomes WHERE client = ?", "crash-"+p.name).Scan(&n, &maxMid)
		if n != p.made || maxMid != p.made {
			t.Errorf("%s made %d edits; the server stored %d outcomes up to mid %d", p.name, p.made, n, maxMid)
		}
		for mid, heard := range p.seen {
			var raw []byte
			db.QueryRow("SELECT result FROM fs_sync_outcomes WHERE client = ? AND mid = ?", "crash-"+p.name, mid).Scan(&raw)
			var stored client.Result
			if err := json.Unmarshal(raw, &stored); err != nil || !reflect.DeepEqual(stored, heard) {
				t.Errorf("%s: acknowledged mid %d was %+v; the server now has %s", p.name, mid, heard, raw)
			}
		}
		total += int(p.made)
	}
	t.Logf("%d edits from %d phones survived the kills", total, len(phones))
	checkChangeLog(t, db)
}

// checkChangeLog checks that every place has its change-log state and the reverse, was created
// exactly once, and that every applied create of a stored outcome exists.
func checkChangeLog(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, q := range []struct{ what, query string }{
		{"places without change-log state", `SELECT COUNT(*) FROM places WHERE id NOT IN (SELECT rid FROM fs_sync_records WHERE coll = 'places')`},
		{"change-log states without a place", `SELECT COUNT(*) FROM fs_sync_records WHERE coll = 'places' AND rid NOT IN (SELECT id FROM places)`},
		{"places created twice", `SELECT COUNT(*) FROM (SELECT record_id FROM audit_log WHERE coll = 'places' AND action = 'create' GROUP BY record_id HAVING COUNT(*) > 1)`},
		{"places without their create in the audit trail", `SELECT COUNT(*) FROM places WHERE id NOT IN (SELECT record_id FROM audit_log WHERE coll = 'places' AND action = 'create')`},
		{"applied creates missing", `SELECT COUNT(*) FROM fs_sync_outcomes WHERE json_extract(result, '$.outcome') = 'applied'
			AND json_extract(result, '$.coll') = 'places' AND json_extract(result, '$.id') NOT IN (SELECT id FROM places)`},
	} {
		var n int
		if err := db.QueryRow(q.query).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d (%v)", q.what, n, err)
		}
	}
}
