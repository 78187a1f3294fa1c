package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/testkit/gobin"
	"github.com/haidian/fieldsync/internal/testkit/s3server"
)

// The restore drill: Litestream runs beside the server and replicates both of PocketBase's
// databases to a real S3 server while phones push; then the machine is lost (the server and
// Litestream are killed with SIGKILL and the data dir is deleted); the data dir is restored
// from the bucket with `litestream restore` and the server started on it.

// litestreamVersion is the Litestream the drill runs, pinned.
const litestreamVersion = "v0.5.18"

// documentedLag is the replication lag the README promises with a sync interval of 1 s: a
// total loss of the machine loses at most the mutations acknowledged within this window.
const documentedLag = 10 * time.Second

// drillPushes is how long the phones push before the machine is lost: longer than the lag, so
// that the drill checks mutations older than it.
const drillPushes = 15 * time.Second

func TestReplica_RestoreDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds fieldsync, Litestream and an S3 server and runs them")
	}
	litestream, err := gobin.Build("github.com/benbjohnson/litestream/cmd/litestream", litestreamVersion)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	bin := buildBinary(t)
	dataDir := filepath.Join(root, "pb_data")
	runDemo(t, bin, root, dataDir)

	gw, bucket := startBucket(t, root)
	config := writeLitestreamConfig(t, root, dataDir, gw, bucket)
	// The server reads the replication metrics from Litestream's control socket.
	socket := filepath.Join(root, "litestream.sock")
	f, err := os.OpenFile(config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "socket:\n  enabled: true\n  path: %s\n", socket)
	f.Close()
	t.Setenv("FIELDSYNC_METRICS_TOKEN", scraperToken)
	t.Setenv("FIELDSYNC_LITESTREAM_SOCKET", socket)

	addr := freeAddr(t)
	srv := startServerAt(t, bin, root, dataDir, addr)
	replicate := startLitestream(t, litestream, root, config)

	phones := openCrashPhones(t, srv.url, root)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	pushing := time.Now()
	stop := startPushing(t, phones, seed)
	waitReplicating(t, srv.url)
	time.Sleep(time.Until(pushing.Add(drillPushes)))

	// The machine is lost: both processes die at once and the disk is gone.
	srv.cmd.Process.Kill()
	replicate.Process.Kill()
	lost := time.Now()
	<-srv.exited
	srv.log.Close()
	replicate.Wait()
	stop()
	if err := os.RemoveAll(dataDir); err != nil {
		t.Fatal(err)
	}

	restoreStarted := time.Now()
	for _, name := range []string{"data.db", "auxiliary.db"} {
		path := filepath.Join(dataDir, name)
		restore := exec.Command(litestream, "restore", "-config", config, "-o", path, path)
		restore.Env = litestreamEnv()
		out, err := restore.CombinedOutput()
		if err != nil {
			t.Fatalf("restore %s: %v\n%s", name, err, out)
		}
	}
	t.Logf("restored both databases in %v", time.Since(restoreStarted).Round(time.Millisecond))
	checkRestored(t, filepath.Join(dataDir, "data.db"), phones, lost)

	// The server starts on the restored dir; the phones carry on. A phone whose acknowledged
	// mids were lost is answered with a gap and resends what it still holds; a cursor past the
	// restored head is answered with a reset. Drain fails on anything else, drift included.
	srv = startServerAt(t, bin, root, dataDir, addr)
	for _, p := range phones {
		p.drain(t)
	}
	// No Litestream runs now: every reading fails, and the lag only grows.
	lag1, failures1 := scrapeReplication(t, srv.url)
	lag2, failures2 := scrapeReplication(t, srv.url)
	if failures1 < 1 || failures2 != failures1+1 || lag2 < lag1 {
		t.Errorf("without Litestream: lag %v then %v, failures %v then %v; want a failure per scrape and no smaller lag",
			lag1, lag2, failures1, failures2)
	}
	srv.stop(t)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "data.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkIntegrity(t, db)
	checkChangeLog(t, db)
}

