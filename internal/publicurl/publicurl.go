// Package publicurl gives the address residents reach the server at: the base of every QR
// code, printed sheet and link that leaves the building. It is PocketBase's application URL
// (admin UI → Settings → Application → Application URL, Settings().Meta.AppURL): one setting
// an administrator already knows, kept in the database with the other settings and backed up
// with them, rather than a second fieldsync setting that could disagree with it.
package publicurl

import (
	"net"
	"net/url"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
)

// ErrUnset refuses to print an address nobody outside can open. PocketBase ships the
// application URL as http://localhost:8090, which is as dead on a door as an empty one.
var ErrUnset = fault.New(fault.Conflict, "public_url_unset",
	"尚未设置对外访问地址（管理后台 → Settings → Application URL），或设置的是本机地址；二维码和链接在设置前不能生成",
	"the public address is not set (admin UI → Settings → Application URL) or is a loopback address; no QR code or link is made until it is")

// Base returns the public base URL without a trailing slash, or ErrUnset when it is empty,
// not an http(s) URL, or names this machine (localhost, a loopback or unspecified address).
func Base(app core.App) (string, error) {
	raw := strings.TrimRight(strings.TrimSpace(app.Settings().Meta.AppURL), "/")
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || local(u.Hostname()) {
		return "", ErrUnset
	}
	return raw, nil
}

func local(host string) bool {
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// CentrePath is the short path of a centre's page, what its QR code opens.
func CentrePath(id string) string { return "/c/" + url.PathEscape(id) }

// Centre returns the public address of centre id's page.
func Centre(app core.App, id string) (string, error) {
	base, err := Base(app)
	if err != nil {
		return "", err
	}
	return base + CentrePath(id), nil
}
