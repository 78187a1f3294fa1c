package reports

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// A receipt is a JWT signed with HS256 by a per-install secret: the reporter's only key to
// their report. It names the report (sub), its tracking number (trk) and a random id (jti);
// the server keeps only the SHA-256 of the id in report_receipts, so a leaked row cannot be
// turned back into a receipt, and a district administrator revokes one by flagging its row.
//
// Verification pins the algorithm (HS256: "none" and every other algorithm are refused), and
// requires the issuer, the audience and an expiry. A JWT rather than an opaque random string
// because the claims let the server refuse expired, foreign or forged receipts before any
// database read; the database row is still required, which is what makes revocation work.
const (
	receiptIssuer   = "fieldsync"
	receiptAudience = "fieldsync/report-receipt"
	receiptHeader   = "X-Report-Receipt"
	// operatorKeyID is the kid of receipts signed with Config.ReceiptKey. It says "env"
	// because the receipts already issued carry it.
	operatorKeyID = "env"
)

// receiptClaims are a receipt's claims.
type receiptClaims struct {
	jwt.RegisteredClaims
	Tracking string `json:"trk"`
}

var errReceipt = fault.New(fault.Permission, "receipt_invalid",
	"回执凭证无效、已过期或已撤销", "the receipt is invalid, expired or revoked")

// keyring reads the signing keys: the operator's, or the newest of fs_receipt_keys.
type keyring struct {
	// operator is Config.ReceiptKey; empty, the database's keys sign.
	operator []byte
}

func (k keyring) signing(app core.App) (string, []byte, error) {
	if len(k.operator) > 0 {
		return operatorKeyID, k.operator, nil
	}
	var row struct {
		Kid    string `db:"kid"`
		Secret []byte `db:"secret"`
	}
	err := app.DB().NewQuery("SELECT kid, secret FROM fs_receipt_keys ORDER BY created DESC, kid DESC LIMIT 1").One(&row)
	if err != nil {
		return "", nil, fmt.Errorf("receipt key: %w", err)
	}
	return row.Kid, row.Secret, nil
}

func (k keyring) verifying(app core.App, kid string) ([]byte, error) {
	if kid == operatorKeyID {
		if len(k.operator) > 0 {
			return k.operator, nil
		}
		return nil, errReceipt
	}
	var secret []byte
	err := app.DB().NewQuery("SELECT secret FROM fs_receipt_keys WHERE kid = {:kid}").
		Bind(dbx.Params{"kid": kid}).Row(&secret)
	if err != nil || len(secret) < 32 {
		return nil, errReceipt
	}
	return secret, nil
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("reports: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// issueReceipt records a new receipt for report and returns it with its expiry.
func (s *Service) issueReceipt(tx core.App, report *core.Record) (string, time.Time, error) {
	kid, secret, err := s.keys.signing(tx)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.cfg.Now()
	exp := now.Add(s.cfg.ReceiptTTL)
	jti := randomHex(16)
	coll, err := tx.FindCachedCollectionByNameOrId(schema.ReportReceipts)
	if err != nil {
		return "", time.Time{}, err
	}
	row := core.NewRecord(coll)
	row.Load(map[string]any{"report": report.Id, "token_hash": hashHex(jti), "expires": exp.UTC()})
	access.Attribute(row, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
	if err := tx.Save(row); err != nil {
		return "", time.Time{}, fmt.Errorf("save receipt: %w", err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, receiptClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: receiptIssuer, Audience: jwt.ClaimStrings{receiptAudience}, Subject: report.Id, ID: jti,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Tracking: report.GetString("tracking_no"),
	})
	tok.Header["kid"] = kid
	signed, err := tok.SignedString(secret)
	return signed, exp, err
}

// openReceipt returns the report raw is a valid receipt of, which must carry tracking. Every
// failure is the same errReceipt, so a caller learns nothing of why.
func (s *Service) openReceipt(app core.App, raw, tracking string) (*core.Record, error) {
	if raw == "" || len(raw) > 4096 {
		return nil, errReceipt
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithAudience(receiptAudience), jwt.WithIssuer(receiptIssuer),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.cfg.Now), jwt.WithStrictDecoding())
	var claims receiptClaims
	_, err := parser.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return s.keys.verifying(app, kid)
	})
	if err != nil || claims.Tracking != tracking || claims.Subject == "" || claims.ID == "" {
		return nil, errReceipt.Wrap(errors.Join(err, errors.New("claims")))
	}
	row, err := app.FindFirstRecordByFilter(schema.ReportReceipts, "token_hash = {:h}", dbx.Params{"h": hashHex(claims.ID)})
	if err != nil || row.GetBool("revoked") || row.GetString("report") != claims.Subject ||
		!row.GetDateTime("expires").Time().After(s.cfg.Now()) {
		return nil, errReceipt
	}
	report, err := app.FindRecordById(schema.Reports, claims.Subject)
	if err != nil || report.GetString("tracking_no") != tracking || report.GetBool("voided") {
		return nil, errReceipt
	}
	return report, nil
}