// checkRestored checks the restored database before any phone reaches it: its integrity, and
// that every outcome acknowledged more than documentedLag before the loss is stored as the
// phone heard it. It logs the measured window of acknowledged mutations the loss took.
func checkRestored(t *testing.T, path string, phones []*crashPhone, lost time.Time) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkIntegrity(t, db)
	acked, missing, checked := 0, 0, 0
	var oldestMissing time.Duration // how long before the loss the oldest lost ack was heard
	var newestKept time.Time
	for _, p := range phones {
		for mid, heard := range p.seen {
			acked++
			var raw []byte
			err := db.QueryRow("SELECT result FROM fs_sync_outcomes WHERE client = ? AND mid = ?", "crash-"+p.name, mid).Scan(&raw)
			age := lost.Sub(p.at[mid])
			if err == sql.ErrNoRows {
				missing++
				oldestMissing = max(oldestMissing, age)
				if age > documentedLag {
					t.Errorf("%s: mid %d, acknowledged %v before the loss, is not in the restored database", p.name, mid, age)
				}
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			if p.at[mid].After(newestKept) {
				newestKept = p.at[mid]
			}
			var stored any
			var want any
			b, _ := json.Marshal(heard)
			json.Unmarshal(b, &want)
			if err := json.Unmarshal(raw, &stored); err != nil || !reflect.DeepEqual(stored, want) {
				t.Errorf("%s: acknowledged mid %d was %s; the restored database has %s", p.name, mid, b, raw)
			}
			if age > documentedLag {
				checked++
			}
		}
	}
	var times []time.Time
	for _, p := range phones {
		for _, at := range p.at {
			times = append(times, at)
		}
	}
	slices.SortFunc(times, time.Time.Compare)
	var pause, pauseAt time.Duration
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap > pause {
			pause, pauseAt = gap, times[i-1].Sub(times[0])
		}
	}
	t.Logf("longest pause between two acknowledgements: %v, from %v after the first",
		pause.Round(time.Millisecond), pauseAt.Round(time.Millisecond))
	if checked == 0 {
		t.Fatalf("no acknowledged mutation older than the documented lag (%v) to check", documentedLag)
	}
	t.Logf("replication lag: %d acknowledged mutations, %d older than %v all restored; %d lost; "+
		"oldest lost acknowledged %v before the loss; newest restored acknowledged %v before it",
		acked, checked, documentedLag, missing, oldestMissing.Round(time.Millisecond), lost.Sub(newestKept).Round(time.Millisecond))
}

// startBucket starts an S3 server under root for the test and makes a bucket on it.
func startBucket(t *testing.T, root string) (*s3server.Server, string) {
	t.Helper()
	gw, err := s3server.Start(filepath.Join(root, "s3"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	bucket, err := gw.NewBucket()
	if err != nil {
		t.Fatal(err)
	}
	return gw, bucket
}

func checkIntegrity(t *testing.T, db *sql.DB) {
	t.Helper()
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
}

// writeLitestreamConfig writes the Litestream configuration of the README: both databases,
// each to its own path in bucket, synced every second.
func writeLitestreamConfig(t *testing.T, root, dataDir string, gw *s3server.Server, bucket string) string {
	t.Helper()
	var dbs string
	for _, name := range []string{"data.db", "auxiliary.db"} {
		dbs += fmt.Sprintf(`  - path: %s
    replica:
      type: s3
      bucket: %s
      path: fieldsync/%s
      endpoint: %s
      region: %s
      force-path-style: true
      sync-interval: 1s
`, filepath.Join(dataDir, name), bucket, name, gw.Endpoint, s3server.Region)
	}
	config := fmt.Sprintf("access-key-id: %s\nsecret-access-key: %s\ndbs:\n%s", s3server.AccessKey, s3server.Secret, dbs)
	path := filepath.Join(root, "litestream.yml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// litestreamEnv is the environment without AWS_CA_BUNDLE: Litestream v0.5.18 refuses to
// build its S3 client when it is set ("unable to add custom RootCAs HTTPClient"), and the
// loopback server speaks plain HTTP anyway.
func litestreamEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "AWS_CA_BUNDLE=") })
}

func startLitestream(t *testing.T, bin, root, config string) *exec.Cmd {
	t.Helper()
	logf, err := os.Create(filepath.Join(root, "litestream.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	cmd := exec.Command(bin, "replicate", "-config", config)
	cmd.Env = litestreamEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// scraperToken is the metrics token of the drill's server.
const scraperToken = "the-scraper-of-the-restore-drill-0123456"

// waitReplicating waits until the server's replication metrics come from Litestream: two
// scrapes in a row without a failed reading, within the documented lag.
func waitReplicating(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		lag, failures := scrapeReplication(t, url)
		if lag2, failures2 := scrapeReplication(t, url); failures2 == failures && lag < documentedLag.Seconds() &&
			lag2 < documentedLag.Seconds() {
			t.Logf("replication lag published: %.2f s", lag2)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no replication reported within a minute: lag %v, failures %v", lag, failures)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// scrapeReplication reads the replication lag and failures from the server's /metrics.
func scrapeReplication(t *testing.T, url string) (lag, failures float64) {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+scraperToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	found := 0
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		v, err := strconv.ParseFloat(value, 64)
		if !ok || err != nil {
			continue
		}
		switch name {
		case "fieldsync_replication_lag_seconds":
			lag, found = v, found+1
		case "fieldsync_replication_failures_total":
			failures, found = v, found+1
		}
	}
	if res.StatusCode != http.StatusOK || found != 2 {
		t.Fatalf("/metrics: status %d, %d of the 2 replication metrics", res.StatusCode, found)
	}
	return lag, failures
}
