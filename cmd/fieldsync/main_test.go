package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	stdsync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/demo"
)

// TestCommand_ServeDemoRestart builds the real binary and runs it as an operator would: serve
// on an empty data dir, load the demo data twice, and serve again on the migrated dir.
func TestCommand_ServeDemoRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the fieldsync binary")
	}
	root := t.TempDir()
	bin := buildBinary(t)
	// The data dir sits in its own parent, so the JS plugin finds no pb_migrations or
	// pb_hooks beside it but ours (none).
	dataDir := filepath.Join(root, "pb_data")

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"serve on an empty data dir", func(t *testing.T) { checkServe(t, bin, root, dataDir) }},
		{"demo twice", func(t *testing.T) { checkDemoTwice(t, bin, root, dataDir) }},
		{"serve again on the migrated data dir, with the city's token", func(t *testing.T) {
			t.Setenv("FIELDSYNC_CITY_TOKEN", cityToken)
			srv := checkServe(t, bin, root, dataDir)
			checkSignIn(t, srv)
			checkCityView(t, srv)
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			t.FailNow()
		}
	}
}

// prodMode turns dev mode off: PocketBase takes a binary under the temp dir for `go run` and
// would otherwise log every SQL statement.
const prodMode = "--dev=false"

// buildBinary returns the fieldsync binary, built once per test run by scripts/build.sh as
// make build builds it (static, with the version information of buildIdentity).
func buildBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "fieldsync-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.dir = dir
		binary.path = filepath.Join(dir, "fieldsync")
		cmd := exec.Command("bash", "../../scripts/build.sh", binary.path)
		cmd.Env = append(os.Environ(), "VERSION="+buildIdentity.version, "COMMIT="+buildIdentity.commit,
			"BUILD_DATE="+buildIdentity.built)
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("scripts/build.sh: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// binary is the binary the tests share.
var binary struct {
	once      stdsync.Once
	dir, path string
	err       error
}

// buildIdentity is what the tests' build stamps into the binary.
var buildIdentity = struct{ version, commit, built string }{
	"9.8.7-test", "0123456789abcdef0123456789abcdef01234567", "2018-05-02T09:13:00Z"}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// server is a running `fieldsync serve`.
type server struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // the process's exit status, once exited is closed
	log    *os.File
}

// checkServe starts the server, checks the health endpoint, the anonymous list of
// subdistricts and the admin UI, and stops it when the test ends.
func checkServe(t *testing.T, bin, root, dataDir string) *server {
	t.Helper()
	srv := startServer(t, bin, root, dataDir)
	t.Cleanup(func() { srv.stop(t) })

	var list struct {
		TotalItems int `json:"totalItems"`
		Items      []struct {
			NameZH string `json:"name_zh"`
		} `json:"items"`
	}
	srv.getJSON(t, "/api/collections/subdistricts/records?perPage=100&sort=sort", &list)
	if list.TotalItems != 29 || len(list.Items) != 29 {
		t.Fatalf("subdistricts: total %d, listed %d; want 29", list.TotalItems, len(list.Items))
	}
	if list.Items[0].NameZH != "万寿路街道" || list.Items[28].NameZH != "上庄镇" {
		t.Errorf("subdistricts run from %q to %q, want 万寿路街道 to 上庄镇",
			list.Items[0].NameZH, list.Items[28].NameZH)
	}
	res, err := http.Get(srv.url + "/_/")
	if err != nil {
		t.Fatalf("admin UI: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("admin UI: status %d, want 200", res.StatusCode)
	}
	return srv
}

func startServer(t *testing.T, bin, root, dataDir string) *server {
	t.Helper()
	logf, err := os.CreateTemp(root, "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	srv := launch(t, bin, root, dataDir, freeAddr(t), logf)
	srv.waitHealthy(t)
	return srv
}

// launch starts `fieldsync serve` on addr, logging to logf, without waiting for it.
func launch(t *testing.T, bin, root, dataDir, addr string, logf *os.File) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--dir", dataDir, "--http", addr, prodMode)
	cmd.Dir = root
	// On a data dir without a superuser, PocketBase opens the installer in a browser; with
	// no PATH it finds no browser to open on the developer's desktop.
	cmd.Env = append(os.Environ(), "PATH=")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start serve: %v", err)
	}
	srv := &server{url: "http://" + addr, cmd: cmd, exited: make(chan struct{}), log: logf}
	go func() {
		srv.err = cmd.Wait()
		close(srv.exited)
	}()
	return srv
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitHealthy polls /api/health until it answers 200, the process exits, or the deadline
// passes.
func (s *server) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		res, err := client.Get(s.url + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("serve exited before it was healthy: %v\n%s", s.err, s.output())
		case <-deadline:
			t.Fatalf("serve not healthy after 60s (last: %v)\n%s", err, s.output())
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM, which PocketBase handles by shutting down gracefully, and kills the
// process if it has not exited in time.
func (s *server) stop(t *testing.T) {
	t.Helper()
	defer s.log.Close()
	select {
	case <-s.exited:
		return
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("sigterm: %v", err)
	}
	select {
	case <-s.exited:
		if s.err != nil {
			t.Errorf("serve did not exit cleanly on SIGTERM: %v\n%s", s.err, s.output())
		}
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Errorf("serve ignored SIGTERM for 15s and was killed\n%s", s.output())
	}
}

func (s *server) output() string {
	data, _ := os.ReadFile(s.log.Name())
	return string(data)
}

func (s *server) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	res, err := http.Get(s.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", path, err)
	}
}

// checkSignIn signs in with the documented demo account.
func checkSignIn(t *testing.T, s *server) {
	t.Helper()
	body := fmt.Sprintf(`{"identity":%q,"password":%q}`, demo.InspectorEmail, demo.Password)
	res, err := http.Post(s.url+"/api/collections/users/auth-with-password", "application/json",
		strings.NewReader(body))
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("sign in as %s: status %d, want 200", demo.InspectorEmail, res.StatusCode)
	}
}

