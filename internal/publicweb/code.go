package publicweb

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// A short code is what a reporter writes down instead of the receipt (a 400-character JWT):
// 12 characters of an alphabet without look-alikes (60 bits), shown as XXXX-XXXX-XXXX, valid
// only together with its tracking number. The server keeps the receipt sealed with AES-256-GCM
// under SHA-256(tracking number, code) and never the code itself, so the code opens the
// receipt and the receipt opens the report through every check the API makes (signature,
// expiry, revocation): revoking the receipt revokes the code.
//
// Guessing is stopped three ways: 60 bits cannot be enumerated; every wrong code counts as a
// failed receipt of the caller's address in the reports module (20 and the address is held
// back); and a tracking number with codeTries wrong codes in codeWindow, from any addresses,
// takes no code at all until the window has passed.
const (
	codeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	codeLen      = 12
	codeTries    = 10
	codeWindow   = time.Hour
)

var errCode = errors.New("wrong tracking code")

// newCode returns a fresh random code.
func newCode() string {
	raw := make([]byte, codeLen)
	if _, err := rand.Read(raw); err != nil {
		panic("publicweb: no randomness: " + err.Error())
	}
	b := make([]byte, codeLen)
	for i, r := range raw {
		b[i] = codeAlphabet[int(r)%len(codeAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b)
}

// normalCode reads a code as a person types it: any case, with spaces or dashes.
func normalCode(s string) (string, bool) {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	if len(s) != codeLen {
		return "", false
	}
	for _, c := range s {
		if !strings.ContainsRune(codeAlphabet, c) {
			return "", false
		}
	}
	return s, true
}

// showCode groups a code in fours for reading aloud and writing down.
func showCode(c string) string { return c[:4] + "-" + c[4:8] + "-" + c[8:] }

func codeKey(tracking, code string) cipher.AEAD {
	sum := sha256.Sum256([]byte("fieldsync tracking code v1\x00" + tracking + "\x00" + code))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}

// sealReceipt stores receipt of the report sealed under a new code and returns the code.
func sealReceipt(app core.App, reportID, tracking, receipt string) (string, error) {
	code := newCode()
	gcm := codeKey(tracking, code)
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := gcm.Seal(nonce, nonce, []byte(receipt), []byte(tracking))
	coll, err := app.FindCachedCollectionByNameOrId(schema.TrackingCodes)
	if err != nil {
		return "", err
	}
	r := core.NewRecord(coll)
	r.Load(map[string]any{"report": reportID, "tracking_no": tracking, "sealed": base64.StdEncoding.EncodeToString(sealed)})
	access.Attribute(r, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
	return code, app.Save(r)
}

// openReceipt returns the receipt tracking's code unseals, or errCode; known says whether
// tracking has any code at all (only those are worth counting guesses against).
func openReceipt(app core.App, tracking, code string) (receipt string, known bool, err error) {
	var sealed []string
	err = app.DB().Select("sealed").From(schema.TrackingCodes).Where(dbx.HashExp{"tracking_no": tracking}).Column(&sealed)
	if err != nil {
		return "", false, err
	}
	gcm := codeKey(tracking, code)
	for _, s := range sealed {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) < gcm.NonceSize() {
			continue
		}
		if plain, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], []byte(tracking)); err == nil {
			return string(plain), true, nil
		}
	}
	return "", len(sealed) > 0, errCode
}

// codeGuard counts wrong codes per tracking number, in memory: a restart forgets the counts,
// which costs a guesser nothing they could use (60 bits remain 60 bits).
type codeGuard struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

func newCodeGuard() *codeGuard { return &codeGuard{fails: map[string][]time.Time{}} }

func (g *codeGuard) recent(tracking string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range g.fails[tracking] {
		if now.Sub(t) < codeWindow {
			keep = append(keep, t)
		}
	}
	if keep == nil {
		delete(g.fails, tracking)
	} else {
		g.fails[tracking] = keep
	}
	return keep
}

// blocked says whether tracking takes no code now.
func (g *codeGuard) blocked(tracking string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.recent(tracking, time.Now())) >= codeTries
}

func (g *codeGuard) fail(tracking string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	g.fails[tracking] = append(g.recent(tracking, now), now)
}
