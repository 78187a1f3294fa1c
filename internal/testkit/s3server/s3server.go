// Package s3server runs a real S3 server on loopback for tests: Versity's S3 gateway
// (github.com/versity/versitygw) with its posix backend, built from its Go module.
//
// Versity's gateway was chosen over SeaweedFS because it is one process that starts in well
// under a second and stores each object as a plain file under a directory (a bucket is a
// subdirectory), so a test makes a bucket with a mkdir and can look at what was stored.
// SeaweedFS needs a master, a volume server and a filer before its S3 front answers, and its
// module is several times heavier to build.
//
// The binary is built once per gateway version (package gobin).
package s3server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/haidian/fieldsync/internal/testkit/gobin"
)

// Version is the gateway's module version: pinned, so every run tests the same server.
const Version = "v1.8.0"

const module = "github.com/versity/versitygw/cmd/versitygw"

// Credentials of the gateway's root account, and its region: loopback-only test values.
const (
	AccessKey = "fieldsync-test"
	Secret    = "fieldsync-test-secret"
	Region    = "us-east-1"
)

// Server is a running gateway. Its buckets are the directories under Root.
type Server struct {
	Endpoint string // http://127.0.0.1:<port>
	Root     string
	cmd      *exec.Cmd
	done     chan struct{}
	logPath  string
}

// Binary returns the path of the gateway's binary, building it when the cache lacks it.
func Binary() (string, error) { return gobin.Build(module, Version) }

// Start runs a gateway on a free loopback port, serving the directories under root as
// buckets, and waits until it answers.
func Start(root string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: "http://" + addr, Root: root, done: make(chan struct{}),
		logPath: filepath.Join(filepath.Dir(root), filepath.Base(root)+".log")}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "--port", addr, "--access", AccessKey, "--secret", Secret,
		"--region", Region, "posix", root)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() {
		s.cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(s.logPath)
			return nil, fmt.Errorf("versitygw exited at start:\n%s", log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Close()
			return nil, errors.New("versitygw did not answer within 30s")
		}
	}
}

// Close stops the gateway.
func (s *Server) Close() {
	s.cmd.Process.Kill()
	<-s.done
}

// NewBucket makes an empty bucket with a fresh name and returns the name.
func (s *Server) NewBucket() (string, error) {
	name := "b" + strings.ToLower(security.RandomStringWithAlphabet(20, "abcdefghijklmnopqrstuvwxyz0123456789"))
	return name, os.Mkdir(filepath.Join(s.Root, name), 0o755)
}

// Config is PocketBase's S3 setting for bucket on s.
func (s *Server) Config(bucket string) core.S3Config {
	return core.S3Config{Enabled: true, Bucket: bucket, Region: Region, Endpoint: s.Endpoint,
		AccessKey: AccessKey, Secret: Secret, ForcePathStyle: true}
}

// UseFor points app's file storage at a new bucket of s and returns the bucket's name.
func (s *Server) UseFor(app core.App) (string, error) {
	bucket, err := s.NewBucket()
	if err != nil {
		return "", err
	}
	app.Settings().S3 = s.Config(bucket)
	return bucket, app.Save(app.Settings())
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