// cityToken is the city's token of the district the test serves.
const cityToken = "the-city-view-token-of-this-district-0123"

// checkCityView reads the demo data's figures as the city does, with the token the server
// was started with, and is refused with another.
func checkCityView(t *testing.T, s *server) {
	t.Helper()
	for _, c := range []struct {
		token  string
		status int
	}{{cityToken, http.StatusOK}, {cityToken + "x", http.StatusUnauthorized}} {
		req, _ := http.NewRequest("GET", s.url+"/api/fs/city/figures", nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var figs struct {
			Programmes map[string][]struct{ Found int }
		}
		err = json.NewDecoder(res.Body).Decode(&figs)
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("city figures with token %q: status %d, want %d", c.token, res.StatusCode, c.status)
		}
		if c.status == http.StatusOK && (err != nil || len(figs.Programmes["fire"]) == 0 || figs.Programmes["fire"][0].Found == 0) {
			t.Errorf("city figures of the demo data: %+v (%v), want fire findings", figs, err)
		}
	}
}

// checkDemoTwice runs `fieldsync demo` twice: the first run creates records, the second
// finds them all present and creates none.
func checkDemoTwice(t *testing.T, bin, root, dataDir string) {
	t.Helper()
	created1, present1 := runDemo(t, bin, root, dataDir)
	if created1 == 0 || present1 != 0 {
		t.Errorf("first demo run: created %d, present %d; want some created, none present", created1, present1)
	}
	created2, present2 := runDemo(t, bin, root, dataDir)
	if created2 != 0 || present2 != created1 {
		t.Errorf("second demo run: created %d, present %d; want 0 created, %d present", created2, present2, created1)
	}
}

var totalsRE = regexp.MustCompile(`(?m)^Total: created (\d+), already present (\d+)$`)

func runDemo(t *testing.T, bin, root, dataDir string) (created, present int) {
	t.Helper()
	cmd := exec.Command(bin, "demo", "--dir", dataDir, prodMode)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	m := totalsRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("demo report has no totals:\n%s", out.String())
	}
	for _, want := range []string{demo.InspectorEmail, demo.AdminEmail, demo.Password} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo report does not mention %s:\n%s", want, out.String())
		}
	}
	created, _ = strconv.Atoi(m[1])
	present, _ = strconv.Atoi(m[2])
	return created, present
}
