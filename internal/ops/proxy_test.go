package ops_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestDeploy_NginxAsDocumented puts Debian's nginx, configured by docs/deploy/nginx.conf
// (only its ports, certificate and upstream changed), in front of a real server, and checks
// what the deployment notes promise: plain HTTP is sent to HTTPS; with the trusted header set
// as documented, two residents (two source addresses) are rate-limited apart, and a resident
// cannot name another address in X-Real-IP; a photo larger than nginx's default body limit
// goes up; /metrics is closed to addresses outside the monitoring network.
func TestDeploy_NginxAsDocumented(t *testing.T) {
	bin := nginxBinary(t)
	app := testkit.NewApp(t)
	testkit.RateLimitsAsInProduction(t, app)
	srv := testkit.Serve(t, app)
	https, plain := startNginx(t, bin, strings.TrimPrefix(srv.URL, "http://"))

	resident := func(ip string) *http.Client {
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
		return &http.Client{
			Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4,
				TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // the test's own certificate
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	a, b := resident("127.0.0.7"), resident("127.0.0.8")
	call := func(c *http.Client, method, path, token string, header map[string]string, body []byte) int {
		t.Helper()
		req, err := http.NewRequest(method, https+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	res, err := a.Get(plain + "/api/health")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, "https://") {
		t.Errorf("plain HTTP: %d to %q, want 301 to https", res.StatusCode, loc)
	}

	admin := srv.Token("_superusers", testkit.Superuser)
	settings := []byte(`{"trustedProxy": {"headers": ["X-Real-IP"], "useLeftmostIP": false}}`)
	if status := call(a, http.MethodPatch, "/api/settings", admin, map[string]string{"Content-Type": "application/json"}, settings); status != http.StatusOK {
		t.Fatalf("trusted proxy settings through the proxy: %d", status)
	}
	for i := range 300 {
		if status := call(a, http.MethodGet, "/api/fs/vocab", "", nil, nil); status != http.StatusOK {
			t.Fatalf("resident A's request %d: %d", i+1, status)
		}
	}
	if status := call(a, http.MethodGet, "/api/fs/vocab", "", map[string]string{"X-Real-IP": "198.51.100.9"}, nil); status != http.StatusTooManyRequests {
		t.Errorf("resident A's 301st request, naming another address: %d, want 429", status)
	}
	if status := call(b, http.MethodGet, "/api/fs/vocab", "", nil, nil); status != http.StatusOK {
		t.Errorf("resident B's first request: %d, want 200", status)
	}

	photo := photoJPEG(t, 1600, 1200, 7, true)
	if len(photo) < 2<<20 {
		t.Fatalf("the photo is %d bytes: not above nginx's default limit of 1 MB by a margin", len(photo))
	}
	inspector := srv.Token(schema.Users, testkit.InspectorA)
	if status, body := uploadVia(t, b, https, inspector, photo); status != http.StatusOK {
		t.Errorf("a %d-byte photo through the proxy: %d %s", len(photo), status, body)
	}

	if status := call(b, http.MethodGet, "/metrics", "Bearer "+metricsToken, nil, nil); status != http.StatusForbidden {
		t.Errorf("/metrics from outside the monitoring network: %d, want 403 from nginx", status)
	}
}

// nginxBinary finds nginx; CI installs it (make test runs scripts/install-nginx.sh).
func nginxBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/nginx", "nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("nginx is missing: make test installs Debian's nginx-light (scripts/install-nginx.sh)")
	}
	t.Skip("no nginx: apt-get install nginx-light to test the documented proxy configuration")
	return ""
}

// startNginx runs nginx in the foreground with docs/deploy/nginx.conf, its listening ports,
// certificate and upstream replaced, and returns its HTTPS and plain HTTP base URLs.
func startNginx(t *testing.T, bin, upstream string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	conf, err := os.ReadFile("../../docs/deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	crt, key := selfSigned(t, dir)
	httpsAddr, plainAddr := freePort(t), freePort(t)
	site := string(conf)
	for _, r := range []struct{ old, new string }{
		{"    listen 80;\n", "    listen " + plainAddr + ";\n"},
		{"    listen [::]:80;\n", ""},
		{"    listen 443 ssl http2;\n", "    listen " + httpsAddr + " ssl http2;\n"},
		{"    listen [::]:443 ssl http2;\n", ""},
		{"/etc/nginx/tls/fieldsync.example.gov.cn.crt", crt},
		{"/etc/nginx/tls/fieldsync.example.gov.cn.key", key},
		{"server 127.0.0.1:8090;", "server " + upstream + ";"},
	} {
		if !strings.Contains(site, r.old) {
			t.Fatalf("docs/deploy/nginx.conf no longer holds %q", r.old)
		}
		site = strings.ReplaceAll(site, r.old, r.new)
	}
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events {}
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/site.conf;
}
`, dir)
	for name, text := range map[string]string{"site.conf": site, "nginx.conf": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if c, err := net.Dial("tcp", httpsAddr); err == nil {
			c.Close()
			return "https://" + httpsAddr, "http://" + plainAddr
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %v\n%s%s", err, out.String(), log)
		case <-ctx.Done():
			t.Fatal("nginx did not listen within 30 s")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// selfSigned writes a certificate and key for fieldsync.example.gov.cn into dir.
func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fieldsync.example.gov.cn"},
		DNSNames: []string{"fieldsync.example.gov.cn"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	crt, kp := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	for path, block := range map[string]*pem.Block{crt: {Type: "CERTIFICATE", Bytes: der}, kp: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return crt, kp
}

// uploadVia uploads data as a staff upload in one PATCH through client.
func uploadVia(t *testing.T, client *http.Client, base, token string, data []byte) (int, string) {
	t.Helper()
	do := func(method, path string, header map[string]string, body []byte) (*http.Response, string) {
		req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", token)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		msg, _ := io.ReadAll(res.Body)
		return res, string(msg)
	}
	announce := fmt.Sprintf(`{"sha256": %q, "size": %d, "mime": "image/jpeg"}`, sha(data), len(data))
	res, body := do(http.MethodPost, "/api/fs/blobs/uploads", map[string]string{"Content-Type": "application/json"}, []byte(announce))
	if res.StatusCode != http.StatusCreated {
		return res.StatusCode, body
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	res, body = do(http.MethodPatch, loc.Path, map[string]string{"Upload-Offset": "0", "Tus-Resumable": "1.0.0",
		"Content-Type": "application/offset+octet-stream", "Content-Length": strconv.Itoa(len(data))}, data)
	return res.StatusCode, body
}
