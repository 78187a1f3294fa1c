package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// buildServer builds ./cmd/fieldsync of the module fsbench belongs to into dir and returns
// the binary's path.
func buildServer(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "fieldsync")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/fieldsync")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/fieldsync: %w\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot is the directory of the module fsbench belongs to.
func moduleRoot(ctx context.Context) (string, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(gomod))), nil
}

// server is a running `fieldsync serve` on a data dir, a process of its own so its memory
// and its HTTP are what production sees.
type server struct {
	url       string
	profiling bool // the server profiles between profile(true) and profile(false)
	cmd       *exec.Cmd
	exited    chan struct{}
	waitErr   error
	logPath   string
	// anonPeak is the largest anonymous resident set sampled (RssAnon), in bytes: the
	// server's own memory, without the pages of the database file it maps (see memory).
	anonPeak atomic.Int64
}

// serverSpec says which binary serves and how.
type serverSpec struct {
	bin     string   // the server binary; fsbench itself when profiling
	env     []string // added to the environment
	dir     string   // the working dir: the dataset's dir, with no pb_hooks or pb_migrations
	dataDir string
	// profiling says the server is fsbench's diagnostic server writing a CPU profile to
	// profile, which server.profile marks.
	profiling bool
	profile   string
}

// startServer starts the server on a free loopback port and waits until it is healthy.
func startServer(ctx context.Context, spec serverSpec, name string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(spec.dir, "serve-"+name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	cmd := exec.Command(spec.bin, "serve", "--dir", spec.dataDir, "--http", addr, "--dev=false")
	cmd.Dir = spec.dir
	cmd.Env = append(os.Environ(), spec.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start server: %w", err)
	}
	s := &server{url: "http://" + addr, cmd: cmd, exited: make(chan struct{}), logPath: logPath,
		profiling: spec.profiling}
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	go s.sampleAnon()
	if err := s.waitHealthy(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func freeAddr() (string, error) {
	l, err := freeListener()
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func freeListener() (net.Listener, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("free port: %w", err)
	}
	return l, nil
}

func (s *server) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(2 * time.Minute)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		res, err := client.Get(s.url + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before it was healthy (%v); see %s", s.waitErr, s.logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("server not healthy after 2 minutes; see %s", s.logPath)
}

// stop sends SIGTERM, on which PocketBase shuts down gracefully (and a profiling server
// writes its profile), and kills the process if it has not exited in time.
func (s *server) stop() error {
	select {
	case <-s.exited:
		return s.waitErr
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("sigterm: %w", err)
	}
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("server ignored SIGTERM for 30s and was killed")
	}
}

// profile starts (on) or stops the CPU profile of a profiling server; it does nothing to
// others.
func (s *server) profile(on bool) {
	if !s.profiling {
		return
	}
	sig := syscall.SIGUSR2
	if on {
		sig = syscall.SIGUSR1
	}
	_ = s.cmd.Process.Signal(sig)
}

// memory is the server's resident set: now and at its peak (VmRSS and VmHWM), the file pages
// in it now (RssFile), and the peak of the rest (RssAnon, sampled), in bytes. The data
// database is read through a memory map (internal/sqlite.MmapSize), so the pages of it the
// server read count in VmRSS and VmHWM, though they are the kernel's file cache, shared and
// given back under pressure; the anonymous peak is the memory the server itself holds.
type memory struct{ rss, peak, file, anonPeak int64 }

func (s *server) memory() (memory, error) {
	st, err := s.status()
	if err != nil {
		return memory{}, err
	}
	s.anonPeak.Store(max(s.anonPeak.Load(), st["RssAnon"]))
	return memory{rss: st["VmRSS"], peak: st["VmHWM"], file: st["RssFile"], anonPeak: s.anonPeak.Load()}, nil
}

// sampleAnon samples the server's anonymous resident set every 100 ms until it exits.
func (s *server) sampleAnon() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.exited:
			return
		case <-t.C:
		}
		if st, err := s.status(); err == nil {
			s.anonPeak.Store(max(s.anonPeak.Load(), st["RssAnon"]))
		}
	}
}

// status reads the memory figures of the server's /proc/<pid>/status, in bytes.
func (s *server) status() (map[string]int64, error) {
	st, err := statusOf(strconv.Itoa(s.cmd.Process.Pid))
	if err != nil {
		return st, fmt.Errorf("server memory: %w", err)
	}
	return st, nil
}

// memoryOf reads the resident set of the process pid ("self" for fsbench's own): now and
// at its peak.
func memoryOf(pid string) (memory, error) {
	st, err := statusOf(pid)
	return memory{rss: st["VmRSS"], peak: st["VmHWM"], file: st["RssFile"]}, err
}

// statusOf reads the memory figures of /proc/<pid>/status, in bytes.
func statusOf(pid string) (map[string]int64, error) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM" && key != "RssAnon" && key != "RssFile") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return out, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = kb << 10
	}
	return out, sc.Err()
}
